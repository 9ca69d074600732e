/**
 * Jest's globalSetup and globalTeardown for the Forge app's tests: one MariaDB server for the run
 * (test/jira/forge-sql.ts), on which each test file gets a database of its own (setup.ts). The
 * cross-package tests use it too, for the workbench servers they start (a database each): without
 * it each of those would set up and start a server of its own. Both projects name it, so it runs
 * once whichever of them a run includes.
 */
import { startMariaDb, type MariaDb } from '../../test/jira/forge-sql';

const KEY = '__slaDeskMariaDb';

export default async function globalSetup(): Promise<void> {
  if (process.env.SLA_FORGE_SQL_SOCKET) return;
  const db = await startMariaDb();
  (globalThis as Record<string, unknown>)[KEY] = db;
  process.env.SLA_FORGE_SQL_SOCKET = db.socket;
}

export async function teardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>)[KEY] as MariaDb | undefined;
  if (!db) return;
  delete (globalThis as Record<string, unknown>)[KEY];
  delete process.env.SLA_FORGE_SQL_SOCKET;
  await db.stop();
}

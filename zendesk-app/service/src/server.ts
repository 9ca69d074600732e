import type { Server } from 'http';
import type { AddressInfo } from 'net';
import type { ServiceConfig } from './config';
import { migrate, openDb, type Db } from './db';
import { Intake } from './intake';
import { jsonLog, type Log } from './log';
import { releaseLeases } from './queue';
import { requeueIfSettingsChanged } from './reevaluate';
import { buildApp, type RouteOptions } from './routes';
import { emptyStats, type Stats } from './stats';
import { checkAdminToken, Tenants } from './tenants';
import { Worker, type WorkerOptions } from './worker';

export { BODY_TIMEOUT_MS, MAX_BODY, REPLAYS_PER_SIGNATURE, ticketIdOf } from './routes';
export type { Stats } from './stats';
export { defaultBackoff, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS } from './worker';

/**
 * The webhook service on fastify, over a durable store (db.ts): the routes (routes.ts) store each
 * verified delivery through the group commit (intake.ts) and answer at once; the worker
 * (worker.ts) runs the queued work and each open ticket's SLA transitions, in this instance or
 * another (queue.ts); tenants.ts keeps the tenants.
 */
export interface Service {
  url: string;
  server: Server;
  db: Db;
  /** This instance's name in the queue's leases. */
  instanceId: string;
  /** Counts: passes per outcome, deliveries per verdict, Zendesk requests, transitions written. */
  stats: Stats;
  tenants: Tenants;
  /** Runs one round of the worker now (the loop runs it every pollMs anyway). */
  tick(): Promise<number>;
  /** Resolves when no job is runnable and no transition is due (tests and the workbench). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOptions extends WorkerOptions, RouteOptions {
  /** The SLA clock (the workbench moves it); the queue's leases and back-off use the wall clock. */
  now?: () => number;
  log?: Log;
  host?: string;
  port?: number;
  /** A store to use (shared by instances in one process); otherwise one is opened and closed with the service. */
  db?: Db;
  databaseUrl?: string;
  dataDir?: string;
  encryptionKey?: Buffer | null;
  /** The key list (SLA_ENCRYPTION_KEY with commas): the first seals, every one opens. */
  encryptionKeys?: Buffer[];
  /** Where a tenant's subdomain lives (tests and the workbench); https://<subdomain>.zendesk.com otherwise. */
  tenantBaseUrl?: (subdomain: string) => string;
  /** Tenants and unknown account ids kept in memory, each (default 10,000). */
  tenantCacheMax?: number;
}

export type { GlobalOAuthOptions } from './connect';

export async function startService(cfg: ServiceConfig | null, opts: ServiceOptions = {}): Promise<Service> {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? jsonLog;
  if (opts.adminToken !== undefined) checkAdminToken(opts.adminToken);
  const ownDb = !opts.db;
  const db = opts.db ?? (await openDb({ url: opts.databaseUrl, dataDir: opts.dataDir, onError: (e) => log({ level: 'warn', msg: 'database connection lost', error: e.message }) }));
  const keys = opts.encryptionKeys ?? (opts.encryptionKey ? [opts.encryptionKey] : []);
  const tenants = await openTenants(db, ownDb, keys, cfg, opts, log);
  const stats = emptyStats();
  const worker = new Worker({ db, tenants, stats, log, now, multi: keys.length > 0, appId: opts.globalOauth?.appId }, opts);
  worker.start();
  const intake = new Intake(db);
  const app = await buildApp({ db, tenants, stats, log, now, store: (d) => intake.store(d), worker, keys, baseOf: opts.tenantBaseUrl ?? zendeskOf }, opts);
  await app.listen({ port: opts.port ?? cfg?.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server: app.server,
    db,
    instanceId: worker.instanceId,
    stats,
    tenants,
    tick: worker.tick,
    drain: worker.drain,
    close: async () => {
      worker.stop();
      app.server.closeAllConnections();
      await app.close();
      await worker.settled();
      if (ownDb) await db.close();
    },
  };
}

/** An account's own Zendesk. */
const zendeskOf = (subdomain: string) => `https://${subdomain}.zendesk.com`;

/** The store migrated and its tenants open; a store this call opened is closed again if they do not. */
async function openTenants(db: Db, ownDb: boolean, keys: Buffer[], cfg: ServiceConfig | null, opts: ServiceOptions, log: Log): Promise<Tenants> {
  try {
    await migrate(db);
    const tenants = new Tenants(db, keys, cfg, undefined, opts.tenantBaseUrl, opts.tenantCacheMax, opts.globalOauth?.client);
    // Stored tenants that do not open stop the start here, with the reason, not every delivery later.
    await tenants.open(log);
    // The embedded store belongs to this process alone: the leases of a process that died are void.
    if (ownDb && db.kind === 'pglite') await releaseLeases(db);
    // Settings changed while the service was down (a new policy, an upgrade's preset): every open
    // ticket it keeps is evaluated again. Stored tenants are compared as the catch-up visits them.
    const env = tenants.envTenant();
    if (env) await requeueIfSettingsChanged(db, env.id, env.cfg, Date.now(), log);
    return tenants;
  } catch (e) {
    if (ownDb) await db.close().catch(() => undefined);
    throw e;
  }
}

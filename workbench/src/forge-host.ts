// The Forge runtime, emulated: loads the Forge app's own compiled code (resolvers, triggers) with
// @forge/api's requestJira pointed at the Jira REST emulator, @forge/kvs at a Map, @forge/sql at a
// MariaDB server (test/jira/forge-sql.ts) and @forge/events' Queue at in-memory queues. Used by the
// workbench and by npm run bench; the app's code is not changed or copied.
// (The compile step itself is workbench/scripts/compile.mjs: it runs before any of this is compiled.)
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PushEvent, Queue as EventsQueue } from '@forge/events';
import type { QueueParams } from '@forge/events/out/types';
import type * as Emulator from '../../test/jira/emulator';
import type * as SqlEmulator from '../../test/jira/forge-sql';

type Manifest = {
  app?: { id?: string };
  permissions: { scopes: string[] };
  modules: {
    'jira:customField': { key: string; name: string; type: string }[];
    trigger?: { key: string; function: string; events?: string[] }[];
    function?: { key: string; handler: string }[];
  };
};
/** A pushed event as the in-memory queues keep it: the instant it becomes due, and Forge's ids for it. */
export interface QueuedEvent {
  body: Record<string, unknown>;
  delayInSeconds?: number;
  concurrency?: PushEvent['concurrency'];
  dueAt: number;
  jobId: string;
  eventId: string;
  retryContext?: { retryCount: number; retryReason?: unknown; retryData?: unknown };
}
export type Forge = ReturnType<typeof loadForge>;

/**
 * Loads the compiled Forge app from `buildDir` (the outDir of compileHosts) against `jira` (a
 * JiraEmulator) and `store` (a Map standing in for Forge storage). `now` is the clock a pushed
 * event's delay counts from; the returned `queues` hold what the app pushed, per queue key, for the
 * host to deliver to the manifest's consumers. Forge SQL's database is kept in `sqlDir` (a MariaDB
 * data directory, started on the app's first statement and stopped by closeSql), or, where a test
 * run has a MariaDB server already (SLA_FORGE_SQL_SOCKET), in a database of that server's.
 */
export function loadForge(
  root: string,
  buildDir: string,
  store: Map<string, unknown>,
  jiraOf?: (JiraEmulator: typeof Emulator.JiraEmulator, manifest: Manifest) => Emulator.JiraEmulator,
  { now = Date.now, sqlDir }: { now?: () => number; sqlDir?: string } = {},
) {
  const req = createRequire(join(root, 'forge-app', 'package.json'));
  const emulator: typeof Emulator = req(join(buildDir, 'test', 'jira', 'emulator.js'));
  const { JiraEmulator } = emulator;
  // The emulated site grants exactly the manifest's scopes, and has the fields Forge creates from it.
  const manifest: Manifest = parse(readFileSync(join(root, 'forge-app', 'manifest.yml'), 'utf8'));
  const jira = jiraOf ? jiraOf(JiraEmulator, manifest) : new JiraEmulator(manifest.permissions.scopes);
  jira.deployAppFields(manifest.modules['jira:customField']);
  const actual = req('@forge/api');
  type Call = Parameters<Emulator.JiraEmulator['requestJira']>;
  const asApp = { requestJira: (r: Call[0], init?: Call[1]) => jira.requestJira(r, init, { as: 'app' }) };
  // asUser acts as the invoking user, whom the host sets on jira.currentUser for each resolver call.
  const asUser = { requestJira: (r: Call[0], init?: Call[1]) => jira.requestJira(r, init, { as: 'user', accountId: jira.currentUser ?? 'anonymous' }) };
  const { APP_ID, ENV_ID } = emulator;
  const getAppContext = () => ({ appAri: { appId: APP_ID }, environmentAri: { environmentId: ENV_ID } });
  const { sql, closeSql } = forgeSql(req(join(buildDir, 'test', 'jira', 'forge-sql.js')), sqlDir);
  // @forge/sql's transport (its out/sql.js): the product fetch of the app's own SQL remote.
  const __fetchProduct = (o: { provider: string; remote: string; type: string }) => {
    if (o.provider !== 'app' || o.remote !== 'sql' || o.type !== 'sql') throw new Error(`__fetchProduct: the workbench has no product ${JSON.stringify(o)}`);
    return sql.fetch;
  };
  req.cache[req.resolve('@forge/api')]!.exports = { ...actual, __esModule: true, route: actual.route, getAppContext, __fetchProduct, default: { asApp: () => asApp, asUser: () => asUser } };
  req('@forge/kvs');
  req.cache[req.resolve('@forge/kvs')]!.exports = {
    __esModule: true,
    kvs: {
      // As @forge/kvs: a missing key is an error, not undefined.
      get: async (k: string) => {
        if (!store.has(k)) throw Object.assign(new Error(`key ${k} not found`), { code: 'KEY_NOT_FOUND' });
        return store.get(k);
      },
      set: async (k: string, v: unknown) => void store.set(k, v),
      delete: async (k: string) => void store.delete(k),
    },
  };
  const events = req('@forge/events');
  const { Queue, queues } = inMemoryQueues(req, now);
  req.cache[req.resolve('@forge/events')]!.exports = { ...events, __esModule: true, Queue };
  const src = join(buildDir, 'forge-app', 'src');
  return {
    jira,
    manifest,
    sql,
    closeSql,
    queues,
    Queue,
    JiraEmulator,
    // The manifest's handlers (index.<name>), loaded only when asked: they read the real clock.
    index: (): typeof import('../../forge-app/src/index') => req(join(src, 'index.js')),
    triggers: req(join(src, 'triggers.js')) as typeof import('../../forge-app/src/triggers'),
    resolvers: req(join(src, 'resolvers.js')) as typeof import('../../forge-app/src/resolvers'),
    reports: req(join(src, 'report-resolver.js')) as typeof import('../../forge-app/src/report-resolver'),
    config: req(join(src, 'config.js')) as typeof import('../../forge-app/src/config'),
    recalculate: req(join(src, 'recalculate.js')) as typeof import('../../forge-app/src/recalculate'),
    JiraClient: (req(join(src, 'jira', 'client.js')) as typeof import('../../forge-app/src/jira/client')).JiraClient,
    site: req(join(src, 'site.js')) as typeof import('../../forge-app/src/site'),
    adfText: (req(join(src, 'jira', 'timeline.js')) as typeof import('../../forge-app/src/jira/timeline')).adfText,
  };
}

/** The app's Forge SQL database: opened on its first statement, so a host that never reports starts no server. */
function forgeSql(emulator: typeof SqlEmulator, sqlDir: string | undefined) {
  let server: Promise<SqlEmulator.MariaDb> | null = null;
  const shared = process.env.SLA_FORGE_SQL_SOCKET;
  // One database per desk directory on a shared server, so that a desk reopened finds its outcomes.
  const name = `workbench_${createHash('sha256').update(sqlDir ?? String(process.pid)).digest('hex').slice(0, 16)}`;
  const sql = new emulator.ForgeSqlEmulator(async () => {
    if (shared) return emulator.poolOn(shared, name);
    server ??= emulator.startMariaDb(sqlDir);
    return emulator.poolOn((await server).socket, 'forge_app');
  });
  const closeSql = async () => {
    await sql.close();
    const s = server;
    server = null;
    if (s) await (await s).stop();
  };
  return { sql, closeSql };
}

/**
 * @forge/events' Queue without Forge's queue service: push() checks its events as the SDK does
 * before it sends them (the SDK's own validators: a body object each, 1 to 50 events, 200 KB, a
 * delay of 0 to 900 s) and records each one, with the instant it becomes due, under its queue's
 * key. Delivering them to the consumers is the host's part, as it is Forge's.
 */
function inMemoryQueues(req: NodeRequire, now: () => number) {
  const { validateQueueKey, validatePushEvents }: typeof import('@forge/events/out/validators') = req('@forge/events/out/validators.js');
  const queues = new Map<string, QueuedEvent[]>();
  let jobs = 0;
  let events = 0;
  class Queue {
    readonly key: string;
    constructor(params: QueueParams) {
      validateQueueKey(params?.key);
      this.key = params.key;
    }
    async push(pushed: PushEvent | PushEvent[]) {
      const valid = validatePushEvents(pushed);
      // Forge's push answers a fresh job id for each push; consumers see it on their events.
      const jobId = `workbench-job-${++jobs}`;
      const at = now();
      const list = queues.get(this.key) ?? [];
      for (const e of valid) list.push({ body: e.body, delayInSeconds: e.delayInSeconds, concurrency: e.concurrency, dueAt: at + (e.delayInSeconds ?? 0) * 1000, jobId, eventId: `workbench-event-${++events}` });
      queues.set(this.key, list);
      return { jobId };
    }
    // Job statistics and cancelling live in Forge's queue service, which is not emulated.
    getJob(): never {
      throw new Error('@forge/events: getJob is not emulated by the workbench');
    }
    async getStats(): Promise<never> {
      throw new Error('@forge/events: getStats is not emulated by the workbench');
    }
    async cancel(): Promise<never> {
      throw new Error('@forge/events: cancel is not emulated by the workbench');
    }
  }
  // It stands in for the SDK's class, which the app's functions take.
  return { Queue: Queue as unknown as typeof EventsQueue, queues };
}

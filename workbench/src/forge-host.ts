// The Forge runtime, emulated: loads the Forge app's own compiled code (resolvers, triggers) with
// @forge/api's requestJira pointed at the Jira REST emulator, @forge/kvs at a Map and @forge/events'
// Queue at in-memory queues. Used by the workbench and by npm run bench; the app's code is not
// changed or copied.
// (The compile step itself is workbench/scripts/compile.mjs: it runs before any of this is compiled.)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PushEvent, Queue as EventsQueue } from '@forge/events';
import type { QueueParams } from '@forge/events/out/types';
import type * as Emulator from '../../test/jira/emulator';

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
 * host to deliver to the manifest's consumers.
 */
export function loadForge(
  root: string,
  buildDir: string,
  store: Map<string, unknown>,
  jiraOf?: (JiraEmulator: typeof Emulator.JiraEmulator, manifest: Manifest) => Emulator.JiraEmulator,
  { now = Date.now }: { now?: () => number } = {},
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
  const { kvsQuery }: typeof import('../../test/jira/kvs-query') = req(join(buildDir, 'test', 'jira', 'kvs-query.js'));
  const getAppContext = () => ({ appAri: { appId: APP_ID }, environmentAri: { environmentId: ENV_ID } });
  req.cache[req.resolve('@forge/api')]!.exports = { ...actual, __esModule: true, route: actual.route, getAppContext, default: { asApp: () => asApp, asUser: () => asUser } };
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
      // The report pages page through the outcomes by key prefix, as Forge's query does.
      query: () => kvsQuery(store, (v) => v),
    },
    WhereConditions: req('@forge/kvs/out/conditions').WhereConditions,
  };
  const events = req('@forge/events');
  const { Queue, queues } = inMemoryQueues(req, now);
  req.cache[req.resolve('@forge/events')]!.exports = { ...events, __esModule: true, Queue };
  const src = join(buildDir, 'forge-app', 'src');
  return {
    jira,
    manifest,
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

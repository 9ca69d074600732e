// The Forge runtime, emulated: loads the Forge app's own compiled code (resolvers, triggers) with
// @forge/api's requestJira pointed at the Jira REST emulator, @forge/kvs at a Map and @forge/events'
// Queue at in-memory queues. Used by the workbench and by npm run bench; the app's code is not
// changed or copied.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Compiles the app code the hosts run (Forge resolvers and triggers, the ZAF adapter, the Jira emulator). */
export function compileHosts(root, outDir) {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(root, 'workbench', 'tsconfig.hosts.json')];
  if (outDir) args.push('--outDir', outDir);
  execFileSync(process.execPath, args, { stdio: 'inherit' });
}

/**
 * Loads the compiled Forge app from `buildDir` (the outDir of compileHosts) against `jira` (a
 * JiraEmulator) and `store` (a Map standing in for Forge storage). `now` is the clock a pushed
 * event's delay counts from; the returned `queues` hold what the app pushed, per queue key, for the
 * host to deliver to the manifest's consumers.
 */
export function loadForge(root, buildDir, store, jiraOf, { now = Date.now } = {}) {
  const req = createRequire(join(root, 'forge-app', 'package.json'));
  const { JiraEmulator } = req(join(buildDir, 'test', 'jira', 'emulator.js'));
  // The emulated site grants exactly the manifest's scopes, and has the fields Forge creates from it.
  const manifest = parse(readFileSync(join(root, 'forge-app', 'manifest.yml'), 'utf8'));
  const jira = jiraOf ? jiraOf(JiraEmulator, manifest) : new JiraEmulator(manifest.permissions.scopes);
  jira.deployAppFields(manifest.modules['jira:customField']);
  const actual = req('@forge/api');
  const asApp = { requestJira: (r, init) => jira.requestJira(r, init, { as: 'app' }) };
  // asUser acts as the invoking user, whom the host sets on jira.currentUser for each resolver call.
  const asUser = { requestJira: (r, init) => jira.requestJira(r, init, { as: 'user', accountId: jira.currentUser ?? 'anonymous' }) };
  const { APP_ID, ENV_ID } = req(join(buildDir, 'test', 'jira', 'emulator.js'));
  const { kvsQuery } = req(join(buildDir, 'test', 'jira', 'kvs-query.js'));
  const getAppContext = () => ({ appAri: { appId: APP_ID }, environmentAri: { environmentId: ENV_ID } });
  req.cache[req.resolve('@forge/api')].exports = { ...actual, __esModule: true, route: actual.route, getAppContext, default: { asApp: () => asApp, asUser: () => asUser } };
  req('@forge/kvs');
  req.cache[req.resolve('@forge/kvs')].exports = {
    __esModule: true,
    kvs: {
      // As @forge/kvs: a missing key is an error, not undefined.
      get: async (k) => {
        if (!store.has(k)) throw Object.assign(new Error(`key ${k} not found`), { code: 'KEY_NOT_FOUND' });
        return store.get(k);
      },
      set: async (k, v) => void store.set(k, v),
      delete: async (k) => void store.delete(k),
      // The report pages page through the outcomes by key prefix, as Forge's query does.
      query: () => kvsQuery(store, (v) => v),
    },
    WhereConditions: req('@forge/kvs/out/conditions').WhereConditions,
  };
  const events = req('@forge/events');
  const { Queue, queues } = inMemoryQueues(req, now);
  req.cache[req.resolve('@forge/events')].exports = { ...events, __esModule: true, Queue };
  const src = join(buildDir, 'forge-app', 'src');
  return {
    jira,
    manifest,
    queues,
    Queue,
    JiraEmulator,
    // The manifest's handlers (index.<name>), loaded only when asked: they read the real clock.
    index: () => req(join(src, 'index.js')),
    triggers: req(join(src, 'triggers.js')),
    resolvers: req(join(src, 'resolvers.js')),
    reports: req(join(src, 'report-resolver.js')),
    config: req(join(src, 'config.js')),
    recalculate: req(join(src, 'recalculate.js')),
    JiraClient: req(join(src, 'jira', 'client.js')).JiraClient,
    site: req(join(src, 'site.js')),
    adfText: req(join(src, 'jira', 'timeline.js')).adfText,
  };
}

/**
 * @forge/events' Queue without Forge's queue service: push() checks its events as the SDK does
 * before it sends them (the SDK's own validators: a body object each, 1 to 50 events, 200 KB, a
 * delay of 0 to 900 s) and records each one, with the instant it becomes due, under its queue's
 * key. Delivering them to the consumers is the host's part, as it is Forge's.
 */
function inMemoryQueues(req, now) {
  const { validateQueueKey, validatePushEvents } = req('@forge/events/out/validators.js');
  /** @type {Map<string, { body: object, delayInSeconds?: number, dueAt: number, jobId: string, eventId: string, retryContext?: object }[]>} */
  const queues = new Map();
  let jobs = 0;
  let events = 0;
  class Queue {
    constructor(params) {
      validateQueueKey(params?.key);
      this.key = params.key;
    }
    async push(pushed) {
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
    getJob() {
      throw new Error('@forge/events: getJob is not emulated by the workbench');
    }
    async getStats() {
      throw new Error('@forge/events: getStats is not emulated by the workbench');
    }
    async cancel() {
      throw new Error('@forge/events: cancel is not emulated by the workbench');
    }
  }
  return { Queue, queues };
}

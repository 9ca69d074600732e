import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { route as realRoute } from '@forge/api';
import { JiraEmulator } from '../../test/jira/emulator';
import { ForgeSqlEmulator, poolOn } from '../../test/jira/forge-sql';
import { CONFIG_KEY, DEFAULT_CONFIG, type Config } from '../src/config';
import type { TransitionJob } from '../src/triggers';

/** The app's manifest: the emulator grants exactly its scopes, and creates its custom fields. */
export const manifest = parse(readFileSync(join(__dirname, '..', 'manifest.yml'), 'utf8'));

/** One emulated Jira site per test file; @forge/api's requestJira goes to it, with the manifest's scopes. */
export const jira = new JiraEmulator(manifest.permissions.scopes);
export const store = new Map<string, unknown>();
/**
 * The installation's Forge SQL database: a database of this test file's own on the run's MariaDB
 * server (jest's globalSetup, test/sql-server.ts), opened on the file's first statement.
 */
export const forgeSql = new ForgeSqlEmulator(async () => {
  const socket = process.env.SLA_FORGE_SQL_SOCKET;
  if (!socket) throw new Error("Forge SQL: no MariaDB server (jest's globalSetup, forge-app/test/sql-server.ts, starts one)");
  return poolOn(socket, `forge_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`);
});
afterAll(() => forgeSql.close());

/** Reads the site's facts once (app account, statuses, field ids), as the first event of the hour does, and forgets those requests. */
export async function warmSite(now = Date.now()): Promise<void> {
  const { siteFacts } = await import('../src/site');
  const { JiraClient } = await import('../src/jira/client');
  await siteFacts(new JiraClient('app'), now);
  jira.requests = [];
}

/** Deploys the app on the emulated site: Forge creates its custom fields, with ids of the site's own. */
export function deploy(): Record<string, string> {
  return jira.deployAppFields(manifest.modules['jira:customField']);
}

jest.mock('@forge/api', () => {
  const actual = jest.requireActual('@forge/api');
  // asApp acts as the app's account; asUser as the invoking user, whom the runtime knows (currentUser).
  const app = { requestJira: (r: { value: string }, init: object) => jira.requestJira(r, init, { as: 'app' }) };
  const user = {
    requestJira: (r: { value: string }, init: object) => {
      if (!jira.currentUser) throw new Error('asUser() outside a user invocation');
      return jira.requestJira(r, init, { as: 'user', accountId: jira.currentUser });
    },
  };
  // The Forge runtime's app context: the app and environment whose fields the site created.
  const { APP_ID, ENV_ID } = jest.requireActual('../../test/jira/emulator');
  const getAppContext = () => ({ appAri: { appId: APP_ID }, environmentAri: { environmentId: ENV_ID } });
  // Forge's fetch (egress): what a test's webhook receiver answers, never the network.
  const fetch = (url: string, init: { method?: string; body?: string } = {}) => egress.fetch(url, init);
  // What @forge/sql calls (its out/sql.js): the product fetch of the app's own SQL remote.
  const __fetchProduct = (o: { provider: string; remote: string; type: string }) => {
    if (o.provider !== 'app' || o.remote !== 'sql' || o.type !== 'sql') throw new Error(`__fetchProduct: no product ${JSON.stringify(o)} in these tests`);
    return forgeSql.fetch;
  };
  return { __esModule: true, ...actual, route: actual.route, getAppContext, fetch, __fetchProduct, default: { asApp: () => app, asUser: () => user } };
});

/**
 * The outside world Forge's fetch reaches (the ladder's notify): every request is recorded, and
 * `answer` gives its status (200 unless a test says otherwise). Forge answers 403 for a host the
 * manifest does not list (runtime egress permissions), without throwing.
 */
export const egress = {
  posts: [] as { url: string; body: unknown }[],
  answer: (_url: string): number => 200,
  async fetch(url: string, init: { method?: string; body?: string }) {
    this.posts.push({ url, body: init.body ? JSON.parse(init.body) : undefined });
    const status = this.answer(url);
    return { ok: status >= 200 && status < 300, status, text: async () => '', json: async () => ({}) };
  },
};

/**
 * Forge storage as @forge/kvs 1.6.5 behaves (node_modules/@forge/kvs/out/storage-api.js and its
 * own tests): a missing key reads as undefined (the service's 404 KEY_NOT_FOUND is turned into
 * undefined); any other failure is a ForgeKvsAPIError with the service's code, e.g. a 429
 * RATE_LIMIT_EXCEEDED ("Any request that exceeds a quota or limit", Forge storage docs) or a 500
 * INTERNAL_SERVER_ERROR; a value over 240 KiB is refused with 400 MAX_SIZE (Forge KVS limits,
 * "Error handling for the Key-Value Store").
 */
export const kvsFaults: { op: 'get' | 'set'; key?: string; status: number; code: string }[] = [];
/** The next `count` reads (or writes) fail as the storage service fails them. */
export function failStorage(count: number, op: 'get' | 'set' = 'get', code = 'RATE_LIMIT_EXCEEDED', status = 429, key?: string): void {
  for (let i = 0; i < count; i++) kvsFaults.push({ op, key, status, code });
}
/** Older @forge/kvs builds (and the Forge docs' wording) let KEY_NOT_FOUND through as an error. */
export const kvsMode = { missingKeyThrows: false };
export const KVS_VALUE_LIMIT = 240 * 1024;

jest.mock('@forge/kvs', () => {
  class ForgeKvsAPIError extends Error {
    constructor(
      readonly responseDetails: { status: number },
      readonly code: string,
      message: string,
    ) {
      super(message);
      this.name = 'ForgeKvsAPIError';
    }
  }
  const fault = (op: 'get' | 'set', key: string) => {
    const i = kvsFaults.findIndex((f) => f.op === op && (f.key === undefined || f.key === key));
    if (i < 0) return;
    const [f] = kvsFaults.splice(i, 1);
    throw new ForgeKvsAPIError({ status: f.status }, f.code, `injected ${f.code}`);
  };
  return {
    kvs: {
      delete: async (key: string) => void store.delete(key),
      get: async (key: string) => {
        fault('get', key);
        if (!store.has(key)) {
          if (kvsMode.missingKeyThrows) throw new ForgeKvsAPIError({ status: 404 }, 'KEY_NOT_FOUND', 'Provided key does not exist');
          return undefined;
        }
        // A copy, as a value read back from the service is.
        return JSON.parse(JSON.stringify(store.get(key)));
      },
      set: async (key: string, value: unknown) => {
        fault('set', key);
        const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
        if (size > KVS_VALUE_LIMIT) throw new ForgeKvsAPIError({ status: 400 }, 'MAX_SIZE', 'The provided value has exceeded the maximum size limit.');
        // A copy, as the service stores what it was sent: a later change to the object is not saved.
        store.set(key, JSON.parse(JSON.stringify(value)));
      },
    },
  };
});

export { realRoute };

/** The configuration the tests install: KIWI STAGE+ with mapped fields and a lead group. */
export const testConfig: Config = {
  ...DEFAULT_CONFIG,
  map: { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052', pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done'] },
  // No field ids: the app finds its own fields on the site by their module keys.
  fields: { due: {} },
  leadGroups: ['triage-leads'],
};

/** The ids deploy() gives the app's fields on a reset site, in manifest order. */
export const FIELD = { firstResponse: 'customfield_10500', resolution: 'customfield_10501', state: 'customfield_10502', tier: 'customfield_10503', next: 'customfield_10504', nextReply: 'customfield_10505', periodicUpdate: 'customfield_10506', ownership: 'customfield_10507', level: 'customfield_10508', nextBreach: 'customfield_10509' };

/** SUP-1: Impact 2, Urgency 1, Plus, created at `created`, with the given native priority. */
export function addSupportIssue(created: string, priority: { id: string; name: string }) {
  return jira.addIssue({
    id: '10001',
    key: 'SUP-1',
    fields: {
      created,
      status: { name: 'Open' },
      priority,
      reporter: { accountId: 'customer-1' },
      customfield_10050: { value: '2. Important' },
      customfield_10051: { value: '1. Critical' },
      customfield_10052: { value: 'Plus' },
    },
  });
}

/** A fresh site: the emulator reset, storage empty but for `config`, the app deployed, and a triage lead. */
export function freshSite(config: Config = testConfig): void {
  jira.reset();
  store.clear();
  forgeSql.reset();
  store.set(CONFIG_KEY, config);
  deploy();
  jira.addUser({ accountId: 'lead-1', displayName: 'Sam Lead' }, ['jira-users', 'triage-leads']);
}

/** The transition queue as Forge's: what the resolvers push is kept for the test to consume. */
export function recordingQueue() {
  const pushed: { body: TransitionJob; delayInSeconds?: number }[] = [];
  const queue = { push: async (e: { body: TransitionJob } | { body: TransitionJob }[]) => void pushed.push(...[e].flat()) } as never;
  return { pushed, queue };
}

import { route as realRoute } from '@forge/api';
import { JiraEmulator } from '../../test/jira/emulator';
import { DEFAULT_CONFIG, type Config } from '../src/config';

/** One emulated Jira site per test file; @forge/api's requestJira goes to it. */
export const jira = new JiraEmulator();
export const store = new Map<string, unknown>();

jest.mock('@forge/api', () => {
  const actual = jest.requireActual('@forge/api');
  const requester = { requestJira: (r: { value: string }, init: object) => jira.requestJira(r, init) };
  return { __esModule: true, ...actual, route: actual.route, default: { asApp: () => requester, asUser: () => requester } };
});

jest.mock('@forge/kvs', () => ({
  kvs: {
    // As @forge/kvs: a missing key is an error, not undefined.
    get: async (key: string) => {
      if (!store.has(key)) throw Object.assign(new Error(`key ${key} not found`), { code: 'KEY_NOT_FOUND' });
      return store.get(key);
    },
    set: async (key: string, value: unknown) => {
      store.set(key, value);
    },
  },
}));

export { realRoute };

/** The configuration the tests install: KIWI STAGE+ with mapped fields and a lead group. */
export const testConfig: Config = {
  ...DEFAULT_CONFIG,
  map: { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052', pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done'] },
  fields: { due: { first_response: 'customfield_10101', resolution: 'customfield_10102' }, state: 'customfield_10103', tier: 'customfield_10104' },
  leadGroups: ['triage-leads'],
};

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

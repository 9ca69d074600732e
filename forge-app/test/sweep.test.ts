import { addSupportIssue, jira, store, testConfig } from './setup';
import { CONFIG_KEY } from '../src/config';
import { adfText } from '../src/jira/timeline';
import { JiraClient } from '../src/jira/client';
import { sweep } from '../src/triggers';

const client = () => new JiraClient('app', { sleep: async () => undefined });

beforeEach(() => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, testConfig);
  // Plus P2: first response 1 business hour from Friday 09:00 Toronto, due 15:00Z.
  addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '2', name: 'High' });
});

test('comments once when an issue turns at risk, once more when it breaches, and never twice for one state', async () => {
  const atRisk = await sweep(client(), Date.parse('2026-11-20T14:50:00Z'));
  expect(atRisk).toEqual({ checked: 1, notified: 1, wrote: 1 });
  const issue = jira.issues.get('SUP-1')!;
  expect(adfText(issue.comments[0].body)).toBe('SLA Desk: Initial response is at risk: due 2026-11-20T15:00:00.000Z.');
  expect(issue.comments[0].jsdPublic).toBe(false);

  jira.requests = [];
  expect(await sweep(client(), Date.parse('2026-11-20T14:55:00Z'))).toEqual({ checked: 1, notified: 0, wrote: 0 });
  expect(jira.writes()).toEqual([]);

  expect((await sweep(client(), Date.parse('2026-11-20T15:05:00Z'))).notified).toBe(1);
  expect(adfText(issue.comments[1].body)).toBe('SLA Desk: Initial response was breached at 2026-11-20T15:00:00.000Z.');
});

test('pages through the search, reading no issue one by one', async () => {
  for (let i = 2; i <= 120; i++) jira.addIssue({ ...jira.issues.get('SUP-1')!, id: String(10000 + i), key: `SUP-${i}`, comments: [], histories: [] });
  const out = await sweep(client(), Date.parse('2026-11-20T14:10:00Z'));
  expect(out.checked).toBe(120);
  expect(jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/search/jql')).toHaveLength(3);
  expect(jira.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
});

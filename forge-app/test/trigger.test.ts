import { addSupportIssue, deploy, FIELD, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { onIssueEvent } from '../src/triggers';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const config = testConfig;

const client = () => new JiraClient('app', { sleep: async () => undefined });

beforeEach(() => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, config);
  addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '3', name: 'Medium' });
  deploy();
  return warmSite(NOW);
});

test('an issue event sets the priority from the matrix and writes the SLA fields: one read, two writes', async () => {
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  // Two due times, the state, the tier, the next transition and the next breach.
  expect(out).toEqual({ wrote: { priority: true, fields: 6 }, notified: true });
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.fields.priority).toEqual({ id: '2', name: 'High' });
  // Plus P2: first response 1 business hour from Friday 09:00 Toronto.
  expect(issue.fields[FIELD.firstResponse]).toBe('2026-11-20T15:00:00.000+0000');
  expect(issue.fields[FIELD.state]).toBe('breached');
  expect(issue.fields[FIELD.tier]).toBe('Plus');
  // One read, and the project's priority scheme (once an hour per project: the priority must be
  // one of its own); the priority, the app's fields without a changelog entry, and the breach notice.
  expect(jira.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['GET /rest/api/3/issue/SUP-1', 'GET /rest/api/3/priorityscheme', 'GET /rest/api/3/priorityscheme/1/priorities', 'PUT /rest/api/3/issue/SUP-1', 'POST /rest/api/3/app/field/value', 'POST /rest/api/3/issue/SUP-1/comment']);
  expect(jira.requests[4].path).toContain('generateChangelog=false');
  expect(issue.histories.map((h) => h.items[0].field)).toEqual(['priority']);
});

test('nothing is written when nothing changed', async () => {
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  jira.requests = [];
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'status', fieldId: 'status' }] } }, client(), NOW);
  expect(out.wrote).toEqual({ priority: false, fields: 0 });
  expect(jira.requests.map((r) => r.method)).toEqual(['GET']);
});

test('a change that touches only the app\'s own fields is ignored without a request (loop guard)', async () => {
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'SLA state', fieldId: FIELD.state }] } }, client(), NOW);
  expect(out.skipped).toBe('not-relevant');
  expect(jira.requests).toEqual([]);
});

test('a missing urgency leaves the priority alone', async () => {
  jira.issues.get('SUP-1')!.fields.customfield_10051 = null;
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  expect(out.wrote.priority).toBe(false);
  expect(jira.issues.get('SUP-1')!.fields.priority).toEqual({ id: '3', name: 'Medium' });
});

test('429 and 500 are retried, honouring Retry-After', async () => {
  const waits: number[] = [];
  jira.failNext(1, 429, '2');
  jira.failNext(1, 500);
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, new JiraClient('app', { sleep: async (ms) => void waits.push(ms) }), NOW);
  expect(out.wrote.priority).toBe(true);
  expect(waits[0]).toBe(2000);
  expect(waits).toHaveLength(2);
});

test('retries stop within the time budget, with a clear error', async () => {
  jira.failNext(10, 503, '30');
  await expect(onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, new JiraClient('app', { sleep: async () => undefined, budgetMs: 20_000 }), NOW)).rejects.toThrow('Jira answered 503 to GET /rest/api/3/issue/SUP-1');
});

test('an invalid stored policy never crashes the trigger, and the log holds no ticket content', async () => {
  store.set(CONFIG_KEY, { ...config, policy: { document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }' } });
  const logged: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void logged.push(m));
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  spy.mockRestore();
  expect(out.skipped).toBe('invalid-policy');
  expect(jira.requests).toEqual([]);
  expect(JSON.parse(logged[0])).toEqual({ level: 'error', msg: 'invalid SLA policy', issueId: '10001', problems: expect.any(Number) });
  expect(JSON.parse(logged[0]).problems).toBeGreaterThan(0);
});

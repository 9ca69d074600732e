import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { FIELD, freshSite, jira, warmSite } from './setup';
import { DEFAULT_CONFIG, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { onIssueEvent } from '../src/triggers';
import { NEXT_BREACH_FIELD, queueJql } from '../src/sla';

/**
 * Issue 22, Jira: the app's "SLA next breach" datetime field holds core's nextBreach (the earliest
 * due of a running Metric, the open cycle's included; a breached one's breach), so that JQL orders
 * the queue by it; the admin page offers that JQL to save as a filter.
 */
const config: Config = { ...DEFAULT_CONFIG, policy: { preset: 'zendesk-parity' }, map: { pauseStatuses: ['Waiting for customer'], doneStatuses: [] }, fields: { due: {} }, leadGroups: [] };
const T = (s: string) => Date.parse(s);
const client = () => new JiraClient('app', { sleep: async () => undefined });
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

async function comment(accountId: string, at: string, text: string) {
  jira.currentUser = accountId;
  jira.now = () => at;
  const { default: api, route } = await import('@forge/api');
  const res = await api.asUser().requestJira(route`/rest/api/3/issue/SUP-1/comment`, { method: 'POST', body: JSON.stringify({ body: adf(text) }) });
  expect(res.status).toBe(201);
}
const event = (now: string) => onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), T(now));
const field = (id: string) => (jira.issues.get('SUP-1')!.fields[id] ?? null) as string | null;
/** The earliest of the app's due fields that hold a value. */
const earliestDue = () => {
  const dues = [FIELD.firstResponse, FIELD.resolution, FIELD.nextReply, FIELD.periodicUpdate].map(field).filter((v): v is string => v !== null);
  return dues.sort((a, b) => T(a) - T(b))[0] ?? null;
};

beforeEach(async () => {
  freshSite(config);
  jira.projectTypes.set('SUP', 'service_desk');
  jira.addUser({ accountId: 'customer-1', displayName: 'Chris Customer', accountType: 'customer' });
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' }, ['jira-users']);
  jira.addIssue({ id: '10001', key: 'SUP-1', fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' } } });
  await warmSite(T('2026-11-20T14:00:00Z'));
});

test('the manifest declares "SLA next breach" as a read-only datetime, last, so the other fields keep their ids', () => {
  const fields = parse(readFileSync(join(__dirname, '..', 'manifest.yml'), 'utf8')).modules['jira:customField'] as { key: string; name: string; type: string; readOnly: boolean }[];
  expect(fields.at(-1)).toMatchObject({ key: 'sla-next-breach', name: NEXT_BREACH_FIELD, type: 'datetime', readOnly: true });
});

test('it holds the earliest running due, the open cycle\'s included, and follows the conversation', async () => {
  await event('2026-11-20T14:01:00Z');
  expect(field(FIELD.nextBreach)).not.toBeNull();
  expect(field(FIELD.nextBreach)).toBe(earliestDue());
  await comment('agent-1', '2026-11-20T14:10:00.000+0000', 'Looking into it');
  await event('2026-11-20T14:11:00Z');
  // The first response is met: its field keeps the due it met, which the next breach no longer
  // counts; the next breach moved on to the periodic update the reply started.
  expect(field(FIELD.firstResponse)).toBe(earliestDue());
  expect(field(FIELD.nextBreach)).toBe(field(FIELD.periodicUpdate));
  expect(T(field(FIELD.nextBreach)!)).toBeGreaterThan(T(field(FIELD.firstResponse)!));
  const before = field(FIELD.nextBreach)!;
  await comment('customer-1', '2026-11-20T14:30:00.000+0000', 'It happens again');
  await event('2026-11-20T14:31:00Z');
  // The customer's message opens a next-reply cycle, due 18:30, before anything else.
  expect(field(FIELD.nextReply)).toBe('2026-11-20T18:30:00.000+0000');
  expect(field(FIELD.nextBreach)).toBe('2026-11-20T18:30:00.000+0000');
  expect(T(field(FIELD.nextBreach)!)).toBeLessThan(T(before));
});

test('a breached issue keeps its breach instant, in the past, so ORDER BY puts it first', async () => {
  await event('2026-11-23T14:00:00Z');
  const next = field(FIELD.nextBreach)!;
  expect(T(next)).toBeLessThan(T('2026-11-23T14:00:00Z'));
  expect(field(FIELD.state)).toBe('breached');
});

test('the queue\'s JQL: issues with a next breach, not done, the soonest first; optionally in some projects', () => {
  expect(queueJql()).toBe('"SLA next breach" is not EMPTY AND statusCategory != Done ORDER BY "SLA next breach" ASC');
  expect(queueJql(['SUP', 'O"PS'])).toBe('project in ("SUP", "OPS") AND "SLA next breach" is not EMPTY AND statusCategory != Done ORDER BY "SLA next breach" ASC');
});

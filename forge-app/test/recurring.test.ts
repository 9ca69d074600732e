import { FIELD, freshSite, jira, warmSite } from './setup';
import { DEFAULT_CONFIG, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { onIssueEvent } from '../src/triggers';

/**
 * Issue 19, Jira: every public comment is a reply with its author's side, so a customer's message
 * after the first agent reply starts a next-reply cycle, and the app's "SLA: next reply due" and "Next
 * update due" fields hold the open cycle's due (empty when none is open), for views and JQL.
 */
const config: Config = { ...DEFAULT_CONFIG, policy: { preset: 'zendesk-parity' }, map: { pauseStatuses: [], doneStatuses: [] }, fields: { due: {} }, leadGroups: [] };
const T = (s: string) => Date.parse(s);
const client = () => new JiraClient('app', { sleep: async () => undefined });
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/** A comment posted on the emulated site by `accountId` at `at` (Add comment, as that user). */
async function comment(accountId: string, at: string, text: string, internal = false) {
  jira.currentUser = accountId;
  jira.now = () => at;
  const { default: api, route } = await import('@forge/api');
  const body = internal ? { body: adf(text), properties: [{ key: 'sd.public.comment', value: { internal: true } }] } : { body: adf(text) };
  const res = await api.asUser().requestJira(route`/rest/api/3/issue/SUP-1/comment`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}
/** The commented event (avi:jira:commented:issue carries no changelog), handled at `now`. */
const commented = (now: string) => onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), T(now));
const field = (id: string) => jira.issues.get('SUP-1')!.fields[id] ?? null;

beforeEach(async () => {
  freshSite(config);
  jira.projectTypes.set('SUP', 'service_desk');
  jira.addUser({ accountId: 'customer-1', displayName: 'Chris Customer', accountType: 'customer' });
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' }, ['jira-users']);
  // High under zendesk-parity: next reply 4h, periodic update 8h (calendar hours).
  jira.addIssue({ id: '10001', key: 'SUP-1', fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' } } });
  await warmSite(T('2026-11-20T14:00:00Z'));
});

test('the customer\'s message after the first agent reply writes "SLA: next reply due"; the agent\'s next public reply empties it', async () => {
  await comment('agent-1', '2026-11-20T14:10:00.000+0000', 'Looking into it');
  await commented('2026-11-20T14:11:00Z');
  // The first response is met; no message waits, so no next reply is due.
  expect(field(FIELD.nextReply)).toBeNull();
  expect(field(FIELD.periodicUpdate)).toBe('2026-11-20T22:10:00.000+0000');

  await comment('customer-1', '2026-11-20T14:30:00.000+0000', 'It happens again');
  await commented('2026-11-20T14:31:00Z');
  expect(field(FIELD.nextReply)).toBe('2026-11-20T18:30:00.000+0000');
  // A customer's message is no update: the update due stays where the agent's reply put it.
  expect(field(FIELD.periodicUpdate)).toBe('2026-11-20T22:10:00.000+0000');

  // An internal note answers nothing.
  await comment('agent-1', '2026-11-20T14:45:00.000+0000', 'Asking the devs', true);
  await commented('2026-11-20T14:46:00Z');
  expect(field(FIELD.nextReply)).toBe('2026-11-20T18:30:00.000+0000');

  await comment('agent-1', '2026-11-20T15:00:00.000+0000', 'Fixed on our side');
  await commented('2026-11-20T15:01:00Z');
  expect(field(FIELD.nextReply)).toBeNull();
  expect(field(FIELD.periodicUpdate)).toBe('2026-11-20T23:00:00.000+0000');

  // The next message opens the next cycle, from its own instant.
  await comment('customer-1', '2026-11-20T16:00:00.000+0000', 'Thanks, and one more thing');
  await commented('2026-11-20T16:01:00Z');
  expect(field(FIELD.nextReply)).toBe('2026-11-20T20:00:00.000+0000');
});

test('a customer\'s message before the first agent reply waits on the first response, not on a next reply', async () => {
  await comment('customer-1', '2026-11-20T14:05:00.000+0000', 'Any news?');
  await commented('2026-11-20T14:06:00Z');
  expect(field(FIELD.nextReply)).toBeNull();
  expect(field(FIELD.firstResponse)).toBe('2026-11-20T16:00:00.000+0000');
  // zendesk-parity counts updates from the first public reply: before it, none is owed (the
  // first response is), so the field stays empty rather than hold a second clock on the same wait.
  expect(field(FIELD.periodicUpdate)).toBeNull();
});

import { addSupportIssue, deploy, FIELD, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY } from '../src/config';
import { adfText } from '../src/jira/timeline';
import { JiraClient } from '../src/jira/client';
import { findTransitions, onIssueEvent, onTransition, type TransitionJob } from '../src/triggers';

const client = () => new JiraClient('app', { sleep: async () => undefined });
const T = (iso: string) => Date.parse(iso);

/** Forge's queue, emulated: each event is delivered once its delay has passed. */
class DelayQueue {
  events: { body: TransitionJob; due: number }[] = [];
  constructor(private readonly now: () => number) {}
  async push(e: { body: TransitionJob; delayInSeconds?: number } | { body: TransitionJob; delayInSeconds?: number }[]) {
    for (const x of Array.isArray(e) ? e : [e]) this.events.push({ body: x.body, due: this.now() + (x.delayInSeconds ?? 0) * 1000 });
    return { jobId: 'j' };
  }
  /** Events due by `t`, removed from the queue. */
  take(t: number) {
    const due = this.events.filter((e) => e.due <= t);
    this.events = this.events.filter((e) => e.due > t);
    return due;
  }
}

let clock = 0;
beforeEach(async () => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, testConfig);
  deploy();
  // Plus P2: first response 1 business hour from Friday 09:00 Toronto (14:00Z), due 15:00Z; at risk at 75%, 14:45Z.
  addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '2', name: 'High' });
  clock = T('2026-11-20T14:05:00Z');
  jira.now = () => new Date(clock).toISOString();
  await warmSite(clock);
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), clock);
});

test('an issue event stores when the SLA state next changes by time alone', () => {
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.fields[FIELD.state]).toBe('running');
  expect(issue.fields[FIELD.next]).toBe('2026-11-20T14:45:00.000+0000');
});

test('the finder queues, by JQL on that field, only the issues due before the run after next, delayed to their instant', async () => {
  jira.addIssue({ ...jira.issues.get('SUP-1')!, id: '10002', key: 'SUP-2', fields: { ...jira.issues.get('SUP-1')!.fields, [FIELD.next]: '2026-11-21T10:00:00.000Z' }, comments: [], histories: [] });
  const queue = new DelayQueue(() => clock);
  clock = T('2026-11-20T14:30:00Z');
  expect(await findTransitions(queue, client(), clock)).toEqual({ found: 0, queued: 0, complete: true });
  clock = T('2026-11-20T14:40:00Z');
  expect(await findTransitions(queue, client(), clock)).toEqual({ found: 1, queued: 1, complete: true });
  expect(queue.events).toEqual([{ body: { issueId: '10001', key: 'SUP-1', at: T('2026-11-20T14:45:00Z') }, due: T('2026-11-20T14:45:00Z') }]);
  const search = jira.requests.filter((r) => r.path === '/rest/api/3/search/jql').pop()!;
  expect((search.body as { jql: string }).jql).toBe('statusCategory != Done AND cf[10504] <= "10m" ORDER BY cf[10504] ASC');
  // The next run finds it again but does not queue it twice.
  clock = T('2026-11-20T14:44:00Z');
  expect(await findTransitions(queue, client(), clock)).toEqual({ found: 1, queued: 0, complete: true });
});

test("the notes give their instants in the assignee's zone, as the issue's assignee shows it; with it hidden (null), the policy's", async () => {
  const issue = jira.issues.get('SUP-1')!;
  // Jira's User in an issue field: timeZone "depending on the user's privacy setting, may be returned as null".
  issue.fields.assignee = { accountId: 'agent-1', displayName: 'Lea Agent', active: true, timeZone: 'Asia/Tokyo' };
  clock = T('2026-11-20T14:45:00Z');
  await onTransition({ body: { issueId: '10001', key: 'SUP-1', at: clock } }, client(), clock);
  // Tokyo's day is already the next: UTC's date is named too.
  expect(adfText(issue.comments[0].body)).toBe('SLA Desk : Initial response est à risque, échéance sam. 21 nov., 00 h 00 Tokyo (ven. 20 nov., 15 h 00 UTC).');
  issue.fields.assignee = { accountId: 'agent-1', displayName: 'Lea Agent', active: true, timeZone: null };
  clock = T('2026-11-20T15:00:00Z');
  await onTransition({ body: { issueId: '10001', key: 'SUP-1', at: clock } }, client(), clock);
  expect(adfText(issue.comments[1].body)).toBe('SLA Desk : Initial response est dépassé : l’échéance était ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC).');
});

test('at its instant the consumer writes the state and comments once; the breach follows the same way', async () => {
  const queue = new DelayQueue(() => clock);
  clock = T('2026-11-20T14:40:00Z');
  await findTransitions(queue, client(), clock);
  clock = T('2026-11-20T14:45:00Z');
  for (const e of queue.take(clock)) expect((await onTransition(e, client(), clock)).notified).toBe(true);
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.fields[FIELD.state]).toBe('at_risk');
  expect(adfText(issue.comments[0].body)).toBe('SLA Desk : Initial response est à risque, échéance ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC).');
  expect(issue.fields[FIELD.next]).toBe('2026-11-20T15:00:00.000+0000');
  // A redelivered event writes and notes nothing more.
  jira.requests = [];
  expect(await onTransition({ body: { issueId: '10001', key: 'SUP-1', at: T('2026-11-20T14:45:00Z') } }, client(), clock)).toEqual({ wrote: { priority: false, fields: 0 }, notified: false });
  expect(jira.writes()).toEqual([]);

  clock = T('2026-11-20T14:55:00Z');
  await findTransitions(queue, client(), clock);
  clock = T('2026-11-20T15:00:00Z');
  for (const e of queue.take(clock)) await onTransition(e, client(), clock);
  expect(issue.fields[FIELD.state]).toBe('breached');
  expect(adfText(issue.comments[1].body)).toBe('SLA Desk : Initial response est dépassé : l’échéance était ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC).');
  expect(issue.comments).toHaveLength(2);
  // Nothing is left to find: the next transition is the resolution's, hours away.
  clock = T('2026-11-20T15:05:00Z');
  expect((await findTransitions(queue, client(), clock)).found).toBe(0);
});

test('a reply (avi:jira:commented:issue, no changelog) stops the first-response clock at once', async () => {
  jira.currentUser = 'agent-1';
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' });
  clock = T('2026-11-20T14:20:00Z');
  jira.issues.get('SUP-1')!.comments.push({ id: 'c9', created: new Date(clock).toISOString(), author: { accountId: 'agent-1' }, body: 'On it' });
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), clock);
  const issue = jira.issues.get('SUP-1')!;
  // First response met: the next transition is the resolution's at-risk instant, not 14:45.
  expect(issue.fields[FIELD.next]).not.toBe('2026-11-20T14:45:00.000+0000');
  expect(Date.parse(issue.fields[FIELD.next] as string)).toBeGreaterThan(T('2026-11-20T15:00:00Z'));
});

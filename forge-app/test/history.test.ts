import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { forgeSql, freshSite, jira, store, testConfig, warmSite } from './setup';
import { JiraClient } from '../src/jira/client';
import { HISTORY_KEY, STALE_MS, startHistory, type HistoryProgress } from '../src/history';
import { planIssue } from '../src/issue';
import { TABLE } from '../src/outcome-store';
import { PRESETS } from '../src/presets';
import { onAppLifecycle, recalculatePage } from '../src/recalculate';
import { report } from '../src/report-resolver';
import { onIssueEvent, readIssue } from '../src/triggers';

/**
 * The reports' history: on install (or the upgrade to the version that keeps outcomes), the done
 * issues of the last 52 weeks get their outcomes, without a single write to Jira.
 */
const NOW = Date.parse('2026-11-27T18:00:00Z');
const client = () => new JiraClient('app', { sleep: async () => undefined });
const WEEK = 7 * 86_400_000;

class MemoryQueue {
  events: { body: Record<string, unknown> }[] = [];
  async push(e: { body: Record<string, unknown> } | { body: Record<string, unknown> }[]) {
    this.events.push(...[e].flat());
    return { jobId: 'job' };
  }
}
async function drain(queue: MemoryQueue) {
  for (let n = 1; queue.events.length; n++) await recalculatePage({ queueName: 'q', jobId: 'job', eventId: String(n), ...(queue.events.shift()! as { body: { runId: string } }) }, queue as never, client(), NOW);
}

/** A done issue created `weeksAgo`, answered after 2 h and done after 30 h (or an open one). */
function issue(n: number, weeksAgo: number, done: boolean) {
  const created = NOW - weeksAgo * WEEK;
  const at = (h: number) => new Date(created + h * 3600_000).toISOString();
  const i = jira.addIssue({
    id: String(30000 + n),
    key: `SUP-${n}`,
    fields: { created: at(0), status: { name: done ? 'Done' : 'Open' }, priority: { id: '3', name: 'Medium' }, reporter: { accountId: 'customer-1' }, customfield_10050: { value: '2. Important' }, customfield_10051: { value: '2. High' }, customfield_10052: { value: n % 2 ? 'Plus' : 'Basic' } },
  });
  i.comments.push({ id: `c${n}`, created: at(2), author: { accountId: 'agent-1' }, body: 'On it' });
  if (done) i.histories.push({ id: `h${n}`, created: at(30), author: { accountId: 'agent-1' }, items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '10002', toString: 'Done' }] as never });
  return i;
}

const rowsOf = (issueId: string) => forgeSql.select(`SELECT metric, cycle, state, working_ms, started_at FROM ${TABLE} WHERE issue_id = ? ORDER BY metric, cycle`, [issueId]);

beforeEach(async () => {
  freshSite();
  jira.now = () => new Date(NOW).toISOString();
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' });
  jira.addUser({ accountId: 'viewer', displayName: 'Kim Lead', projects: { SUP: ['BROWSE_PROJECTS'] } });
  await warmSite(NOW);
});

test('after the install, each done issue of the last 52 weeks without outcomes gets them; nothing is written to Jira', async () => {
  const done = [issue(1, 3, true), issue(2, 10, true), issue(3, 40, true)];
  const old = issue(4, 60, true);
  const open = issue(5, 1, false);
  // SUP-1 had an event after the upgrade: its outcomes are kept already, and stay as they were.
  await onIssueEvent({ issue: { id: done[0].id, key: done[0].key } }, client(), NOW);
  const before = await rowsOf(done[0].id);
  const fieldsBefore = JSON.stringify(done.map((d) => d.fields));
  const commentsBefore = done.map((d) => d.comments.length);
  jira.requests = [];
  forgeSql.log.length = 0;

  const pages = new MemoryQueue();
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  await onAppLifecycle({ eventType: 'avi:forge:installed:app' }, pages as never, NOW);
  log.mockRestore();
  await drain(pages);

  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'done', issues: 3, kept: 2 } satisfies Partial<HistoryProgress>);
  for (const d of done.slice(1)) expect((await rowsOf(d.id)).map((r) => r.metric)).toEqual(['first_response', 'resolution']);
  expect(await rowsOf(old.id)).toEqual([]);
  expect(await rowsOf(done[0].id)).toEqual(before);
  expect(forgeSql.log.some((l) => l.query.startsWith('INSERT') && l.query.includes(done[0].id))).toBe(false);
  // The done issues are the team's record: no field, priority or comment written to them.
  expect(JSON.stringify(done.map((d) => d.fields))).toBe(fieldsBefore);
  expect(done.map((d) => d.comments.length)).toEqual(commentsBefore);
  const touches = (w: { path: string; body?: unknown }) => /\b(SUP-[123]|3000[123])\b/.test(w.path + JSON.stringify(w.body ?? null));
  expect(jira.writes().filter(touches)).toEqual([]);
  // The check can see a write to them: the open issue's own were written, and are seen.
  expect(jira.writes().some((w) => /\b(SUP-5|30005)\b/.test(w.path + JSON.stringify(w.body ?? null)))).toBe(true);
  // The open issue was recalculated as before, and has its outcomes too.
  expect((await rowsOf(open.id)).length).toBe(2);

  // The report now counts the history, as `sla report --outcomes` does over the same issues.
  const kiwi = PRESETS['kiwi-stage-plus'];
  const lines: string[] = [];
  for (const i of [...done, open]) {
    const { site, issue: read } = await readIssue(client(), testConfig, i.key, NOW, kiwi);
    lines.push(JSON.stringify((await planIssue(client(), testConfig, kiwi, read, NOW, site)).timeline));
  }
  const file = join(mkdtempSync(join(tmpdir(), 'sla-forge-history-')), 'timelines.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const cli = JSON.parse(execFileSync(process.execPath, [join(__dirname, '..', '..', 'core', 'bin', 'sla.js'), 'report', '--outcomes', '--policy', 'kiwi-stage-plus', '--now', new Date(NOW).toISOString(), '--format', 'json', file], { encoding: 'utf8' }));
  jira.currentUser = 'viewer';
  const r = await report({ period: 'all' }, { accountId: 'viewer' }, new JiraClient('user', { sleep: async () => undefined }), NOW);
  expect(r.ok && r.report.rows).toEqual(cli.rows);
}, 60_000);

test('it runs once per installation: a later upgrade finds it done; a failed one is started again', async () => {
  issue(1, 2, true);
  const pages = new MemoryQueue();
  expect(await startHistory(pages as never, NOW)).toMatchObject({ state: 'running' });
  await drain(pages);
  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'done', kept: 1 });
  expect(await startHistory(pages as never, NOW + 1000)).toBeNull();
  expect(pages.events).toEqual([]);
  store.set(HISTORY_KEY, { ...(store.get(HISTORY_KEY) as HistoryProgress), state: 'failed' });
  expect(await startHistory(pages as never, NOW + 2000)).toMatchObject({ state: 'running', runId: String(NOW + 2000) });
});

test('a page that fails halfway (Forge SQL refusing the second issue) is retried by Forge; the retry keeps only what the first try did not', async () => {
  issue(1, 2, true);
  issue(2, 3, true);
  const pages = new MemoryQueue();
  await startHistory(pages as never, NOW);
  // In creation order: SUP-2's rows are written; SUP-1's INSERT is refused.
  forgeSql.failNext(1, { status: 429, code: 'RATE_LIMIT_EXCEEDED', match: /^INSERT INTO sla_outcomes/, after: 1 });
  const first = pages.events.shift()! as { body: { runId: string; history: true } };
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const r = await recalculatePage({ queueName: 'q', jobId: 'job', eventId: '1', ...first } as never, pages as never, client(), NOW);
  error.mockRestore();
  // An InvocationError (its retryOptions): Forge delivers the event again after 30 s.
  expect((r as { retryOptions?: { retryAfter: number } } | undefined)?.retryOptions).toMatchObject({ retryAfter: 30 });
  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'running', pages: 0 });
  expect((await rowsOf('30002')).length).toBe(2);
  expect(await rowsOf('30001')).toEqual([]);
  forgeSql.log.length = 0;
  await recalculatePage({ queueName: 'q', jobId: 'job', eventId: '2', ...first, retryContext: { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: undefined } } as never, pages as never, client(), NOW);
  await drain(pages);
  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'done', issues: 2, kept: 1 });
  expect((await rowsOf('30001')).length).toBe(2);
  // The retry wrote SUP-1's rows only.
  expect(forgeSql.log.filter((l) => l.query.startsWith('INSERT'))).toHaveLength(1);
});

test('a next page Forge would not queue is queued when the page\'s event comes again; a run that lost its chain is restarted by the next upgrade', async () => {
  // Two pages: 100 issues a page.
  for (let n = 1; n <= 101; n++) issue(n, 1 + (n % 40), true);
  const pages = new MemoryQueue();
  await startHistory(pages as never, NOW);
  const first = pages.events.shift()! as { body: { runId: string; history: true } };
  const refusing = { push: async () => Promise.reject(new Error('queue unavailable')) };
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const r = await recalculatePage({ queueName: 'q', jobId: 'job', eventId: '1', ...first } as never, refusing as never, client(), NOW);
  error.mockRestore();
  expect((r as { retryOptions?: unknown } | undefined)?.retryOptions).toBeTruthy();
  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'running', pages: 1, pushed: false });
  // Forge delivers the first page's event again: the next page is queued, the page not redone.
  forgeSql.log.length = 0;
  await recalculatePage({ queueName: 'q', jobId: 'job', eventId: '2', ...first } as never, pages as never, client(), NOW);
  expect(forgeSql.log.filter((l) => l.query.startsWith('INSERT'))).toEqual([]);
  expect(pages.events).toHaveLength(1);
  await drain(pages);
  expect(store.get(HISTORY_KEY)).toMatchObject({ state: 'done', pages: 2, issues: 101, kept: 101 });

  // A run whose events were lost stays running; an upgrade within STALE_MS leaves it, a later one restarts it.
  store.set(HISTORY_KEY, { ...(store.get(HISTORY_KEY) as HistoryProgress), state: 'running', movedAt: NOW });
  expect(await startHistory(pages as never, NOW + 60_000)).toBeNull();
  expect(await startHistory(pages as never, NOW + STALE_MS + 1)).toMatchObject({ state: 'running', pages: 0 });
}, 60_000);

test('what the history adds never goes over what an issue event kept meanwhile (keepOutcomes onlyNew)', async () => {
  const { keepOutcomes } = await import('../src/outcome-store');
  const i = { id: '555', key: 'SUP-55', fields: { project: { id: '1', key: 'SUP' } } } as never;
  const o = { ticketId: 'SUP-55', metric: 'resolution', cycle: 1, state: 'met' as const, workingMs: 60_000, tier: 'basic', priority: 'P2', group: null, startedAt: NOW - 7200_000, endedAt: NOW - 3600_000, dueAt: NOW };
  await keepOutcomes(i, [o]);
  await keepOutcomes(i, [{ ...o, state: 'breached', workingMs: 1 }, { ...o, metric: 'first_response' }], { onlyNew: true });
  expect((await rowsOf('555')).map((r) => [r.metric, r.state, Number(r.working_ms)])).toEqual([
    ['first_response', 'met', 60_000],
    ['resolution', 'met', 60_000],
  ]);
});

import { ensureSchema } from './outcome-store';
import { historyPage, isHistoryEvent, startHistory, type HistoryEvent } from './history';
import { Queue, InvocationError, InvocationErrorCode, type AsyncEvent } from '@forge/events';
import { kvs } from '@forge/kvs';
import { loadConfig, policyOf, appFieldIds } from './config';
import { JiraClient } from './jira/client';
import { settleIssue } from './triggers';
import { policyCategories, siteFacts } from './site';

/** Open issues in creation order: unlike `updated`, the app's own writes never reorder it. */
export const RECALC_JQL = 'statusCategory != Done ORDER BY created ASC';

/**
 * The recalculation of every open issue: Jira recalculates only cycles still open when a policy
 * changes, and never sets a priority. It starts after the app's install and each upgrade, when a
 * saved configuration changes what evaluations read, and from the admin page's "Recalculate open
 * issues". Each JQL page is one event on an @forge/events queue; the consumer handles the page, then
 * queues the next page token. A failed page is retried by Forge (InvocationError), never skipped;
 * progress is kept in storage for the admin page.
 */
export const QUEUE = 'sla-desk-recalculate';
export const PROGRESS_KEY = 'sla-desk-recalculate-progress';
const MAX_PAGE_RETRIES = 5;

export interface Progress {
  runId: string;
  state: 'running' | 'done' | 'failed';
  pages: number;
  issues: number;
  written: number;
  retries: number;
  startedAt: string;
  finishedAt?: string;
  /** The page token the next page starts from (null when none is left): what the run expects next. */
  token?: string | null;
}

/** Where a recalculation's pages are queued: Forge's queue, or a test's. */
export type RecalculationQueue = Pick<Queue, 'push'>;

export async function startRecalculation(queue: RecalculationQueue = new Queue({ key: QUEUE }), now = Date.now()) {
  const progress: Progress = { runId: String(now), state: 'running', pages: 0, issues: 0, written: 0, retries: 0, startedAt: new Date(now).toISOString() };
  await kvs.set(PROGRESS_KEY, progress);
  try {
    await queue.push({ body: { runId: progress.runId } });
  } catch (e) {
    // No page was queued, so none will ever finish the run: the admin page must not wait for it.
    await kvs.set(PROGRESS_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    throw e;
  }
  return { ok: true as const, progress };
}

/**
 * The app's life cycle events (Forge: avi:forge:installed:app, avi:forge:upgraded:app). The
 * transition finder sees only issues whose next-transition field is set, and an issue with no event
 * since the install (or since an upgrade that changed how it evaluates) never gets one: every open
 * issue is recalculated. The payload (installation id, app version) is not needed. The outcomes'
 * tables are made (or migrated) first, so the recalculation's issues find them; a failure throws,
 * and Forge delivers the event again. The reports' history (history.ts) starts too, once per
 * installation.
 */
export async function onAppLifecycle(_event: unknown, queue: RecalculationQueue = new Queue({ key: QUEUE }), now = Date.now()) {
  await ensureSchema();
  const started = await startRecalculation(queue, now);
  console.log(JSON.stringify({ level: 'info', msg: 'recalculation of open issues started after an install or upgrade', runId: started.progress.runId }));
  const history = await startHistory(queue, now);
  if (history) console.log(JSON.stringify({ level: 'info', msg: 'outcome history of done issues started', runId: history.runId }));
  return started;
}

export async function recalculationProgress(): Promise<Progress | null> {
  return ((await kvs.get(PROGRESS_KEY).catch(() => undefined)) as Progress | undefined) ?? null;
}

/** The queue consumer: one page of open issues per event, or one of the history's (history.ts). */
export async function recalculatePage(event: AsyncEvent<{ runId: string; token?: string } | HistoryEvent>, queue = new Queue({ key: QUEUE }), client = new JiraClient('app'), now = Date.now()) {
  if (isHistoryEvent(event.body)) return historyPage(event as AsyncEvent<HistoryEvent>, queue, client, now);
  const progress = await recalculationProgress();
  if (!progress || progress.runId !== event.body.runId) return; // a newer run replaced this one
  // Only the page the run expects next is done: a redelivered or stale event is dropped, never forked.
  const expected = progress.pages === 0 ? undefined : (progress.token ?? null);
  if ((event.body.token ?? undefined) !== expected) return;
  let page;
  try {
    // Inside the retry: storage that cannot be read now is retried, never taken for the default.
    const config = await loadConfig();
    const { policy } = policyOf(config);
    if (!policy) return kvs.set(PROGRESS_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    const site = await siteFacts(client, now, false, policyCategories(policy));
    page = await client.searchIssues(RECALC_JQL, appFieldIds(config, site, policy), event.body.token);
    let written = 0;
    for (const issue of page.issues) {
      // As an issue event would: a state the new policy puts the issue in (at risk, breached) gets
      // its note, and the state kept for the next transition is the new policy's.
      // The ladder's actions too: a level the new policy says the issue reached runs once, here.
      const { wrote } = await settleIssue(client, config, policy, issue, site, now);
      if (wrote.priority || wrote.fields) written++;
    }
    const next: Progress = { ...progress, pages: progress.pages + 1, issues: progress.issues + page.issues.length, written: progress.written + written };
    if (!page.nextPageToken) Object.assign(next, { state: 'done', finishedAt: new Date(now).toISOString() });
    // Progress first: if the push then fails, the retried page is counted again at worst, but a
    // retry can never push a second chain of pages that forks the job.
    await kvs.set(PROGRESS_KEY, { ...next, token: page.nextPageToken ?? null });
    if (page.nextPageToken) await queue.push({ body: { runId: progress.runId, token: page.nextPageToken } });
  } catch (e) {
    const tries = event.retryContext?.retryCount ?? 0;
    console.error(JSON.stringify({ level: 'error', msg: 'recalculation page failed', attempt: tries + 1, error: (e as Error).message }));
    if (tries >= MAX_PAGE_RETRIES) return kvs.set(PROGRESS_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    await kvs.set(PROGRESS_KEY, { ...progress, retries: progress.retries + 1 });
    // Writes are idempotent (nothing is written when nothing changed), so a retried page is safe.
    return new InvocationError({ retryAfter: 30, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
  }
}

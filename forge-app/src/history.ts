import { InvocationError, InvocationErrorCode, Queue, type AsyncEvent } from '@forge/events';
import { kvs } from '@forge/kvs';
import { appFieldIds, loadConfig, policyOf } from './config';
import { JiraClient } from './jira/client';
import { planIssue } from './issue';
import { issuesWithOutcomes, keepOutcomes } from './outcome-store';
import { policyCategories, siteFacts } from './site';

/**
 * The reports' history: after the app is installed (or upgraded to the version that keeps
 * outcomes), the issues done before it have none, and a report would start empty. This run
 * evaluates each issue done and created in the last 52 weeks (the longest period a report offers)
 * that has no stored outcome yet, under the policy in force, and keeps its outcomes. It writes
 * nothing to Jira: no field, no priority, no comment, no ladder step; a done issue is the team's
 * record. It fills what is missing and never rewrites what an evaluation kept. It runs once per
 * installation: a later upgrade finds it done.
 *
 * Its pages go on the recalculation's queue (one consumer function), marked `history`.
 */
export const HISTORY_JQL = 'statusCategory = Done AND created >= "-52w" ORDER BY created ASC';
export const HISTORY_KEY = 'sla-desk-outcome-history';
/** Below Forge's own limit of redeliveries, so that a page that keeps failing is marked failed, never left running. */
const MAX_PAGE_RETRIES = 3;
/** A run no page has moved for this long lost its chain of events (a timeout, a lost push): the next start restarts it. */
export const STALE_MS = 6 * 3_600_000;

export interface HistoryProgress {
  runId: string;
  state: 'running' | 'done' | 'failed';
  pages: number;
  /** Done issues read, and of those the ones whose outcomes this run kept (the others had some). */
  issues: number;
  kept: number;
  startedAt: string;
  finishedAt?: string;
  /** When a page last moved the run (ms). */
  movedAt: number;
  /** The next page's token (null: none left), the token of the page done last, and whether the next page's event was queued. */
  token?: string | null;
  prev?: string;
  pushed?: boolean;
}

export interface HistoryEvent extends Record<string, unknown> {
  history: true;
  runId: string;
  token?: string;
}

export const isHistoryEvent = (body: unknown): body is HistoryEvent => (body as { history?: unknown } | null)?.history === true;

export async function historyProgress(): Promise<HistoryProgress | null> {
  return ((await kvs.get(HISTORY_KEY).catch(() => undefined)) as HistoryProgress | undefined) ?? null;
}

/** Starts the run unless one ran to its end already, or runs now (moved within STALE_MS). */
export async function startHistory(queue: Pick<Queue, 'push'>, now = Date.now()): Promise<HistoryProgress | null> {
  const before = await historyProgress();
  if (before?.state === 'done') return null;
  if (before?.state === 'running' && now - (before.movedAt ?? 0) < STALE_MS) return null;
  const progress: HistoryProgress = { runId: String(now), state: 'running', pages: 0, issues: 0, kept: 0, startedAt: new Date(now).toISOString(), movedAt: now };
  await kvs.set(HISTORY_KEY, progress);
  try {
    await queue.push({ body: { history: true, runId: progress.runId } satisfies HistoryEvent });
  } catch (e) {
    await kvs.set(HISTORY_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    throw e;
  }
  return progress;
}

/**
 * One page of done issues: their ids first (the search gives nothing else unless asked), then a
 * full read of only those without outcomes. Outcomes are added, never put over what an issue event
 * kept meanwhile (keepOutcomes' onlyNew).
 */
export async function historyPage(event: AsyncEvent<HistoryEvent> | { body: HistoryEvent; retryContext?: { retryCount: number } }, queue: Pick<Queue, 'push'>, client = new JiraClient('app'), now = Date.now()) {
  const progress = await historyProgress();
  if (!progress || progress.runId !== event.body.runId || progress.state !== 'running') return;
  const expected = progress.pages === 0 ? undefined : (progress.token ?? null);
  const token = event.body.token ?? undefined;
  // The page done last, delivered again because queueing the next one failed: queue it now.
  if (progress.pages > 0 && progress.pushed === false && token === progress.prev && progress.token) return pushNext(queue, progress, progress.token);
  // Otherwise only the page the run expects next: a redelivered or stale event is dropped, never forked.
  if (token !== expected) return;
  try {
    const config = await loadConfig();
    const { policy } = policyOf(config);
    if (!policy) return kvs.set(HISTORY_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    const site = await siteFacts(client, now, false, policyCategories(policy));
    const page = await client.searchKeys(HISTORY_JQL, [], token);
    const have = await issuesWithOutcomes(page.issues.map((i) => String(i.id)));
    let kept = 0;
    for (const { id } of page.issues) {
      if (have.has(String(id))) continue;
      // By id: Get issue takes an id as well as a key.
      const issue = await client.getIssue(String(id), appFieldIds(config, site, policy));
      const plan = await planIssue(client, config, policy, issue, now, site);
      if (await keepOutcomes(issue, plan.outcomes, { onlyNew: true })) kept++;
    }
    const next: HistoryProgress = { ...progress, pages: progress.pages + 1, issues: progress.issues + page.issues.length, kept: progress.kept + kept, movedAt: now, token: page.nextPageToken ?? null, prev: token, pushed: !page.nextPageToken };
    if (!page.nextPageToken) Object.assign(next, { state: 'done', finishedAt: new Date(now).toISOString() });
    // Progress first, then the next page's event: a failed push is redone when this event comes
    // again (above), and a retry can never push a second chain.
    await kvs.set(HISTORY_KEY, next);
    if (page.nextPageToken) return pushNext(queue, next, page.nextPageToken);
  } catch (e) {
    const tries = event.retryContext?.retryCount ?? 0;
    console.error(JSON.stringify({ level: 'error', msg: 'outcome history page failed', attempt: tries + 1, error: (e as Error).message }));
    if (tries >= MAX_PAGE_RETRIES) return kvs.set(HISTORY_KEY, { ...progress, state: 'failed', finishedAt: new Date(now).toISOString() });
    // What a page keeps is what is missing: a retried page does only what its first try did not.
    return new InvocationError({ retryAfter: 30, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
  }
}

async function pushNext(queue: Pick<Queue, 'push'>, progress: HistoryProgress, token: string): Promise<InvocationError | undefined> {
  try {
    await queue.push({ body: { history: true, runId: progress.runId, token } satisfies HistoryEvent });
  } catch (e) {
    console.error(JSON.stringify({ level: 'error', msg: 'outcome history: next page not queued', error: (e as Error).message }));
    return new InvocationError({ retryAfter: 30, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
  }
  await kvs.set(HISTORY_KEY, { ...progress, pushed: true });
  return undefined;
}

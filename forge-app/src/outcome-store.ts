import { kvs, WhereConditions } from '@forge/kvs';
import { isKeyNotFound } from './config';
import type { JiraIssue } from './jira/client';
import type { Outcome } from '@sla-desk/core';

/**
 * Each issue's Metric outcomes, kept in the app's Key-Value Store (docs/forge-reports.md says why
 * not Forge SQL). One value per issue, under a key that starts with its project's id, so that a
 * report pages through one project (or all) with a key-prefix query, 100 values a page:
 *
 *   sla-desk-outcomes-<projectId>-<issueId>  ->  IssueOutcomes
 *   sla-desk-outcome-home-<issueId>          ->  projectId   (only to find the old value of a moved issue)
 *
 * Ids, not keys: a project's key can be renamed and an issue's key changes when it moves.
 */
export const OUTCOMES_PREFIX = 'sla-desk-outcomes-';
export const outcomesKey = (projectId: string, issueId: string) => `${OUTCOMES_PREFIX}${projectId}-${issueId}`;
/** The trailing dash keeps project 100 from also matching project 1000. */
export const projectPrefix = (projectId: string) => `${OUTCOMES_PREFIX}${projectId}-`;
const homeKey = (issueId: string) => `sla-desk-outcome-home-${issueId}`;

/**
 * A value holds at most this many cycles, the most recent kept: a Forge KVS value may be 240 KiB,
 * and an outcome takes about 200 bytes of JSON. Only an issue with a thousand replies reaches it.
 */
export const MAX_OUTCOMES_PER_ISSUE = 1000;
/** Forge's largest query page. */
const PAGE = 100;

export interface IssueOutcomes {
  v: 1;
  issueId: string;
  /** The issue's key when last evaluated: the report links to it. */
  key: string;
  projectId: string;
  /** For the viewer's Browse projects check (mypermissions takes the key). */
  projectKey: string;
  outcomes: Outcome[];
}

/**
 * Merges this evaluation's outcomes into what the issue had: a cycle this evaluation shows replaces
 * the stored one (its state may have changed, or the clock gone back); cycles it no longer shows
 * (a recurring Metric's earlier ones, a Metric a later policy dropped) stay, decided as they were.
 */
export function merged(before: readonly Outcome[], now: readonly Outcome[]): Outcome[] {
  const id = (o: Outcome) => `${o.metric}\u0000${o.cycle}`;
  const fresh = new Set(now.map(id));
  const all = [...before.filter((o) => !fresh.has(id(o))), ...now];
  all.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.metric.localeCompare(b.metric) || a.cycle - b.cycle);
  return all.slice(-MAX_OUTCOMES_PER_ISSUE);
}

async function read<T>(key: string): Promise<T | undefined> {
  try {
    return (await kvs.get(key)) as T | undefined;
  } catch (e) {
    // A failed read is no "nothing stored": it fails the pass, and Forge retries the event.
    if (isKeyNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Keeps the issue's outcomes after an evaluation. One read when nothing changed; a write only when
 * something did. An issue that moved to another project has its value moved with it.
 */
export async function keepOutcomes(issue: JiraIssue, outcomes: readonly Outcome[]): Promise<boolean> {
  const project = issue.fields.project;
  if (!project?.id) return false; // Jira always sends it; without it no report could find the value
  const projectId = String(project.id);
  const key = outcomesKey(projectId, issue.id);
  let stored = await read<IssueOutcomes>(key);
  let movedFrom: string | null = null;
  if (!stored) {
    const home = await read<string>(homeKey(issue.id));
    if (home && home !== projectId) {
      movedFrom = outcomesKey(home, issue.id);
      stored = await read<IssueOutcomes>(movedFrom);
    }
  }
  const next: IssueOutcomes = { v: 1, issueId: issue.id, key: issue.key, projectId, projectKey: project.key, outcomes: merged(stored?.outcomes ?? [], outcomes) };
  if (!movedFrom && stored && JSON.stringify(stored) === JSON.stringify(next)) return false;
  await kvs.set(key, next);
  if (!stored || movedFrom) await kvs.set(homeKey(issue.id), projectId);
  // After the new value is written: a failure in between leaves two copies, never none.
  if (movedFrom) await kvs.delete(movedFrom);
  return true;
}

export interface OutcomePage {
  issues: IssueOutcomes[];
  /** False when the time budget ran out first: the report then says it counts part of the site. */
  complete: boolean;
}

/**
 * Every stored issue's outcomes, of one project or of all, page by page until the budget is spent
 * (a resolver has 25 s in all). Values of another shape (a future version's) are passed over.
 */
export async function readOutcomes(projectId: string | null, budgetMs = 15_000, clock: () => number = Date.now): Promise<OutcomePage> {
  const started = clock();
  const issues: IssueOutcomes[] = [];
  let cursor: string | undefined;
  do {
    if (clock() - started > budgetMs) return { issues, complete: false };
    let q = kvs.query().where('key', WhereConditions.beginsWith(projectId === null ? OUTCOMES_PREFIX : projectPrefix(projectId))).limit(PAGE);
    if (cursor) q = q.cursor(cursor);
    const page = await q.getMany<IssueOutcomes>();
    for (const r of page.results) if (r.value && r.value.v === 1 && Array.isArray(r.value.outcomes)) issues.push(r.value);
    cursor = page.nextCursor;
  } while (cursor);
  return { issues, complete: true };
}

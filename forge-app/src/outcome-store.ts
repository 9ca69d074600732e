import { migrationRunner, sql } from '@forge/sql';
import { ReportBuilder, WORST_COUNT, type Outcome, type OutcomeReport, type Period } from '@sla-desk/core';
import type { JiraIssue } from './jira/client';

/**
 * Each issue's Metric outcomes, one row per Metric and cycle, in the app's Forge SQL database
 * (docs/forge-reports.md says why Forge SQL). Ids, not keys, identify an issue and its project (a
 * key changes when the issue moves, and a project's key can be renamed); the keys are kept beside
 * them for the report's links and for the viewer's Browse projects check. Nothing of the issue's
 * content: ids, states, instants and the policy's ids.
 */
export const TABLE = 'sla_outcomes';

/**
 * The schema, as Forge SQL's migrations: each runs once per installation, in order, recorded in the
 * SDK's __migrations table. Binary collation, so that keys and ids sort in code-unit order, as core's
 * worseFirst sorts them. Instants are epoch ms (BIGINT), as core's Outcome has them.
 */
export const MIGRATIONS: readonly { name: string; statement: string }[] = [
  {
    name: 'v001_create_sla_outcomes',
    statement: `CREATE TABLE IF NOT EXISTS ${TABLE} (
      issue_id VARCHAR(32) NOT NULL,
      metric VARCHAR(64) NOT NULL,
      cycle INT NOT NULL,
      issue_key VARCHAR(255) NOT NULL,
      project_id VARCHAR(32) NOT NULL,
      project_key VARCHAR(255) NOT NULL,
      state VARCHAR(16) NOT NULL,
      working_ms DOUBLE NOT NULL,
      tier VARCHAR(64) NOT NULL,
      priority VARCHAR(64) NOT NULL,
      group_name VARCHAR(255) NULL,
      started_at BIGINT NOT NULL,
      ended_at BIGINT NULL,
      due_at BIGINT NULL,
      PRIMARY KEY (issue_id, metric, cycle),
      KEY sla_outcomes_by_project (project_id, started_at)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  },
];

let migrated: Promise<void> | null = null;
// Two cold starts at once may both run a migration (the SDK lists, then runs, with no lock): each
// must be one that can run twice (CREATE ... IF NOT EXISTS, not a bare ALTER).

/**
 * Runs the migrations not yet run: from the install and upgrade events, and before the first
 * statement of any invocation, so that no event that comes first finds no table. Once per runtime;
 * a failure is tried again by the next call.
 */
export function ensureSchema(): Promise<void> {
  migrated ??= (async () => {
    for (const m of MIGRATIONS) migrationRunner.enqueue(m.name, m.statement);
    await migrationRunner.run();
  })().catch((e) => {
    migrated = null;
    throw e;
  });
  return migrated;
}

/** Rows a statement writes at most: a request may be 1 MiB (Forge SQL's limits), a row takes about 250 bytes. */
export const ROWS_PER_STATEMENT = 500;

interface Row {
  issue_id: string;
  metric: string;
  cycle: number;
  issue_key: string;
  project_id: string;
  project_key: string;
  state: string;
  working_ms: number;
  tier: string;
  priority: string;
  group_name: string | null;
  started_at: number;
  ended_at: number | null;
  due_at: number | null;
}
const COLUMNS = ['issue_id', 'metric', 'cycle', 'issue_key', 'project_id', 'project_key', 'state', 'working_ms', 'tier', 'priority', 'group_name', 'started_at', 'ended_at', 'due_at'] as const;
const KEY_COLUMNS = new Set(['issue_id', 'metric', 'cycle']);

/** A stored row's numbers may come back as text (Forge SQL's JSON; DECIMAL, BIGINT): compare as numbers. */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
function same(a: Row, b: Row): boolean {
  return COLUMNS.every((c) => (typeof a[c] === 'number' || typeof b[c] === 'number' || a[c] === null || b[c] === null ? num(a[c]) === num(b[c]) : a[c] === b[c]));
}

/**
 * Keeps the issue's outcomes after an evaluation: a cycle this evaluation shows is written as it is
 * now (its state may have changed, or its clock gone back); cycles it no longer shows (a recurring
 * Metric's earlier ones, a Metric a later policy dropped) stay, decided as they were. One read when
 * nothing changed; only the rows that changed are written. An issue that moved or whose project was
 * renamed has its earlier rows follow it (its key and project).
 */
export async function keepOutcomes(issue: JiraIssue, outcomes: readonly Outcome[], opts: { onlyNew?: boolean } = {}): Promise<boolean> {
  const project = issue.fields.project;
  if (!project?.id) return false; // Jira always sends it; without it no report could find the rows
  await ensureSchema();
  const where = { issue_id: issue.id, issue_key: issue.key, project_id: String(project.id), project_key: String(project.key) };
  const rows: Row[] = outcomes.map((o) => ({ ...where, metric: o.metric, cycle: o.cycle, state: o.state, working_ms: o.workingMs, tier: o.tier, priority: o.priority, group_name: o.group, started_at: o.startedAt, ended_at: o.endedAt, due_at: o.dueAt }));
  const stored = (await sql.prepare<Row>(`SELECT ${COLUMNS.join(', ')} FROM ${TABLE} WHERE issue_id = ?`).bindParams(issue.id).execute()).rows;
  const byId = new Map(stored.map((r) => [`${r.metric}\u0000${Number(r.cycle)}`, r]));
  // onlyNew: a stored row stays as it is, so only the missing ones are written (and counted).
  const changed = rows.filter((r) => {
    const s = byId.get(`${r.metric}\u0000${r.cycle}`);
    return !s || (!opts.onlyNew && !same(s, r));
  });
  const moved = !opts.onlyNew && stored.some((s) => s.issue_key !== where.issue_key || String(s.project_id) !== where.project_id || s.project_key !== where.project_key);
  for (let i = 0; i < changed.length; i += ROWS_PER_STATEMENT) await upsert(changed.slice(i, i + ROWS_PER_STATEMENT), opts.onlyNew);
  if (moved) {
    await sql
      .prepare(`UPDATE ${TABLE} SET issue_key = ?, project_id = ?, project_key = ? WHERE issue_id = ?`)
      .bindParams(where.issue_key, where.project_id, where.project_key, issue.id)
      .execute();
  }
  return changed.length > 0 || moved;
}

/** onlyNew: rows kept meanwhile (an issue event's, newer) stay as they are; only missing ones are added. */
async function upsert(rows: readonly Row[], onlyNew = false): Promise<void> {
  const one = `(${COLUMNS.map(() => '?').join(', ')})`;
  const update = onlyNew
    ? 'issue_id = issue_id'
    : COLUMNS.filter((c) => !KEY_COLUMNS.has(c))
        .map((c) => `${c} = VALUES(${c})`)
        .join(', ');
  await sql
    .prepare(`INSERT INTO ${TABLE} (${COLUMNS.join(', ')}) VALUES ${rows.map(() => one).join(', ')} ON DUPLICATE KEY UPDATE ${update}`)
    .bindParams(...rows.flatMap((r) => COLUMNS.map((c) => r[c])))
    .execute();
}

/** Which of these issues have any stored outcome (the history run passes over them). */
export async function issuesWithOutcomes(issueIds: readonly string[]): Promise<Set<string>> {
  if (!issueIds.length) return new Set();
  await ensureSchema();
  const { rows } = await sql
    .prepare<{ issue_id: string }>(`SELECT DISTINCT issue_id FROM ${TABLE} WHERE issue_id IN (${issueIds.map(() => '?').join(', ')})`)
    .bindParams(...issueIds)
    .execute();
  return new Set(rows.map((r) => String(r.issue_id)));
}

/** A deleted issue's outcomes go with it, as Jira's issue does: no report counts it any more. */
export async function dropOutcomes(issueId: string): Promise<void> {
  await ensureSchema();
  await sql.prepare(`DELETE FROM ${TABLE} WHERE issue_id = ?`).bindParams(issueId).execute();
}

/** The projects with stored outcomes: a dashboard checks each for the viewer, by id (a key may be a renamed project's old one). */
export async function projectsWithOutcomes(): Promise<{ id: string; key: string }[]> {
  await ensureSchema();
  const { rows } = await sql.prepare<{ project_id: string; project_key: string }>(`SELECT project_id, MAX(project_key) AS project_key FROM ${TABLE} GROUP BY project_id ORDER BY project_key`).execute();
  return rows.map((r) => ({ id: String(r.project_id), key: String(r.project_key) }));
}

/** The issues behind one tier x priority x metric row: what its drill-down lists. */
export interface RowIssues {
  tier: string;
  priority: string;
  metric: string;
  /** Issue keys with a breached cycle in the period, the most recent breach first, at most DRILL_COUNT. */
  breached: string[];
  /** Issue keys with any cycle in the period, in key order, at most DRILL_COUNT. */
  all: string[];
}

export const DRILL_COUNT = 50;

export interface StoredReport extends OutcomeReport {
  drill: RowIssues[];
  /** How many issues have a cycle in the period. */
  issues: number;
}

const EARLIEST = Number.MIN_SAFE_INTEGER;
const LATEST = Number.MAX_SAFE_INTEGER;

/**
 * The report of the stored outcomes of `projectIds` (a project page's one, or a dashboard's the
 * viewer may browse): aggregated in SQL (counts by group and week, medians, the worst breaches,
 * the drill-down's issues), the figures then made by core's ReportBuilder, as `sla report
 * --outcomes` makes them over the same issues. Each is one SELECT, within Forge SQL's 5 s; they run
 * at once.
 */
export async function reportOf(projectIds: readonly string[], period: Period, now: number, worst = WORST_COUNT): Promise<StoredReport> {
  const b = new ReportBuilder({ period, now, worst });
  if (!projectIds.length) return { ...b.outcomeReport(), drill: [], issues: 0 };
  await ensureSchema();
  const where = `project_id IN (${projectIds.map(() => '?').join(', ')}) AND started_at >= ? AND started_at < ?`;
  const args = [...projectIds, period.from ?? EARLIEST, period.to ?? LATEST];
  const select = async <T>(query: string, params: unknown[] = args): Promise<T[]> => (await sql.prepare<T>(query).bindParams(...params).execute()).rows as T[];
  type Late = { issue_key: string; metric: string; cycle: number; tier: string; priority: string; due_at: number; ended_at: number | null; late_ms: number };
  const late = (which: string, lateness: string, order: string, extra: unknown[] = []) =>
    select<Late>(
      `SELECT issue_key, metric, cycle, tier, priority, due_at, ended_at, ${lateness} AS late_ms FROM ${TABLE}
       WHERE ${where} AND state = 'breached' AND due_at IS NOT NULL AND ${which}
       ORDER BY ${order}, issue_key, metric, cycle LIMIT ${Math.trunc(worst)}`,
      [...extra, ...args],
    );
  const [cells, medians, ended, open, drill, issues] = await Promise.all([
    // core's weekIndex: weeks from the Monday before the epoch (a Thursday), UTC.
    select<{ tier: string; priority: string; metric: string; week: number; tickets: number; met: number; breached: number; open: number }>(
      `SELECT tier, priority, metric, FLOOR((started_at + 259200000) / 604800000) AS week, SUM(cycle = 1) AS tickets,
         SUM(state = 'met') AS met, SUM(state = 'breached') AS breached, SUM(state = 'open') AS open
       FROM ${TABLE} WHERE ${where} GROUP BY tier, priority, metric, week`,
    ),
    // The median of each group's stopped cycles (for an even count the mean of the two middle
    // values, as core's): MySQL has no percentile_cont, so by their rank.
    select<{ tier: string; priority: string; metric: string; median: number }>(
      `SELECT tier, priority, metric, AVG(working_ms) AS median FROM (
         SELECT tier, priority, metric, working_ms,
           ROW_NUMBER() OVER (PARTITION BY tier, priority, metric ORDER BY working_ms) AS n,
           COUNT(*) OVER (PARTITION BY tier, priority, metric) AS total
         FROM ${TABLE} WHERE ${where} AND ended_at IS NOT NULL) ranked
       WHERE n IN (FLOOR((total + 1) / 2), FLOOR(total / 2) + 1) GROUP BY tier, priority, metric`,
    ),
    late('ended_at IS NOT NULL', 'ended_at - due_at', '(ended_at - due_at) DESC'),
    // Still open: late until now, so the earliest due is the latest.
    late('ended_at IS NULL', '? - due_at', 'due_at', [Math.trunc(now)]),
    // Each row's issues: the first DRILL_COUNT by key, and the DRILL_COUNT breached most recently.
    select<{ tier: string; priority: string; metric: string; issue_key: string; last_breach: number | null; by_key: number; by_breach: number }>(
      `SELECT tier, priority, metric, issue_key, last_breach, by_key, by_breach FROM (
         SELECT tier, priority, metric, issue_key, last_breach,
           ROW_NUMBER() OVER (PARTITION BY tier, priority, metric ORDER BY issue_key) AS by_key,
           ROW_NUMBER() OVER (PARTITION BY tier, priority, metric ORDER BY last_breach IS NULL, last_breach DESC, issue_key) AS by_breach
         FROM (SELECT tier, priority, metric, issue_key, MAX(CASE WHEN state = 'breached' THEN COALESCE(due_at, started_at) END) AS last_breach
               FROM ${TABLE} WHERE ${where} GROUP BY tier, priority, metric, issue_key) per_issue) ranked
       WHERE by_key <= ${DRILL_COUNT} OR (last_breach IS NOT NULL AND by_breach <= ${DRILL_COUNT})
       ORDER BY tier, priority, metric, by_key`,
    ),
    select<{ n: number }>(`SELECT COUNT(DISTINCT issue_id) AS n FROM ${TABLE} WHERE ${where}`),
  ]);
  for (const c of cells) b.addCell({ tier: c.tier, priority: c.priority, metric: c.metric, week: Number(c.week), tickets: Number(c.tickets), met: Number(c.met), breached: Number(c.breached), open: Number(c.open) });
  for (const m of medians) b.addMedian({ tier: m.tier, priority: m.priority, metric: m.metric, medianWorkingMs: Number(m.median) });
  for (const w of [...ended, ...open]) b.addWorst({ ticketId: w.issue_key, metric: w.metric, cycle: Number(w.cycle), tier: w.tier, priority: w.priority, dueAt: Number(w.due_at), endedAt: w.ended_at === null ? null : Number(w.ended_at), lateMs: Number(w.late_ms) });
  return { ...b.outcomeReport(), drill: drillRows(drill), issues: Number(issues[0]?.n ?? 0) };
}

function drillRows(ranked: { tier: string; priority: string; metric: string; issue_key: string; last_breach: number | null; by_key: number; by_breach: number }[]): RowIssues[] {
  const rows = new Map<string, { row: RowIssues; breaches: { key: string; at: number; rank: number }[] }>();
  for (const r of ranked) {
    const id = `${r.tier}\u0000${r.priority}\u0000${r.metric}`;
    let d = rows.get(id);
    if (!d) rows.set(id, (d = { row: { tier: r.tier, priority: r.priority, metric: r.metric, breached: [], all: [] }, breaches: [] }));
    if (Number(r.by_key) <= DRILL_COUNT) d.row.all.push(r.issue_key);
    if (r.last_breach !== null && Number(r.by_breach) <= DRILL_COUNT) d.breaches.push({ key: r.issue_key, at: Number(r.last_breach), rank: Number(r.by_breach) });
  }
  return [...rows.values()].map(({ row, breaches }) => ({ ...row, breached: breaches.sort((a, b) => a.rank - b.rank).map((x) => x.key) }));
}

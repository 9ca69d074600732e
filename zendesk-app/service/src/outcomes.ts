import { ReportBuilder, WORST_COUNT, type Outcome, type OutcomeReport, type Period, type ReportScope } from '@sla-desk/core';
import type { Db, Query } from './db';

/** Outcomes as the JSON both writers send in one parameter, and the recordset that reads it back. */
function outcomeRows(outcomes: readonly Outcome[]): string {
  return JSON.stringify(
    outcomes.map((o) => ({ metric: o.metric, cycle: o.cycle, state: o.state, working_ms: o.workingMs, tier: o.tier, priority: o.priority, group_id: o.group, started_at: o.startedAt, ended_at: o.endedAt, due_at: o.dueAt })),
  );
}
const GIVEN = 'jsonb_to_recordset($3::jsonb) AS o(metric text, cycle int, state text, working_ms float8, tier text, priority text, group_id text, started_at bigint, ended_at bigint, due_at bigint)';

/**
 * Each Metric's Outcome per cycle, kept in the `outcomes` table beside the open tickets' timelines.
 * A pass rewrites a ticket's Outcomes as its evaluation gives them; a closed ticket's stay (its
 * SLA is settled), so the report covers tickets the store no longer follows. No ticket text: ids,
 * states, instants and the policy's ids.
 */
export async function keepOutcomes(db: Db, tenant: string, ticketId: number, outcomes: readonly Outcome[]): Promise<void> {
  // One statement, so one round trip and atomic without a transaction: the DELETE and the INSERT
  // touch different rows (those the evaluation no longer gives, a reply deleted or a policy
  // changed; and those it gives).
  await db.query(
    `WITH given AS (
       SELECT * FROM ${GIVEN}
     ), gone AS (
       DELETE FROM outcomes WHERE tenant = $1 AND ticket_id = $2 AND (metric, cycle) NOT IN (SELECT metric, cycle FROM given)
     )
     INSERT INTO outcomes (tenant, ticket_id, metric, cycle, state, working_ms, tier, priority, group_id, started_at, ended_at, due_at)
     SELECT $1, $2, metric, cycle, state, working_ms, tier, priority, group_id, started_at, ended_at, due_at FROM given
     -- Nothing is kept for a tenant deleted while its pass ran.
     WHERE $1 = 'env' OR EXISTS (SELECT 1 FROM tenants WHERE account_id = $1)
     ON CONFLICT (tenant, ticket_id, metric, cycle) DO UPDATE SET state = EXCLUDED.state, working_ms = EXCLUDED.working_ms, tier = EXCLUDED.tier,
       priority = EXCLUDED.priority, group_id = EXCLUDED.group_id, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, due_at = EXCLUDED.due_at
     -- A settled cycle comes back unchanged on every pass: rewriting it would only churn five indexes.
     WHERE (outcomes.state, outcomes.working_ms, outcomes.tier, outcomes.priority, outcomes.group_id, outcomes.started_at, outcomes.ended_at, outcomes.due_at)
       IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.working_ms, EXCLUDED.tier, EXCLUDED.priority, EXCLUDED.group_id, EXCLUDED.started_at, EXCLUDED.ended_at, EXCLUDED.due_at)`,
    [tenant, ticketId, outcomeRows(outcomes)],
  );
}

/**
 * A settled ticket's Outcomes from the reports' history (history.ts), only if the ticket has none:
 * a pass that kept some meanwhile (the ticket reopened, say) is newer, and stays. One statement.
 * Whether any was kept.
 */
export async function keepOutcomesIfNone(db: Db, tenant: string, ticketId: number, outcomes: readonly Outcome[]): Promise<boolean> {
  const kept = await db.query(
    `INSERT INTO outcomes (tenant, ticket_id, metric, cycle, state, working_ms, tier, priority, group_id, started_at, ended_at, due_at)
     SELECT $1, $2, metric, cycle, state, working_ms, tier, priority, group_id, started_at, ended_at, due_at
     FROM ${GIVEN}
     WHERE NOT EXISTS (SELECT 1 FROM outcomes WHERE tenant = $1 AND ticket_id = $2)
       AND ($1 = 'env' OR EXISTS (SELECT 1 FROM tenants WHERE account_id = $1))
     ON CONFLICT DO NOTHING RETURNING 1 AS one`,
    [tenant, ticketId, outcomeRows(outcomes)],
  );
  return kept.length > 0;
}

/** A ticket Zendesk no longer has (deleted): its Outcomes go with it. */
export async function dropOutcomes(q: Query, tenant: string, ticketId: number): Promise<void> {
  await q.query('DELETE FROM outcomes WHERE tenant = $1 AND ticket_id = $2', [tenant, ticketId]);
}

/** Bounds for an open period, so that the one query plan serves every report. */
const EARLIEST = Number.MIN_SAFE_INTEGER;
const LATEST = Number.MAX_SAFE_INTEGER;

/**
 * The tenant's report from its stored Outcomes: aggregated in SQL (rows by tier x priority x
 * metric, weeks, the worst breaches), the figures then made by core's ReportBuilder, as
 * `sla report --outcomes` makes them. The queries run at once (on PostgreSQL, each on its own
 * connection): one hash aggregate by group and week for every count, the medians from an index
 * that gives each group's working times sorted (so a million Outcomes need no sort), and the
 * worst from the first entries of two partial indexes (migration 8).
 */
export async function reportOf(db: Db, tenant: string, period: Period, now: number, scope: ReportScope = {}, worst = WORST_COUNT): Promise<OutcomeReport> {
  const args: unknown[] = [tenant, period.from ?? EARLIEST, period.to ?? LATEST];
  let where = 'tenant = $1 AND started_at >= $2 AND started_at < $3';
  // A drill-down: core's ReportBuilder.counts, as SQL.
  for (const k of ['tier', 'priority', 'metric'] as const) {
    if (scope[k] === undefined) continue;
    args.push(scope[k]);
    where += ` AND ${k} = $${args.length}`;
  }
  // PostgreSQL's JIT compiles these scans afresh on each call, for longer than it saves them.
  const query = <T>(sql: string, params: unknown[]) =>
    db.tx(async (q) => {
      await q.query('SET LOCAL jit = off');
      return q.query<T>(sql, params);
    });
  type Late = { ticket_id: string; metric: string; cycle: number; tier: string; priority: string; due_at: number; ended_at: number | null; late_ms: number };
  // core's worseFirst within each: latest first, then ticket, metric and cycle in code-unit order.
  const late = (which: string, lateness: string, order: string) =>
    query<Late>(
      `SELECT ticket_id::text AS ticket_id, metric, cycle, tier, priority, due_at, ended_at, (${lateness})::float8 AS late_ms
       FROM outcomes WHERE ${where} AND state = 'breached' AND due_at IS NOT NULL AND ${which}
       ORDER BY ${order}, ticket_id::text COLLATE "C", metric COLLATE "C", cycle LIMIT $${args.length + 1}`,
      [...args, worst],
    );
  const [cells, medians, ended, open] = await Promise.all([
    // One pass for the rows' counts and the weeks' (core's weekIndex: weeks from the Monday before
    // the epoch, a Thursday, UTC): a hash aggregate, which PostgreSQL runs in parallel once it knows
    // (outcomes_cells, migration 8) that the groups are a few thousand, not one per Outcome.
    query<{ tier: string; priority: string; metric: string; week: number; tickets: number; met: number; breached: number; open: number }>(
      `SELECT tier, priority, metric, floor((started_at + 259200000)::float8 / 604800000)::int AS week, count(*) FILTER (WHERE cycle = 1)::int AS tickets,
         count(*) FILTER (WHERE state = 'met')::int AS met, count(*) FILTER (WHERE state = 'breached')::int AS breached,
         count(*) FILTER (WHERE state = 'open')::int AS open
       FROM outcomes WHERE ${where} GROUP BY 1, 2, 3, 4`,
      args,
    ),
    // The medians from outcomes_stopped, read in its order: each group's working times come sorted.
    query<{ tier: string; priority: string; metric: string; median: number }>(
      `SELECT tier, priority, metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY working_ms) AS median
       FROM outcomes WHERE ${where} AND ended_at IS NOT NULL GROUP BY tier, priority, metric`,
      args,
    ),
    late('ended_at IS NOT NULL', 'ended_at - due_at', '(ended_at - due_at) DESC'),
    // Still open: late until now, so the earliest due is the latest.
    late('ended_at IS NULL', `${Math.trunc(now)}::bigint - due_at`, 'due_at'),
  ]);
  const b = new ReportBuilder({ period, scope, now, worst });
  for (const c of cells) b.addCell({ tier: c.tier, priority: c.priority, metric: c.metric, week: Number(c.week), tickets: c.tickets, met: c.met, breached: c.breached, open: c.open });
  for (const m of medians) b.addMedian({ tier: m.tier, priority: m.priority, metric: m.metric, medianWorkingMs: Number(m.median) });
  for (const w of [...ended, ...open]) b.addWorst({ ticketId: w.ticket_id, metric: w.metric, cycle: w.cycle, tier: w.tier, priority: w.priority, dueAt: Number(w.due_at), endedAt: w.ended_at === null ? null : Number(w.ended_at), lateMs: Number(w.late_ms) });
  return b.outcomeReport();
}

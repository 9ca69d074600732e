import { ReportBuilder, reportCsv, weekIndex, type OutcomeReport, type Period } from '@sla-desk/core';
import type { IssueOutcomes } from './outcome-store';

/** The periods the report pages offer: whole ISO weeks (UTC), the current one included. */
export const PERIOD_WEEKS = [4, 12, 26, 52] as const;
export type PeriodChoice = (typeof PERIOD_WEEKS)[number] | 'all';

const WEEK_MS = 7 * 86_400_000;

/** The Period of the last `weeks` ISO weeks up to now: from a Monday 00:00 UTC, open-ended. */
export function periodOf(choice: PeriodChoice, now: number): Period {
  if (choice === 'all') return { from: null, to: null };
  // weekIndex counts weeks from the Monday before 1970-01-01 (a Thursday): three days earlier.
  const monday = (weekIndex(now) - (choice - 1)) * WEEK_MS - 3 * 86_400_000;
  return { from: monday, to: null };
}

/** The issues behind one tier x priority x metric row: what its drill-down lists. */
export interface RowIssues {
  tier: string;
  priority: string;
  metric: string;
  /** Issue keys with a breached cycle in the period, the most recent first, at most DRILL_COUNT. */
  breached: string[];
  /** Issue keys with any cycle in the period, at most DRILL_COUNT. */
  all: string[];
}

export const DRILL_COUNT = 50;

export interface IssueReport extends OutcomeReport {
  drill: RowIssues[];
  csv: string;
  /** How many issues' records were read. */
  issues: number;
}

/**
 * The report of the stored outcomes, through core's ReportBuilder, so that it gives what `sla
 * report --outcomes` gives over the same issues. An outcome is counted under the issue's key as
 * the record has it now (a moved issue's earlier cycles were kept under its old key).
 */
export function buildReport(records: readonly IssueOutcomes[], period: Period, now: number): IssueReport {
  const b = new ReportBuilder({ period, now });
  const drill = new Map<string, { row: RowIssues; lastBreach: Map<string, number> }>();
  for (const r of records) {
    for (const o of r.outcomes) {
      b.addOutcome({ ...o, ticketId: r.key });
      if (!b.inPeriod(o.startedAt)) continue;
      const id = `${o.tier}\u0000${o.priority}\u0000${o.metric}`;
      let d = drill.get(id);
      if (!d) drill.set(id, (d = { row: { tier: o.tier, priority: o.priority, metric: o.metric, breached: [], all: [] }, lastBreach: new Map() }));
      if (!d.row.all.includes(r.key) && d.row.all.length < DRILL_COUNT) d.row.all.push(r.key);
      if (o.state === 'breached') d.lastBreach.set(r.key, Math.max(d.lastBreach.get(r.key) ?? -Infinity, o.dueAt ?? o.startedAt));
    }
  }
  const report = b.outcomeReport();
  const rows = [...drill.values()].map(({ row, lastBreach }) => ({
    ...row,
    breached: [...lastBreach.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, DRILL_COUNT).map(([k]) => k),
  }));
  return { ...report, drill: rows, csv: reportCsv(report.rows), issues: records.length };
}

import { reportCsv, weekIndex, type Period } from '@sla-desk/core';
import { reportOf, type StoredReport } from './outcome-store';

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

/** What the report pages show: the stored report, and its table as `sla report --outcomes --format csv` writes it. */
export interface IssueReport extends StoredReport {
  csv: string;
}

/** The report of the stored outcomes of `projectIds` for a period choice. */
export async function issueReport(projectIds: readonly string[], choice: PeriodChoice, now: number): Promise<IssueReport> {
  const report = await reportOf(projectIds, periodOf(choice, now), now);
  return { ...report, csv: reportCsv(report.rows) };
}

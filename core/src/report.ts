import type { Decision, MetricState } from './evaluate';

/**
 * Met %, Breaches and median times per tier x priority x metric. Pure and incremental, so that
 * `sla report` and the workbench's report page compute the same figures.
 */
export interface ReportRow {
  tier: string;
  priority: string;
  metric: string;
  tickets: number;
  met: number;
  breached: number;
  open: number;
  /** met / (met + breached), or null when nothing is decided yet. */
  metPercent: number | null;
  /** Median working ms from start to stop, over stopped metrics. */
  medianWorkingMs: number | null;
  /**
   * A recurring Metric's cycles over its tickets (met, met, breached and open are then each
   * ticket's shown cycle): how many there were, met and breached, and for group ownership the
   * handoffs (cycles ended by reassignment).
   */
  cycles?: { count: number; met: number; breached: number; handoffs?: number };
}

export class ReportBuilder {
  private readonly groups = new Map<string, { row: ReportRow; times: number[] }>();

  add(d: Decision): void {
    for (const m of d.metrics) {
      if (m.state === 'not_applicable') continue;
      const key = `${d.tier.id}\u0000${d.priority.id}\u0000${m.metric}`;
      let g = this.groups.get(key);
      if (!g) {
        g = {
          row: { tier: d.tier.id, priority: d.priority.id ?? '', metric: m.metric, tickets: 0, met: 0, breached: 0, open: 0, metPercent: null, medianWorkingMs: null },
          times: [],
        };
        this.groups.set(key, g);
      }
      g.row.tickets++;
      count(g.row, m.state);
      if (m.cycles) {
        const c = (g.row.cycles ??= { count: 0, met: 0, breached: 0 });
        c.count += m.cycles.count;
        c.met += m.cycles.met;
        c.breached += m.cycles.breached;
        if (m.cycles.handoffs !== undefined) c.handoffs = (c.handoffs ?? 0) + m.cycles.handoffs;
      }
      if (m.stoppedAt !== null) g.times.push(m.elapsedWorkingMs);
    }
  }

  rows(): ReportRow[] {
    return [...this.groups.values()]
      .map(({ row, times }) => ({
        ...row,
        ...(row.cycles ? { cycles: { ...row.cycles } } : {}),
        metPercent: row.met + row.breached ? (100 * row.met) / (row.met + row.breached) : null,
        medianWorkingMs: median(times),
      }))
      .sort((a, b) => a.tier.localeCompare(b.tier) || a.priority.localeCompare(b.priority) || a.metric.localeCompare(b.metric));
  }
}

function count(row: ReportRow, s: MetricState): void {
  if (s === 'met') row.met++;
  else if (s === 'breached') row.breached++;
  else row.open++;
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

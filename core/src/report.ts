import type { Decision, MetricState } from './evaluate';
import type { Outcome } from './outcome';
import { csvCell } from './escape';

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

/** Which Outcomes a report counts: those whose clock started in [from, to) (null: unbounded). */
export interface Period {
  from: number | null;
  to: number | null;
}

/**
 * One tier x priority x metric group, aggregated where the Outcomes are (a store's SQL), with
 * what the per-Outcome path would compute: tickets (Outcomes of a first cycle: the tickets whose
 * clock for the Metric first started in the Period), Outcomes by state, and the median
 * working time of the ended ones (for an even count, the mean of the two middle values).
 */
export type OutcomeGroup = Pick<ReportRow, 'tier' | 'priority' | 'metric' | 'tickets' | 'met' | 'breached' | 'open' | 'medianWorkingMs'>;

/**
 * One group's Outcomes in one ISO week, aggregated where the Outcomes are: its counts add to the
 * group's row and to the week's trend. A store's one pass (GROUP BY tier, priority, metric, week)
 * for both; the median, which does not add up, comes apart (addMedian).
 */
export type OutcomeCell = Omit<OutcomeGroup, 'medianWorkingMs'> & { week: number };

/** Outcomes by state in one ISO week (UTC, Monday first), by weekIndex. */
export interface WeekGroup {
  week: number;
  met: number;
  breached: number;
  open: number;
}

export interface WeekRow {
  /** ISO 8601 week, UTC: "2026-W47". */
  week: string;
  /** Its Monday 00:00 UTC, epoch ms. */
  start: number;
  met: number;
  breached: number;
  open: number;
  metPercent: number | null;
}

/** A breached Outcome and how late it is: its stop (or, while open, the report's now) less its due. */
export interface WorstOutcome {
  ticketId: string;
  metric: string;
  cycle: number;
  tier: string;
  priority: string;
  dueAt: number;
  endedAt: number | null;
  lateMs: number;
}

/** A drill-down: only the Outcomes of this tier, priority and metric (each left out: any). */
export interface ReportScope {
  tier?: string;
  priority?: string;
  metric?: string;
}

export interface OutcomeReport {
  period: Period;
  scope: ReportScope;
  now: number;
  rows: ReportRow[];
  weeks: WeekRow[];
  worst: WorstOutcome[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: weeks are counted from the Monday before it. */
const MONDAY_OFFSET_MS = 3 * DAY_MS;
/** A trend longer than this lists only the weeks with Outcomes, not every week between. */
const MAX_FILLED_WEEKS = 1060;
export const WORST_COUNT = 10;

/** The ISO week (UTC) an instant is in, as a count of weeks: what a store groups on. */
export function weekIndex(t: number): number {
  return Math.floor((t + MONDAY_OFFSET_MS) / WEEK_MS);
}

export function isoWeek(index: number): string {
  const thursday = new Date(index * WEEK_MS - MONDAY_OFFSET_MS + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Worst first: latest, then by ticket, metric and cycle in code-unit order (a store's COLLATE "C"). */
export function worseFirst(a: WorstOutcome, b: WorstOutcome): number {
  return b.lateMs - a.lateMs || cmp(a.ticketId, b.ticketId) || cmp(a.metric, b.metric) || a.cycle - b.cycle;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Counted {
  met: number;
  breached: number;
  open: number;
}

/**
 * Two ways in, one set of figures out. `add(decision)` counts each ticket's state now (the shown
 * cycle of a recurring Metric, with its cycles). `addOutcome` counts Outcomes, one per cycle, in
 * the Period; `addCell` and `addMedian` (or `addGroup` and `addWeek`) and `addWorst` take the same
 * figures aggregated by a store, so
 * a store of a million Outcomes and `sla report --outcomes` over the same tickets agree.
 */
export class ReportBuilder {
  private readonly groups = new Map<string, { row: ReportRow; times: number[] }>();
  private readonly outcomeGroups = new Map<string, { group: OutcomeGroup; times: number[] | null; final: boolean; median: boolean }>();
  private readonly weekGroups = new Map<number, Counted>();
  private worstList: WorstOutcome[] = [];
  readonly period: Period;
  readonly scope: ReportScope;
  readonly now: number;
  private readonly worstCount: number;

  constructor(options: { period?: Partial<Period>; scope?: ReportScope; now?: number; worst?: number } = {}) {
    this.period = { from: options.period?.from ?? null, to: options.period?.to ?? null };
    this.scope = { ...options.scope };
    this.now = options.now ?? 0;
    this.worstCount = options.worst ?? WORST_COUNT;
  }

  /** Whether an Outcome that started at t is in the report's Period. */
  inPeriod(t: number): boolean {
    return (this.period.from === null || t >= this.period.from) && (this.period.to === null || t < this.period.to);
  }

  /** Whether an Outcome is in the report's Period and scope: what a store's WHERE selects. */
  counts(o: Pick<Outcome, 'startedAt' | 'tier' | 'priority' | 'metric'>): boolean {
    const { tier, priority, metric } = this.scope;
    return this.inPeriod(o.startedAt) && (tier === undefined || o.tier === tier) && (priority === undefined || o.priority === priority) && (metric === undefined || o.metric === metric);
  }

  addOutcome(o: Outcome): void {
    if (!this.counts(o)) return;
    const key = `${o.tier}\u0000${o.priority}\u0000${o.metric}`;
    let g = this.outcomeGroups.get(key);
    if (!g) {
      g = { group: { tier: o.tier, priority: o.priority, metric: o.metric, tickets: 0, met: 0, breached: 0, open: 0, medianWorkingMs: null }, times: [], final: false, median: false };
      this.outcomeGroups.set(key, g);
    }
    if (!g.times) throw new Error(`report: ${o.tier} x ${o.priority} x ${o.metric} was given aggregated; its Outcomes cannot be added to it`);
    // A ticket counts where its first cycle is: a count a store keeps without a DISTINCT.
    if (o.cycle === 1) g.group.tickets++;
    g.group[o.state]++;
    if (o.endedAt !== null) g.times.push(o.workingMs);
    this.addWeek({ week: weekIndex(o.startedAt), met: +(o.state === 'met'), breached: +(o.state === 'breached'), open: +(o.state === 'open') });
    if (o.state === 'breached' && o.dueAt !== null) {
      this.addWorst({ ticketId: o.ticketId, metric: o.metric, cycle: o.cycle, tier: o.tier, priority: o.priority, dueAt: o.dueAt, endedAt: o.endedAt, lateMs: (o.endedAt ?? this.now) - o.dueAt });
    }
  }

  /** A group aggregated by a store, final: its median cannot be merged with more Outcomes. */
  addGroup(g: OutcomeGroup): void {
    const key = `${g.tier}\u0000${g.priority}\u0000${g.metric}`;
    if (this.outcomeGroups.has(key)) throw new Error(`report: ${g.tier} x ${g.priority} x ${g.metric} given twice`);
    this.outcomeGroups.set(key, { group: { ...g }, times: null, final: true, median: true });
  }

  addCell(c: OutcomeCell): void {
    const g = this.aggregated(c);
    g.group.tickets += c.tickets;
    g.group.met += c.met;
    g.group.breached += c.breached;
    g.group.open += c.open;
    this.addWeek({ week: c.week, met: c.met, breached: c.breached, open: c.open });
  }

  /** The median working time of a group's Outcomes that stopped, as a store's percentile_cont(0.5) gives it. */
  addMedian(m: Pick<OutcomeGroup, 'tier' | 'priority' | 'metric' | 'medianWorkingMs'>): void {
    const g = this.aggregated(m);
    if (g.median) throw new Error(`report: ${m.tier} x ${m.priority} x ${m.metric}: median given twice`);
    g.median = true;
    g.group.medianWorkingMs = m.medianWorkingMs;
  }

  private aggregated(k: Pick<OutcomeGroup, 'tier' | 'priority' | 'metric'>) {
    const key = `${k.tier}\u0000${k.priority}\u0000${k.metric}`;
    let g = this.outcomeGroups.get(key);
    if (!g) {
      g = { group: { tier: k.tier, priority: k.priority, metric: k.metric, tickets: 0, met: 0, breached: 0, open: 0, medianWorkingMs: null }, times: null, final: false, median: false };
      this.outcomeGroups.set(key, g);
    }
    if (g.times || g.final) throw new Error(`report: ${k.tier} x ${k.priority} x ${k.metric} was given ${g.times ? 'as Outcomes' : 'whole'}; it cannot take aggregates too`);
    return g;
  }

  addWeek(w: WeekGroup): void {
    const c = this.weekGroups.get(w.week);
    if (!c) this.weekGroups.set(w.week, { met: w.met, breached: w.breached, open: w.open });
    else {
      c.met += w.met;
      c.breached += w.breached;
      c.open += w.open;
    }
  }

  addWorst(w: WorstOutcome): void {
    const list = this.worstList;
    if (list.length === this.worstCount && worseFirst(w, list[list.length - 1]) >= 0) return;
    list.push({ ...w });
    list.sort(worseFirst);
    if (list.length > this.worstCount) list.pop();
  }

  /** The Outcomes' report: rows by tier x priority x metric, the trend by ISO week (UTC), the worst. */
  outcomeReport(): OutcomeReport {
    const rows: ReportRow[] = [...this.outcomeGroups.values()]
      .map(({ group, times }) => ({
        tier: group.tier,
        priority: group.priority,
        metric: group.metric,
        tickets: group.tickets,
        met: group.met,
        breached: group.breached,
        open: group.open,
        metPercent: percent(group),
        medianWorkingMs: times ? median(times) : group.medianWorkingMs,
      }))
      .sort(byKey);
    return { period: { ...this.period }, scope: { ...this.scope }, now: this.now, rows, weeks: this.weeks(), worst: this.worstList.map((w) => ({ ...w })) };
  }

  private weeks(): WeekRow[] {
    const have = [...this.weekGroups.keys()].sort((a, b) => a - b);
    const { from, to } = this.period;
    const first = from !== null ? weekIndex(from) : have[0];
    const last = to !== null ? weekIndex(to - 1) : have[have.length - 1];
    // Every week of the span, so a week without Outcomes shows as one ("no data"), not as a gap.
    const span = first === undefined || last === undefined || last - first + 1 > MAX_FILLED_WEEKS ? have : Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
    return span.map((week) => {
      const c = this.weekGroups.get(week) ?? { met: 0, breached: 0, open: 0 };
      return { week: isoWeek(week), start: week * WEEK_MS - MONDAY_OFFSET_MS, ...c, metPercent: percent(c) };
    });
  }

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
      .sort(byKey);
  }
}

function byKey(a: ReportRow, b: ReportRow): number {
  return a.tier.localeCompare(b.tier) || a.priority.localeCompare(b.priority) || a.metric.localeCompare(b.metric);
}

function percent(c: Counted): number | null {
  return c.met + c.breached ? (100 * c.met) / (c.met + c.breached) : null;
}

const CSV_HEAD = ['tier', 'priority', 'metric', 'tickets', 'met', 'breached', 'open', 'met_percent', 'median_working_ms'];

/** The report's rows as CSV, as `sla evaluate --format csv` writes it: an empty met_percent is "no data", not 0. */
export function reportCsv(rows: readonly ReportRow[]): string {
  const lines = [CSV_HEAD.join(',')];
  for (const r of rows) {
    lines.push([r.tier, r.priority, r.metric, r.tickets, r.met, r.breached, r.open, r.metPercent === null ? '' : r.metPercent.toFixed(1), r.medianWorkingMs ?? ''].map((c) => csvCell(String(c))).join(','));
  }
  return lines.join('\n') + '\n';
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

import { Calendar, WEEKDAYS, WindowsOf, localDayOf, parseWindow, type WeekPattern } from './calendar';
import { mergeMinutes } from './week';
import { Duration, parseDuration } from './duration';
import { own } from './limits';
import type { Problem } from './problem';
import { classify, Classified } from './matrix';
import type { CalendarSpec, Policy, TargetSpec } from './schema';
import { pausesOrStopsOnConditions, tagPart } from './reads';
export { readsConditions, tagPart } from './reads';

export type { Policy } from './schema';


/** A target made ready for evaluation: the duration and the calendar that counts it. */
export type CompiledTarget =
  | { kind: 'working'; ms: number; text: string; calendar: Calendar }
  | { kind: 'days'; days: number; text: string; calendar: Calendar };

/** What stops a Metric's Clock, as a small number so the hot path compares integers. */
export const STOP_REPLY = 0;
export const STOP_SOLVED = 1;
export const STOP_MET = 2;
/** The triage clock stops when the ticket first has a Priority. */
export const STOP_TRIAGE = 3;
/** Cycles: each requester message that no public agent reply has answered yet, until the next one. */
export const STOP_NEXT_REPLY = 4;
/** Cycles: the time between public agent replies while the ticket is open. */
export const STOP_PERIODIC = 5;
/** Cycles: from the ticket's assignment to the Metric's group until its reassignment or solve. */
export const STOP_GROUP = 6;
/** The first time the Metric's stopWhen condition holds. */
export const STOP_CONDITION = 7;

/** A condition made ready: each key with its accepted values in lower case. */
export type CompiledCondition = readonly (readonly [string, ReadonlySet<string>])[];

export interface CompiledMetric {
  readonly id: string;
  /** Its position in `metrics` and in every target row. */
  readonly index: number;
  readonly label: string;
  readonly stop: typeof STOP_REPLY | typeof STOP_SOLVED | typeof STOP_MET | typeof STOP_TRIAGE | typeof STOP_NEXT_REPLY | typeof STOP_PERIODIC | typeof STOP_GROUP | typeof STOP_CONDITION;
  readonly pauseStatuses: readonly string[];
  /** A periodic update's first cycle: from creation, or from the first public agent reply. */
  readonly startsAt?: 'created' | 'first_public_reply';
  /** A group_ownership Metric's group, lower-cased: the host's group id or name. */
  readonly group?: string;
  /** Conditions that pause the Metric while any holds. */
  readonly pauseWhen?: readonly CompiledCondition[];
  readonly stopWhen?: CompiledCondition;
}

/** Targets of one tier x priority (or one category), by metric index; null: no promise. */
export type TargetRow = readonly (CompiledTarget | null)[];

export interface CompiledPolicy {
  readonly policy: Policy;
  readonly calendars: ReadonlyMap<string, Calendar>;
  readonly metricIds: readonly string[];
  readonly metrics: readonly CompiledMetric[];
  /** The targets that apply to a ticket of this tier, priority and category; null when none do. */
  targetRow(tier: string, priority: string, category: string): TargetRow | null;
  target(tier: string, priority: string, metric: string, category: string): CompiledTarget | null;
  readonly defaultTier: string;
  readonly defaultCategory: string;
  /** The policy's triage clock (`triage:`), for a ticket that has no Priority yet; null when it has none. */
  readonly triage: { readonly metric: CompiledMetric; readonly target: CompiledTarget } | null;
  readonly atRiskPercent: number | null;
  readonly atRiskRemainingMs: number | null;
  /** Each tier's badge (tag such as sla_tier_plus), built once and shared by every decision. */
  readonly tierBadges: ReadonlyMap<string, Readonly<{ id: string; label: string; tag: string; fallback: boolean }>>;
  readonly categoryInfo: ReadonlyMap<string, Readonly<{ id: string; label: string; sla: boolean }>>;
  /** The requester's Priority stands unless overridden (classification requester, reclassify: false). */
  readonly priorityLocked: boolean;
  /** Whether any Metric recurs (next reply, periodic update): only then does the walk keep cycles. */
  readonly recurring: boolean;
  /** Whether any Metric pauses or stops on a condition: only then does the walk keep the ticket's states over time. */
  readonly conditional: boolean;
  /** The policy's rules, in order: the first whose conditions hold is the ticket's. */
  readonly rules: readonly CompiledRule[];
  /** Per Metric (by index), its escalation ladder, or null. */
  readonly ladders: readonly (readonly CompiledLevel[] | null)[];
  /** Whether any ladder level raises the Priority. */
  readonly raises: boolean;
  /** The policy's classification, memoised: the same fields always classify the same way. */
  classify(fields: { impact?: string | null; urgency?: string | null; priority?: string | null }): Classified;
}

/** A rule made ready: its conditions with their values in lower case, its effects compiled. */
export interface CompiledRule {
  readonly index: number;
  readonly name: string | null;
  readonly when: CompiledCondition;
  readonly tier: string | null;
  /** By metric index: the rule's own Target (null: no promise), or undefined to keep the row's. */
  readonly targets: readonly (CompiledTarget | null | undefined)[] | null;
  readonly calendar: Calendar | null;
}

/** A ladder level: where it is reached, and what the hosts do there. */
export interface CompiledLevel {
  readonly at: { kind: 'percent'; share: number } | { kind: 'remaining'; ms: number } | { kind: 'breached' } | { kind: 'afterBreach'; ms: number };
  readonly label: string;
  readonly actions: readonly Record<string, unknown>[];
  /** Whether the level raises the Priority (evaluate applies it as the app's own Override). */
  readonly raises: boolean;
}

/** Condition values compare as the hosts write them, letter case and edge spaces aside. */
export const norm = (v: string): string => v.trim().toLowerCase();

export function compileCondition(c: Record<string, string[]>): CompiledCondition {
  return Object.entries(c).map(([key, values]) => [key, new Set(values.map(norm))] as const);
}

function compileLadder(ladder: Policy['metrics'][string]['ladder']): CompiledLevel[] | null {
  if (!ladder?.length) return null;
  return ladder.map((l, i) => {
    const a = l.at;
    const at: CompiledLevel['at'] =
      'percent' in a ? { kind: 'percent', share: a.percent / 100 } : 'remaining' in a ? { kind: 'remaining', ms: workingMs(a.remaining) } : 'breached' in a ? { kind: 'breached' } : { kind: 'afterBreach', ms: workingMs(a.afterBreach) };
    return { at, label: l.label ?? `Level ${i + 1}`, actions: l.actions, raises: l.actions.some((x) => 'raisePriority' in x) };
  });
}

/** A ladder's durations are clock or working time in ms ("1h"); business days are not a threshold. */
function workingMs(d: string | number): number {
  const p = parseDuration(d);
  return p && p.kind === 'working' ? p.ms : 0;
}

export class PolicyError extends Error {
  /** `source`: the file the policy came from, when it came from one. */
  constructor(
    readonly problems: Problem[],
    readonly source?: string,
  ) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n'));
  }
}

const DAY_GROUPS: Record<string, readonly number[]> = {
  daily: [0, 1, 2, 3, 4, 5, 6],
  weekdays: [1, 2, 3, 4, 5],
  weekend: [0, 6],
};

const FULL_DAY = [0, 1440] as const;
const WEEK = [0, 1, 2, 3, 4, 5, 6] as const;

/** A calendar's hours as written: the windows of each date, and the week they follow off its holidays. */
export interface Hours {
  windowsOf: WindowsOf;
  week: WeekPattern;
}

export function hoursOfSpec(spec: CalendarSpec): Hours {
  if (spec === '24x7') return { windowsOf: () => FULL_DAY, week: { weekly: WEEK.map(() => FULL_DAY), special: [] } };
  const weekly: number[][] = [[], [], [], [], [], [], []];
  if (spec.hours === '24x7') weekly.forEach((w) => w.push(...FULL_DAY));
  else {
    for (const [key, windows] of Object.entries(spec.hours)) {
      const days = DAY_GROUPS[key] ?? [WEEKDAYS.indexOf(key as (typeof WEEKDAYS)[number])];
      for (const d of days) for (const w of windows ?? []) weekly[d].push(...parseWindow(w));
    }
  }
  // Sorted and merged once here, so that building a year takes each day's windows as they are.
  for (let d = 0; d < 7; d++) weekly[d] = mergeMinutes(weekly[d]);
  const holidays = new Set(spec.holidays.map((h) => localDayOf(typeof h === 'string' ? h : h.date)));
  const onHoliday = mergeMinutes(spec.holidayHours.flatMap(parseWindow));
  return {
    windowsOf: (day, weekday) => (holidays.has(day) ? onHoliday : weekly[weekday]),
    week: { weekly, special: [...holidays].sort((a, b) => a - b) },
  };
}

/**
 * A coverage union: each date's windows are all of its members', merged. Off the members'
 * holidays that is the same week every week, joined once here rather than on every date.
 */
function unionHours(members: readonly Hours[]): Hours {
  const weekly = WEEK.map((d) => mergeMinutes(members.flatMap((m) => m.week.weekly[d])));
  const special = new Set(members.flatMap((m) => m.week.special));
  return {
    windowsOf: (day, weekday) => (special.has(day) ? mergeMinutes(members.flatMap((m) => m.windowsOf(day, weekday))) : weekly[weekday]),
    week: { weekly, special: [...special].sort((a, b) => a - b) },
  };
}

export function buildCalendar(name: string, spec: CalendarSpec): Calendar {
  const { windowsOf, week } = hoursOfSpec(spec);
  return new Calendar(name, spec === '24x7' ? 'UTC' : spec.zone, windowsOf, week);
}

export const BUILTIN_CALENDARS: Record<string, CalendarSpec> = { '24x7': '24x7' };

export function compilePolicy(policy: Policy): CompiledPolicy {
  const specs = new Map<string, CalendarSpec>([...Object.entries(BUILTIN_CALENDARS), ...Object.entries(policy.calendars)]);
  const calendars = new Map<string, Calendar>();
  const missing: Problem[] = [];
  const calendar = (names: string | string[], path: string): Calendar | undefined => {
    const list = Array.isArray(names) ? names : [names];
    const key = list.join('+');
    const hit = calendars.get(key);
    if (hit) return hit;
    const unknown = list.filter((n) => !specs.has(n));
    if (unknown.length) {
      missing.push({ level: 'error', path, message: `unknown calendar ${unknown.map((u) => `"${u}"`).join(', ')}`, code: 'unknown-calendar' });
      return undefined;
    }
    if (list.length === 1) {
      const c = buildCalendar(key, specs.get(key)!);
      calendars.set(key, c);
      return c;
    }
    // 24x7 reads the same in every zone, so it joins a union in any zone.
    const zoned = list.filter((n) => specs.get(n) !== '24x7');
    const zones = new Set(zoned.map((n) => (specs.get(n) as Exclude<CalendarSpec, '24x7'>).zone));
    if (zones.size > 1) {
      missing.push({ level: 'error', path, message: `calendars ${list.join(', ')} are in different zones (${[...zones].join(', ')}); a coverage union needs one zone`, code: 'mixed-zones' });
      return undefined;
    }
    const { windowsOf, week } = unionHours(list.map((n) => hoursOfSpec(specs.get(n)!)));
    const u = new Calendar(key, zones.size ? [...zones][0] : 'UTC', windowsOf, week);
    calendars.set(key, u);
    return u;
  };

  for (const name of specs.keys()) calendar(name, `calendars.${name}`);
  const defaultTier = policy.defaultTier ?? Object.keys(policy.tiers)[0];
  const defaultCategory = policy.defaultCategory ?? Object.keys(policy.categories)[0];

  type Table = Map<string, CompiledTarget | null>;
  // tier -> priority -> metric: nested maps, so a lookup builds no key string.
  const table = new Map<string, Map<string, Table>>();
  const compileTarget = (spec: TargetSpec, cal: string | string[], path: string): CompiledTarget | null => {
    const written = typeof spec === 'object' ? spec.in : spec;
    const d = parseDuration(written) as Duration;
    const c = calendar(typeof spec === 'object' && spec.calendar ? spec.calendar : cal, `${path}${typeof spec === 'object' && spec.calendar ? '.calendar' : ''}`);
    if (!c || d.kind === 'none' || d.kind === 'agreement') return null;
    return d.kind === 'working' ? { kind: 'working', ms: d.ms, text: d.text, calendar: c } : { kind: 'days', days: d.days, text: d.text, calendar: c };
  };
  const calendarFor = (tierId: string, priority: string): string | string[] =>
    own(policy.coverage, priority) ?? own(policy.tiers, tierId)?.calendar ?? policy.calendar;

  for (const [tierId, tier] of Object.entries(policy.tiers)) {
    for (const [prio, metrics] of Object.entries(tier.targets)) {
      for (const [metricId, spec] of Object.entries(metrics)) {
        if (!table.has(tierId)) table.set(tierId, new Map());
        const byPrio = table.get(tierId)!;
        if (!byPrio.has(prio)) byPrio.set(prio, new Map());
        byPrio.get(prio)!.set(metricId, compileTarget(spec, calendarFor(tierId, prio), `tiers.${tierId}.targets.${prio}.${metricId}`));
      }
    }
  }
  const categoryTargets = new Map<string, Table>();
  for (const [catId, cat] of Object.entries(policy.categories)) {
    if (!cat.targets) continue;
    const t: Table = new Map();
    for (const [metricId, spec] of Object.entries(cat.targets)) {
      t.set(metricId, compileTarget(spec, policy.calendar, `categories.${catId}.targets.${metricId}`));
    }
    categoryTargets.set(catId, t);
  }
  const triageTarget = policy.triage ? compileTarget({ in: policy.triage.in, calendar: policy.triage.calendar }, policy.calendar, 'triage') : null;
  for (const m of policy.maintenance) calendar(m.calendar, 'maintenance.calendar');
  const ruleCalendars = policy.rules.map((r, i) => (r.calendar ? calendar(r.calendar, `rules.${i}.calendar`) : undefined));
  const ruleTables = policy.rules.map((r, i) => {
    if (!r.targets) return undefined;
    const t: Table = new Map();
    for (const [metricId, spec] of Object.entries(r.targets)) t.set(metricId, compileTarget(spec, r.calendar ?? policy.calendar, `rules.${i}.targets.${metricId}`));
    return t;
  });
  for (const [prio, list] of Object.entries(policy.coverage)) calendar(list, `coverage.${prio}`);
  if (missing.length) throw new PolicyError(missing);

  const metricIds = Object.keys(policy.metrics);
  const ladders = metricIds.map((id) => compileLadder(policy.metrics[id].ladder));
  const toRow = (t: Table | undefined): TargetRow | null => (t ? metricIds.map((m) => t.get(m) ?? null) : null);
  const rows = new Map<string, Map<string, TargetRow | null>>();
  for (const [tierId, byPrio] of table) rows.set(tierId, new Map([...byPrio].map(([prio, t]) => [prio, toRow(t)])));
  const categoryRows = new Map<string, TargetRow | null>();
  for (const [catId, cat] of Object.entries(policy.categories)) {
    if (!cat.sla) categoryRows.set(catId, null);
    else if (categoryTargets.has(catId)) categoryRows.set(catId, toRow(categoryTargets.get(catId)));
  }
  const targetRow = (tier: string, priority: string, category: string): TargetRow | null => {
    const byCategory = categoryRows.get(category);
    if (byCategory !== undefined) return byCategory;
    return rows.get(tier)?.get(priority) ?? null;
  };
  const rules: CompiledRule[] = policy.rules.map((r, index) => ({
    index,
    name: r.name ?? null,
    when: compileCondition(r.when),
    tier: r.tier ?? null,
    targets: ruleTables[index] ? metricIds.map((m) => (ruleTables[index]!.has(m) ? ruleTables[index]!.get(m)! : undefined)) : null,
    calendar: ruleCalendars[index] ?? null,
  }));
  const stops = { first_public_reply: STOP_REPLY, solved: STOP_SOLVED, met_event: STOP_MET, next_public_reply: STOP_NEXT_REPLY, periodic_update: STOP_PERIODIC, group_ownership: STOP_GROUP, condition: STOP_CONDITION } as const;

  const atRisk = policy.clock.atRisk;
  const remaining = 'remaining' in atRisk ? parseDuration(atRisk.remaining) : null;
  return {
    policy,
    calendars,
    metricIds,
    metrics: metricIds.map((id, index) => ({
      id,
      index,
      label: policy.metrics[id].label,
      stop: stops[policy.metrics[id].stopsAt],
      pauseStatuses: policy.metrics[id].pauseStatuses ?? policy.clock.pauseStatuses,
      ...(policy.metrics[id].stopsAt === 'periodic_update' ? { startsAt: policy.metrics[id].startsAt ?? 'created' } : {}),
      ...(policy.metrics[id].group !== undefined ? { group: policy.metrics[id].group!.toLowerCase() } : {}),
      ...((policy.metrics[id].pauseWhen ?? policy.clock.pauseWhen).length ? { pauseWhen: (policy.metrics[id].pauseWhen ?? policy.clock.pauseWhen).map(compileCondition) } : {}),
      ...(policy.metrics[id].stopWhen ? { stopWhen: compileCondition(policy.metrics[id].stopWhen!) } : {}),
    })),
    targetRow,
    defaultTier,
    defaultCategory,
    triage:
      policy.triage && triageTarget
        ? { metric: { id: 'triage', index: -1, label: policy.triage.label, stop: STOP_TRIAGE, pauseStatuses: policy.clock.pauseStatuses }, target: triageTarget }
        : null,
    atRiskPercent: 'percentElapsed' in atRisk ? atRisk.percentElapsed : null,
    atRiskRemainingMs: remaining?.kind === 'working' ? remaining.ms : null,
    tierBadges: new Map(
      Object.entries(policy.tiers).map(([t, def]) => [t, Object.freeze({ id: t, label: def.label, tag: `sla_tier_${tagPart(t)}`, fallback: false })]),
    ),
    categoryInfo: new Map(Object.entries(policy.categories).map(([c, def]) => [c, Object.freeze({ id: c, label: def.label, sla: def.sla })])),
    classify: memoClassify(policy),
    priorityLocked: policy.classification.method === 'requester' && !policy.classification.reclassify,
    recurring: Object.values(policy.metrics).some((m) => m.stopsAt === 'next_public_reply' || m.stopsAt === 'periodic_update' || m.stopsAt === 'group_ownership'),
    rules,
    conditional: pausesOrStopsOnConditions(policy),
    ladders,
    raises: ladders.some((l) => l?.some((x) => x.raises) ?? false),
    target(tier, priority, metric, category) {
      const i = metricIds.indexOf(metric);
      return i < 0 ? null : (targetRow(tier, priority, category)?.[i] ?? null);
    },
  };
}

const compiled = new WeakMap<Policy, CompiledPolicy>();

/** Compiles once per policy object: evaluation is then free of parsing and calendar set-up. */
export function getCompiled(policy: Policy): CompiledPolicy {
  let c = compiled.get(policy);
  if (!c) {
    c = compilePolicy(policy);
    compiled.set(policy, c);
  }
  return c;
}

function memoClassify(policy: Policy): CompiledPolicy['classify'] {
  const memo = new Map<string | null, Map<string | null, Classified>>();
  const byMatrix = policy.classification.method === 'matrix';
  return (fields) => {
    const a = (byMatrix ? fields.impact : fields.priority) ?? null;
    const b = byMatrix ? (fields.urgency ?? null) : null;
    let row = memo.get(a);
    if (!row) memo.set(a, (row = new Map()));
    let c = row.get(b);
    if (!c) {
      c = classify(policy, fields);
      // Bounded: a policy has few levels, but a host could send any text.
      if (row.size < 64 && memo.size < 64) row.set(b, Object.freeze(c) as Classified);
    }
    return c;
  };
}

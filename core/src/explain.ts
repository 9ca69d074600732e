import { evaluateWithTrace, type ClockTrace, type CycleTrace, type Decision, type MetricDecision } from './evaluate';
import { own } from './limits';
import { getCompiled, type Policy } from './policy';
import type { CalendarSpec } from './schema';
import type { Timeline } from './timeline';
import { calendarInfo, formatInstantIn, formatSpan, priorityReason, zoneName, type CalendarInfo, type Locale } from './view';

/**
 * "Why this due time?": the walk from a metric's start to its due, span by span, built from the
 * same clock the evaluation used (its start, its pauses, its Target on its Calendar). The counted
 * spans add up to the Target, so an agent can check the sum by hand.
 */
export interface ExplainedSpan {
  /** counted: working time that counts; paused: working time skipped by a pause; closed: the calendar is closed. */
  kind: 'counted' | 'paused' | 'closed';
  from: number;
  to: number;
  /** Working ms: counted (kind counted) or skipped (kind paused); 0 for closed. */
  ms: number;
  /** closed: "weekend", "holiday", "outside hours"; paused: the status that paused it ("pending"), or "solved" until reopened. */
  why?: string;
  /** The holidays a closed span covers, by name (or date when unnamed). */
  holidays?: string[];
}

export interface PriorityStep {
  at: number;
  id: string | null;
  label: string | null;
  /** Set when an Override made this change. */
  override?: { by: string; reason: string };
}

export interface MetricExplanation {
  metric: string;
  label: string;
  state: MetricDecision['state'];
  /** Why there is no clock, when there is none. */
  note?: string;
  target: string | null;
  /** The Target in working ms; null for business days ("2d"), which count whole days, not hours. */
  targetMs: number | null;
  calendar: CalendarInfo | null;
  /** True when the Priority's coverage calendars replaced the tier's calendar. */
  coverage: boolean;
  start: number | null;
  /** Later than the ticket's creation: the clock restarted (reopened, or a Priority change under `restart`). */
  restarted: boolean;
  due: number | null;
  stop: number | null;
  spans: ExplainedSpan[];
  /** Spans left out of `spans` to keep it readable (still counted in countedMs). */
  omitted: number;
  countedMs: number;
  pausedMs: number;
  /** A recurring Metric's cycles, oldest first (the spans above are the last cycle's); capped. */
  cycles?: CycleTrace[];
  /** Cycles left out of `cycles` (the middle ones), still counted in the decision. */
  cyclesOmitted?: number;
}

const MAX_CYCLES = 20;

export interface Explanation {
  ticketId: string;
  now: number;
  priority: { id: string | null; label: string | null; reason: string; reasonFr: string };
  priorities: PriorityStep[];
  metrics: MetricExplanation[];
  /** The rule that chose the tier, Targets or Calendar (rules:), when one matched. */
  rule?: { index: number; name: string | null; tier: string | null; targets: boolean; calendar: string | null };
}

const MAX_SPANS = 200;

/** Explains every metric of a ticket (and its triage clock), or only `metricId`. */
export function explain(policy: Policy, timeline: Timeline, now: number | string, metricId?: string): Explanation {
  const { decision, clocks } = evaluateWithTrace(policy, timeline, now);
  // A ticket that had its Priority when created never waited for triage: nothing to explain there.
  const t = decision.triage;
  const all = t && !(metricId === undefined && t.stoppedAt !== null && t.stoppedAt === t.start) ? [t, ...decision.metrics] : decision.metrics;
  const chosen = metricId === undefined ? all : all.filter((m) => m.metric === metricId);
  if (metricId !== undefined && !chosen.length) {
    throw new Error(`unknown metric "${metricId}" (known: ${all.map((m) => m.metric).join(', ')})`);
  }
  const anyTrace = [...clocks.values()][0];
  return {
    ticketId: decision.ticketId,
    now: decision.now,
    priority: { id: decision.priority.id, label: decision.priority.label, reason: priorityReason(decision, 'en', policy), reasonFr: priorityReason(decision, 'fr', policy) },
    priorities: anyTrace ? prioritySteps(policy, timeline, anyTrace) : [],
    ...(decision.rule ? { rule: ruleOf(policy, decision.rule.index) } : {}),
    metrics: chosen.map((m) => explainMetric(policy, decision, m, clocks.get(m.metric), Date.parse(timeline.createdAt), statusAt(policy, timeline))),
  };
}

function ruleOf(policy: Policy, index: number): NonNullable<Explanation['rule']> {
  const r = policy.rules[index];
  const cal = r.calendar === undefined ? null : Array.isArray(r.calendar) ? r.calendar.join(' + ') : r.calendar;
  return { index, name: r.name ?? null, tier: r.tier ?? null, targets: r.targets !== undefined, calendar: cal };
}

function prioritySteps(policy: Policy, timeline: Timeline, trace: ClockTrace): PriorityStep[] {
  const overrides = timeline.events.filter((e) => e.type === 'override');
  return trace.priorities.map((p) => {
    const o = overrides.find((e) => Date.parse(e.at) === p.t && e.to === p.id);
    return {
      at: p.t,
      id: p.id,
      label: p.id ? (own(policy.priorities, p.id)?.label ?? p.id) : null,
      ...(o && o.type === 'override' ? { override: { by: o.by, reason: o.reason } } : {}),
    };
  });
}

/**
 * The ticket's status at an instant, as its timeline says: what a pause is named after. A solved
 * status reads "solved" (the clock waits for a reopening).
 */
function statusAt(policy: Policy, timeline: Timeline): (t: number) => string {
  const changes = timeline.events.filter((e) => e.type === 'field' && e.field === 'status').map((e) => ({ t: Date.parse(e.at), value: (e as { value: string | null }).value }));
  changes.sort((a, b) => a.t - b.t);
  return (t) => {
    let status = timeline.fields.status ?? null;
    for (const c of changes) {
      if (c.t > t) break;
      status = c.value;
    }
    if (status !== null && policy.clock.solvedStatuses.includes(status)) return 'solved';
    return status ?? 'paused';
  };
}

function explainMetric(policy: Policy, d: Decision, m: MetricDecision, trace: ClockTrace | undefined, created: number, status: (t: number) => string): MetricExplanation {
  const base = { metric: m.metric, label: m.label, state: m.state, target: m.target };
  if (!trace || m.due === null || m.start === null || m.calendar === null) {
    return { ...base, note: m.note, targetMs: null, calendar: null, coverage: false, start: null, restarted: false, due: null, stop: m.stoppedAt, spans: [], omitted: 0, countedMs: 0, pausedMs: 0 };
  }
  const cal = trace.target.calendar;
  const spans = walk(policy, cal.id, trace, m.start, m.due, status);
  let countedMs = 0;
  let pausedMs = 0;
  for (const s of spans) {
    if (s.kind === 'counted') countedMs += s.ms;
    else if (s.kind === 'paused') pausedMs += s.ms;
  }
  const priority = d.priority.id;
  return {
    ...base,
    targetMs: trace.target.kind === 'working' ? trace.target.ms : null,
    calendar: calendarInfo(policy, cal.id),
    coverage: priority !== null && own(policy.coverage, priority) !== undefined && m.metric !== 'triage',
    start: m.start,
    restarted: m.start > created,
    due: m.due,
    stop: m.stoppedAt,
    spans: spans.length > MAX_SPANS ? [...spans.slice(0, MAX_SPANS / 2), ...spans.slice(-MAX_SPANS / 2)] : spans,
    omitted: Math.max(0, spans.length - MAX_SPANS),
    countedMs,
    pausedMs,
    ...cyclesOf(trace),
  };
}

function cyclesOf(trace: ClockTrace): Pick<MetricExplanation, 'cycles' | 'cyclesOmitted'> {
  const all = trace.cycles;
  if (!all) return {};
  if (all.length <= MAX_CYCLES) return { cycles: all, cyclesOmitted: 0 };
  return { cycles: [...all.slice(0, MAX_CYCLES / 2), ...all.slice(-MAX_CYCLES / 2)], cyclesOmitted: all.length - MAX_CYCLES };
}

/** [start, due) cut into counted, paused and closed spans, in time order, touching end to end. */
function walk(policy: Policy, calId: string, trace: ClockTrace, start: number, due: number, status: (t: number) => string): ExplainedSpan[] {
  const cal = getCompiled(policy).calendars.get(calId)!;
  const out: ExplainedSpan[] = [];
  const push = (s: ExplainedSpan) => {
    const last = out[out.length - 1];
    // Two closed spans in a row (a weekend after a night) read better as one.
    if (last && last.kind === s.kind && last.to === s.from && (s.kind === 'closed' || last.why === s.why)) {
      last.to = s.to;
      last.ms += s.ms;
      if (s.kind === 'closed') Object.assign(last, closedWhy(policy, calId, cal.zone, last.from, last.to));
    } else out.push(s);
  };
  const pauses = trace.pauses;
  let t = start;
  // Each pass moves t to the end of a working interval, a pause edge or the next opening.
  while (t < due) {
    const iv = cal.intervalAt(t);
    if (!iv) {
      const to = Math.min(cal.nextOpen(t), due);
      push({ kind: 'closed', from: t, to, ms: 0, ...closedWhy(policy, calId, cal.zone, t, to) });
      t = to;
      continue;
    }
    const to = Math.min(iv.end, due);
    const p = pauseAt(pauses, t);
    if (p >= 0) {
      const e = Math.min(to, pauses[p + 1]);
      push({ kind: 'paused', from: t, to: e, ms: e - t, why: status(pauses[p]) });
      t = e;
    } else {
      const next = nextPauseStart(pauses, t);
      const e = Math.min(to, next);
      push({ kind: 'counted', from: t, to: e, ms: e - t });
      t = e;
    }
  }
  return out;
}

function pauseAt(pauses: readonly number[], t: number): number {
  for (let i = 0; i < pauses.length; i += 2) if (pauses[i] <= t && t < pauses[i + 1]) return i;
  return -1;
}

function nextPauseStart(pauses: readonly number[], t: number): number {
  for (let i = 0; i < pauses.length; i += 2) if (pauses[i] > t) return pauses[i];
  return Infinity;
}

const DAY = 86_400_000;

function localDate(t: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

/** Why a calendar is closed over [from, to): the holidays it covers, else a weekend day, else outside hours. */
function closedWhy(policy: Policy, calId: string, zone: string, from: number, to: number): Pick<ExplainedSpan, 'why' | 'holidays'> {
  const specs = calId.split('+').map((c) => own(policy.calendars, c)).filter((s): s is Exclude<CalendarSpec, '24x7'> => !!s && s !== '24x7');
  const holidays: string[] = [];
  let weekend = false;
  const first = localDate(from, zone);
  const last = localDate(to - 1, zone);
  // Dates as UTC midnights only to step through them; 400 days bounds a long closure.
  for (let day = Date.parse(`${first}T00:00:00Z`), n = 0; n < 400; day += DAY, n++) {
    const date = new Date(day).toISOString().slice(0, 10);
    if (date > last) break;
    const weekday = new Date(day).getUTCDay();
    for (const s of specs) {
      const h = s.holidays.find((x) => (typeof x === 'string' ? x : x.date) === date);
      if (h) {
        const name = typeof h === 'string' ? h : (h.name ?? h.date);
        if (!holidays.includes(name)) holidays.push(name);
      } else if (s.hours !== '24x7' && !hoursOn(s.hours, weekday)) weekend = true;
    }
  }
  if (holidays.length) return { why: 'holiday', holidays };
  return { why: weekend ? 'weekend' : 'outside hours' };
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function hoursOn(hours: Partial<Record<string, string[]>>, weekday: number): boolean {
  const day = DAYS[weekday];
  const keys = [day, 'daily', weekday === 0 || weekday === 6 ? 'weekend' : 'weekdays'];
  return keys.some((k) => (hours[k]?.length ?? 0) > 0);
}

const WORDS = {
  en: {
    heading: (label: string) => `Why this due time? ${label}`,
    noClock: (label: string, note: string) => `${label}: no clock (${note})`,
    target: (t: string, cal: string, business: boolean) => `Target ${t}${business ? ' of business time' : ''}, counted on ${cal}.`,
    targetDays: (t: string, cal: string) => `Target ${t}: business days on ${cal}.`,
    spansIn: (zone: string) => `Span by span, in ${zone} time:`,
    days: (n: string) => `${n} counts whole business days: the same time of day, that many working days later.`,
    coverage: 'The Priority’s coverage calendars replace the tier’s calendar.',
    priority: (label: string, reason: string) => `Priority ${label}: ${reason}.`,
    change: (at: string, from: string, to: string) => `Priority ${from} → ${to} at ${at}.`,
    overrideBy: (by: string, reason: string) => ` Override by ${by}: ${reason}.`,
    start: (at: string) => `The clock started at ${at}.`,
    restarted: (at: string) => `The clock restarted at ${at} (reopened, or the Priority changed and the policy restarts it).`,
    counted: (a: string, b: string, d: string) => `${a} – ${b}: ${d} counted`,
    paused: (a: string, b: string, d: string, why: string) => `${a} – ${b}: paused (${why}), ${d} not counted`,
    closed: (a: string, b: string, why: string) => `${a} – ${b}: not counted (${why})`,
    why: { weekend: 'weekend', holiday: 'holiday', 'outside hours': 'outside working hours' } as Record<string, string>,
    omitted: (n: number) => `… ${n} more spans …`,
    total: (c: string, t: string) => `Counted ${c} = the Target ${t}.`,
    due: (at: string) => `Due ${at}.`,
    stopped: (at: string, met: boolean) => `Stopped at ${at}: ${met ? 'met' : 'missed'}.`,
    cycle: (n: number, from: string, to: string | null, state: string, due: string | null) => `Cycle ${n}: ${from} → ${to ?? 'open'}, ${state}${due ? ` (due ${due})` : ''}`,
    cyclesOmitted: (n: number) => `… ${n} more cycles …`,
    lastCycle: (n: number) => `Cycle ${n}, span by span:`,
    states: { met: 'met', breached: 'breached', running: 'on track', at_risk: 'at risk', paused: 'paused', not_applicable: 'no target' } as Record<string, string>,
    rule: (n: number, name: string | null, what: string[]) => `Rule ${n}${name ? ` (${name})` : ''} matched: ${what.join(', ')}.`,
    ruleTier: (t: string) => `tier ${t}`,
    ruleTargets: 'its own Targets',
    ruleCalendar: (c: string) => `the calendar ${c}`,
  },
  fr: {
    heading: (label: string) => `Pourquoi cette échéance ? ${label}`,
    noClock: (label: string, note: string) => `${label} : pas de chrono (${note})`,
    target: (t: string, cal: string, business: boolean) => `Cible ${t}${business ? ' en heures ouvrées' : ''}, comptée sur ${cal}.`,
    targetDays: (t: string, cal: string) => `Cible ${t} : jours ouvrés sur ${cal}.`,
    spansIn: (zone: string) => `Période par période, heure de ${zone} :`,
    days: (n: string) => `${n} compte des jours ouvrés entiers : la même heure, autant de jours ouvrés plus tard.`,
    coverage: 'Les calendriers de couverture de la priorité remplacent celui du niveau.',
    priority: (label: string, reason: string) => `Priorité ${label} : ${reason}.`,
    change: (at: string, from: string, to: string) => `Priorité ${from} → ${to} le ${at}.`,
    overrideBy: (by: string, reason: string) => ` Modifiée par ${by} : ${reason}.`,
    start: (at: string) => `Le chrono a démarré le ${at}.`,
    restarted: (at: string) => `Le chrono a redémarré le ${at} (réouverture, ou changement de priorité que la politique fait redémarrer).`,
    counted: (a: string, b: string, d: string) => `${a} – ${b} : ${d} comptées`,
    paused: (a: string, b: string, d: string, why: string) => `${a} – ${b} : en pause (${why}), ${d} non comptées`,
    closed: (a: string, b: string, why: string) => `${a} – ${b} : non compté (${why})`,
    why: { weekend: 'fin de semaine', holiday: 'jour férié', 'outside hours': 'hors des heures ouvrées' } as Record<string, string>,
    omitted: (n: number) => `… ${n} autres périodes …`,
    total: (c: string, t: string) => `Compté ${c} = la cible ${t}.`,
    due: (at: string) => `Échéance ${at}.`,
    stopped: (at: string, met: boolean) => `Arrêté le ${at} : ${met ? 'respecté' : 'manqué'}.`,
    cycle: (n: number, from: string, to: string | null, state: string, due: string | null) => `Cycle ${n} : ${from} → ${to ?? 'en cours'}, ${state}${due ? ` (échéance ${due})` : ''}`,
    cyclesOmitted: (n: number) => `… ${n} autres cycles …`,
    lastCycle: (n: number) => `Cycle ${n}, période par période :`,
    states: { met: 'respecté', breached: 'dépassé', running: 'dans les temps', at_risk: 'à risque', paused: 'en pause', not_applicable: 'sans cible' } as Record<string, string>,
    rule: (n: number, name: string | null, what: string[]) => `Règle ${n}${name ? ` (${name})` : ''} appliquée : ${what.join(', ')}.`,
    ruleTier: (t: string) => `niveau ${t}`,
    ruleTargets: 'ses propres cibles',
    ruleCalendar: (c: string) => `le calendrier ${c}`,
  },
};

function spanTime(t: number, locale: Locale, zone: string): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

function clockTime(t: number, locale: Locale, zone: string): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

/**
 * The explanation as lines for people: spans in the calendar's zone (where its hours are kept),
 * the start and due also in the agent's `zone`.
 */
export function explanationLines(e: Explanation, m: MetricExplanation, locale: Locale, zone = 'UTC'): string[] {
  const w = WORDS[locale];
  if (!m.calendar || m.due === null || m.start === null) return [w.noClock(m.label, m.note ?? '')];
  const calZone = m.calendar.zone;
  const at = (t: number) => formatInstantIn(t, locale, zone);
  const here = (t: number) => spanTime(t, locale, calZone);
  // The end of a span on the same day shows only its time.
  const until = (a: number, b: number) => (localDate(a, calZone) === localDate(b, calZone) ? clockTime(b, locale, calZone) : here(b));
  const lines: string[] = [];
  if (m.targetMs === null && m.target) lines.push(w.targetDays(m.target, m.calendar.label), w.days(m.target));
  else lines.push(w.target(m.target ?? '', m.calendar.label, m.calendar.business));
  if (m.coverage) lines.push(w.coverage);
  if (e.rule && m.metric !== 'triage') {
    const r = e.rule;
    const what = [...(r.tier ? [w.ruleTier(r.tier)] : []), ...(r.targets ? [w.ruleTargets] : []), ...(r.calendar ? [w.ruleCalendar(r.calendar)] : [])];
    lines.push(w.rule(r.index + 1, r.name, what));
  }
  if (m.metric !== 'triage' && e.priority.id) lines.push(w.priority(e.priority.label ?? e.priority.id, locale === 'fr' ? e.priority.reasonFr : e.priority.reason));
  for (let i = 1; i < e.priorities.length; i++) {
    const p = e.priorities[i];
    const prev = e.priorities[i - 1];
    let line = w.change(at(p.at), prev.label ?? '—', p.label ?? '—');
    if (p.override) line += w.overrideBy(p.override.by, p.override.reason);
    lines.push(line);
  }
  if (m.cycles) {
    const total = m.cycles.length + (m.cyclesOmitted ?? 0);
    m.cycles.forEach((c, i) => {
      if (m.cyclesOmitted && i === m.cycles!.length / 2) lines.push(w.cyclesOmitted(m.cyclesOmitted));
      const n = i < m.cycles!.length / 2 || !m.cyclesOmitted ? i + 1 : total - (m.cycles!.length - i) + 1;
      lines.push(w.cycle(n, at(c.start), c.stop === null ? null : at(c.stop), w.states[c.state] ?? c.state, c.due === null ? null : at(c.due)));
    });
    lines.push(w.lastCycle(total));
  }
  lines.push(m.restarted && !m.cycles ? w.restarted(at(m.start)) : w.start(at(m.start)));
  lines.push(w.spansIn(zoneName(calZone)));
  const half = m.omitted ? m.spans.length / 2 : -1;
  m.spans.forEach((s, i) => {
    if (i === half) lines.push(w.omitted(m.omitted));
    if (s.kind === 'counted') lines.push(w.counted(here(s.from), until(s.from, s.to), formatSpan(s.ms, locale)));
    else if (s.kind === 'paused') lines.push(w.paused(here(s.from), until(s.from, s.to), formatSpan(s.ms, locale), s.why ?? ''));
    else lines.push(w.closed(here(s.from), until(s.from, s.to), s.holidays?.length ? `${w.why.holiday}: ${s.holidays.join(', ')}` : (w.why[s.why ?? ''] ?? s.why ?? '')));
  });
  if (m.targetMs !== null) lines.push(w.total(formatSpan(m.countedMs, locale), m.target ?? ''));
  lines.push(w.due(at(m.due)));
  if (m.stop !== null) lines.push(w.stopped(at(m.stop), m.stop <= m.due));
  return lines;
}

/** The whole explanation as text, as `sla explain` prints it. */
export function explanationText(e: Explanation, locale: Locale = 'en', zone = 'UTC'): string {
  const w = WORDS[locale];
  return e.metrics.map((m) => [w.heading(m.label), ...explanationLines(e, m, locale, zone).map((l) => `  ${l}`)].join('\n')).join('\n\n');
}

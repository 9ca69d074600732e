import { evaluate, type Decision, type MetricDecision, type MetricState } from './evaluate';
import type { Timeline } from './timeline';
import { own } from './limits';
import { getCompiled, type Policy } from './policy';
import type { CalendarSpec } from './schema';

/**
 * What agents see, computed once for both hosts so that the Zendesk sidebar and the Jira panel
 * show the same words and colours. Tones follow Zendesk Garden's palette names.
 */
export type Tone = 'success' | 'warning' | 'danger' | 'neutral' | 'info';
export type Locale = 'en' | 'fr';

export interface MetricView {
  metric: string;
  label: string;
  state: MetricState;
  stateLabel: string;
  tone: Tone;
  /** The countdown: "3h 20m business time left", "Paused · 40m 00s left", "Met at Fri 20 Nov, 09:40 Toronto". */
  text: string;
  /** The calendar that counts it: "KIWI business hours, Toronto", "24/7"; null when there is no clock. */
  clockText: string | null;
  /** Outside working hours, when the countdown moves again: "resumes Mon 08:30 Toronto". */
  resumesText: string | null;
  /** text, clockText and resumesText in one line, for places with room for one line. */
  line: string;
  /** The due instant in the agent's zone, the zone named; null when paused, met or without a Target. */
  dueText: string | null;
  /** True when the countdown counts working hours of a calendar, not clock time. */
  businessTime: boolean;
  /** The clock has stopped (met, or missed and then done): history, not a countdown. */
  stopped: boolean;
  /** A recurring Metric's cycles so far: "3 of 4 met" (the open one counts once it ends). */
  cyclesText?: string;
  /** An escalation ladder's place: "Level 2 of 4: Tell the lead · level 3 at Tue 3 Mar, 10:00 Toronto". */
  levelText?: string;
}

export interface TicketView {
  priority: { label: string; reason: string; overridden: boolean };
  tier: { label: string; tag: string; fallback: boolean };
  /** "KIWI STAGE+ · Plus": the policy and the tier, kept apart. Empty without the policy. */
  context: string;
  /** The rule that chose the tier, Targets or Calendar: "Rule 1: VIP organizations"; null when none did. */
  ruleText: string | null;
  metrics: MetricView[];
  maintenance: { label: string; text: string }[];
  warnings: string[];
  /** The most urgent tone among the metrics, for a glance or a list icon. */
  tone: Tone;
}

const TONE: Record<MetricState, Tone> = {
  running: 'success',
  at_risk: 'warning',
  breached: 'danger',
  paused: 'neutral',
  met: 'info',
  not_applicable: 'neutral',
};

const WORDS = {
  en: {
    state: { running: 'On track', at_risk: 'At risk', breached: 'Breached', paused: 'Paused', met: 'Met', not_applicable: 'No SLA' },
    left: (d: string, business: boolean) => `${d} ${business ? 'business time ' : ''}left`,
    atRisk: (d: string, business: boolean) => `${d} ${business ? 'business time ' : ''}left · at risk`,
    paused: (d: string, business: boolean) => `Paused · ${d} ${business ? 'business time ' : ''}left`,
    breachedAgo: (d: string, business: boolean) => `Breached ${d} ${business ? 'business time ' : ''}ago`,
    missedBy: (d: string, business: boolean) => `Missed by ${d}${business ? ' business time' : ''}`,
    metAt: (t: string) => `Met at ${t}`,
    met: 'Met',
    noSla: 'No SLA',
    noPriority: 'No priority yet',
    nothingOwed: 'Nothing owed now',
    cycles: (met: number, count: number) => `${met} of ${count} met`,
    level: (n: number, of: number, label: string) => `Level ${n} of ${of}: ${label}`,
    nextLevel: (n: number, of: number, t: string) => `level ${n} of ${of} at ${t}`,
    rule: (n: number, name: string | null) => `Rule ${n}${name ? `: ${name}` : ''}`,
    resumes: (t: string) => `resumes ${t}`,
    allHours: '24/7',
    maintenance: (t: string) => `Maintenance window until ${t}`,
    fillIn: (f: string[]) => `Fill in ${f.join(' and ')}`,
    field: { impact: 'Impact', urgency: 'Urgency', priority: 'Priority' } as Record<string, string>,
    overrideBy: (by: string, from: string, to: string, reason: string) => `Override by ${by}: ${from} → ${to} (${reason})`,
    notInMatrix: (i: string, u: string) => `${i} × ${u} is not in the matrix`,
    due: 'Due',
    h: 'h',
    m: 'm',
    s: 's',
    sep: '',
  },
  fr: {
    state: { running: 'Dans les temps', at_risk: 'À risque', breached: 'Dépassé', paused: 'En pause', met: 'Respecté', not_applicable: 'Sans SLA' },
    left: (d: string, business: boolean) => `${d} restantes${business ? ' en heures ouvrées' : ''}`,
    atRisk: (d: string, business: boolean) => `${d} restantes${business ? ' en heures ouvrées' : ''} · à risque`,
    paused: (d: string, business: boolean) => `En pause · ${d} restantes${business ? ' en heures ouvrées' : ''}`,
    breachedAgo: (d: string, business: boolean) => `Dépassé depuis ${d}${business ? ' ouvrées' : ''}`,
    missedBy: (d: string, business: boolean) => `Manqué de ${d}${business ? ' ouvrées' : ''}`,
    metAt: (t: string) => `Respecté le ${t}`,
    met: 'Respecté',
    noSla: 'Sans SLA',
    noPriority: 'Pas encore de priorité',
    nothingOwed: 'Rien de dû pour l’instant',
    cycles: (met: number, count: number) => `${met} sur ${count} respectés`,
    level: (n: number, of: number, label: string) => `Niveau ${n} sur ${of} : ${label}`,
    nextLevel: (n: number, of: number, t: string) => `niveau ${n} sur ${of} le ${t}`,
    rule: (n: number, name: string | null) => `Règle ${n}${name ? ` : ${name}` : ''}`,
    resumes: (t: string) => `reprend ${t}`,
    allHours: '24 h/24, 7 j/7',
    maintenance: (t: string) => `Fenêtre de maintenance jusqu’à ${t}`,
    fillIn: (f: string[]) => `Renseignez ${f.join(' et ')}`,
    field: { impact: 'l’impact', urgency: 'l’urgence', priority: 'la priorité' } as Record<string, string>,
    overrideBy: (by: string, from: string, to: string, reason: string) => `Modifiée par ${by} : ${from} → ${to} (${reason})`,
    notInMatrix: (i: string, u: string) => `${i} × ${u} n’est pas dans la matrice`,
    due: 'Échéance',
    h: 'h',
    m: 'min',
    s: 's',
    sep: ' ',
  },
};

export function localeOf(tag: string | undefined): Locale {
  return tag?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** A working-time span as the countdown shows it: hours and minutes, or minutes and seconds. */
export function formatSpan(ms: number, locale: Locale): string {
  const w = WORDS[locale];
  let s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}${w.sep}${w.h} ${pad(m)}${w.sep}${w.m}` : `${m}${w.sep}${w.m} ${pad(s)}${w.sep}${w.s}`;
}

/** The place a zone is named after: "America/St_Johns" is "St Johns"; UTC stays UTC. */
export function zoneName(zone: string): string {
  const last = zone.split('/').pop() ?? zone;
  return last.replace(/_/g, ' ');
}

function formatInstant(t: number, locale: Locale, zone: string, withDate = true): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-GB', {
    timeZone: zone,
    weekday: 'short',
    ...(withDate ? { day: 'numeric', month: 'short' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(t);
}

/** An instant for people who may be elsewhere: in `zone`, and the zone named ("Fri 20 Nov, 10:00 Toronto"). */
export function formatInstantIn(t: number, locale: Locale, zone: string): string {
  return `${formatInstant(t, locale, zone)} ${zoneName(zone)}`;
}

export interface CalendarInfo {
  id: string;
  /** "KIWI business hours, Toronto"; "24/7" for a calendar that never closes. */
  label: string;
  zone: string;
  /** False for a calendar open around the clock, whose time is clock time. */
  business: boolean;
}

function isAllHours(spec: CalendarSpec | undefined): boolean {
  return spec === '24x7' || (spec !== undefined && spec.hours === '24x7' && spec.holidays.length === 0 && !spec.holidaysFrom);
}

/** How a calendar (or a coverage union "a+b") is named to agents. */
export function calendarInfo(policy: Policy, id: string, locale: Locale = 'en'): CalendarInfo {
  const cal = getCompiled(policy).calendars.get(id);
  const parts = id.split('+');
  const specs = parts.map((p) => (p === '24x7' ? ('24x7' as const) : own(policy.calendars, p)));
  const zone = cal?.zone ?? 'UTC';
  if (specs.some(isAllHours)) return { id, label: WORDS[locale].allHours, zone, business: false };
  const names = parts.map((p, i) => {
    const s = specs[i];
    return s && s !== '24x7' && s.label ? s.label : p;
  });
  const label = names.join(' + ');
  const place = zoneName(zone);
  return { id, label: label.includes(place) ? label : `${label}, ${place}`, zone, business: true };
}

/**
 * One metric's view. `zone` is the agent's: due and met times are shown there. With the policy,
 * the view also names the calendar and says when a closed calendar opens again.
 */
export function metricView(m: MetricDecision, locale: Locale, zone = 'UTC', policy?: Policy, now?: number): MetricView {
  const w = WORDS[locale];
  const span = (ms: number) => formatSpan(ms, locale);
  const cal = policy && m.calendar ? calendarInfo(policy, m.calendar, locale) : null;
  const business = cal?.business ?? false;
  let text: string;
  switch (m.state) {
    case 'running':
      text = w.left(span(m.remainingWorkingMs), business);
      break;
    case 'at_risk':
      text = w.atRisk(span(m.remainingWorkingMs), business);
      break;
    case 'paused':
      text = w.paused(span(m.remainingWorkingMs), business);
      break;
    case 'breached':
      text = m.stoppedAt !== null ? w.missedBy(span(m.remainingWorkingMs), business) : w.breachedAgo(span(m.remainingWorkingMs), business);
      break;
    case 'met':
      text = m.stoppedAt !== null ? w.metAt(formatInstantIn(m.stoppedAt, locale, zone)) : w.met;
      break;
    default:
      text = m.note === 'no priority yet' ? w.noPriority : m.cycles === undefined && NOTHING_OWED_NOTES.has(m.note ?? '') ? w.nothingOwed : w.noSla;
  }
  // A running countdown on a closed calendar looks frozen: say when it moves again, in the
  // calendar's own zone, since that is where the hours are kept.
  let resumesText: string | null = null;
  if (policy && cal?.business && now !== undefined && (m.state === 'running' || m.state === 'at_risk')) {
    const c = getCompiled(policy).calendars.get(m.calendar!);
    if (c && !c.isWorking(now)) {
      const next = c.nextOpen(now);
      resumesText = w.resumes(`${formatInstant(next, locale, c.zone, next - now > 6 * 86_400_000)} ${zoneName(c.zone)}`);
    }
  }
  const live = m.state === 'running' || m.state === 'at_risk' || (m.state === 'breached' && m.stoppedAt === null);
  const clockText = m.state === 'not_applicable' || m.state === 'met' ? null : (cal?.label ?? null);
  const ended = m.cycles ? m.cycles.count - (m.cycles.open ? 1 : 0) : 0;
  const cyclesText = m.cycles && ended > 0 ? w.cycles(m.cycles.met, ended) : undefined;
  const levelText = m.level ? levelLine(w, m.level, locale, zone) : undefined;
  return {
    metric: m.metric,
    label: m.label,
    state: m.state,
    stateLabel: w.state[m.state],
    tone: TONE[m.state],
    text,
    clockText,
    resumesText,
    line: [text, clockText, resumesText, cyclesText].filter(Boolean).join(' · '),
    // Paused, the due would hold only if the clock resumed this instant: it is not shown.
    dueText: live && m.due !== null ? formatInstantIn(m.due, locale, zone) : null,
    businessTime: business,
    stopped: m.stoppedAt !== null,
    ...(cyclesText ? { cyclesText } : {}),
    ...(levelText ? { levelText } : {}),
  };
}

/** The ladder's reached level and the next one's instant; nothing before the first is near or reached. */
function levelLine(w: (typeof WORDS)['en'], l: NonNullable<MetricDecision['level']>, locale: Locale, zone: string): string | undefined {
  const next = l.next !== null ? w.nextLevel(l.reached + 1, l.of, formatInstantIn(l.next, locale, zone)) : null;
  if (l.reached > 0) return [w.level(l.reached, l.of, l.label ?? ''), next].filter(Boolean).join(' · ');
  return next ? next.charAt(0).toUpperCase() + next.slice(1) : undefined;
}

/** The notes of a recurring Metric with no cycle yet (evaluate.ts): nothing is owed, which is not "No SLA". */
const NOTHING_OWED_NOTES = new Set(['no requester message waits for a reply', 'no update is due', 'the group has not owned the ticket']);

const LIVE_ORDER: MetricState[] = ['breached', 'at_risk', 'running', 'paused'];
const TONE_RANK: Tone[] = ['danger', 'warning', 'success', 'neutral', 'info'];

function levelLabel(levels: { id: string; label: string }[], id: string): string {
  return levels.find((l) => l.id === id)?.label ?? id;
}

/** The reason for the Priority in the policy's own words: "Important × Critical → P2". */
export function priorityReason(d: Decision, locale: Locale, policy: Policy): string {
  const w = WORDS[locale];
  const p = d.priority;
  const label = (id: string | null | undefined) => (id ? (own(policy.priorities, id)?.label ?? id) : '—');
  if (p.source === 'override' && p.override) return w.overrideBy(p.override.by, label(p.override.from), label(p.override.to), p.override.reason);
  const c = policy.classification;
  if (c.method === 'matrix') {
    if (!p.impact || !p.urgency) return w.fillIn([!p.impact && w.field.impact, !p.urgency && w.field.urgency].filter(Boolean) as string[]);
    const i = levelLabel(c.impact, p.impact);
    const u = levelLabel(c.urgency, p.urgency);
    return p.id ? `${i} × ${u} → ${label(p.id)}` : w.notInMatrix(i, u);
  }
  return p.reason;
}

export function ticketView(d: Decision, locale: Locale, zone = 'UTC', policy?: Policy): TicketView {
  const w = WORDS[locale];
  const metrics = d.metrics.map((m) => metricView(m, locale, zone, policy, d.now));
  // The triage clock shows while the ticket waits for a Priority, and once met after a wait; a
  // ticket classified at creation never had one worth showing.
  const t = d.triage;
  // Once the ticket has its Priority, the triage clock is history: it moves after the live ones.
  if (t && !(t.state === 'met' && t.stoppedAt === t.start)) {
    const v = metricView(t, locale, zone, policy, d.now);
    if (t.stoppedAt === null) metrics.unshift(v);
    else metrics.push(v);
  }
  const tone = TONE_RANK.find((x) => metrics.some((m) => m.tone === x)) ?? 'neutral';
  return {
    priority: { label: d.priority.label ?? w.noPriority, reason: policy ? priorityReason(d, locale, policy) : d.priority.reason, overridden: d.priority.source === 'override' },
    tier: { label: d.tier.label, tag: d.tier.tag, fallback: d.tier.fallback },
    context: policy ? `${policy.name} · ${d.tier.label}` : '',
    ruleText: d.rule ? w.rule(d.rule.index + 1, d.rule.name) : null,
    metrics,
    maintenance: d.maintenance.filter((m) => m.active && m.until !== null).map((m) => ({ label: m.label, text: w.maintenance(formatInstantIn(m.until!, locale, zone)) })),
    warnings: d.warnings.map((x) => x.message),
    tone,
  };
}

/** The metric a one-line summary is about: the most urgent (breached, at risk, running, paused), the first among equals. */
export function mostUrgent(view: TicketView): MetricView | undefined {
  // A clock still running comes before one that stopped late: the line is about what to do now.
  const pick = (stopped: boolean) => LIVE_ORDER.map((s) => view.metrics.find((m) => m.state === s && m.stopped === stopped)).find(Boolean);
  return pick(false) ?? pick(true);
}

/**
 * One line for a place with room for a few words, such as Jira's issue glance or a ticket list:
 * "P2 · Plus · Resolution: 3h 20m business time left". It names the metric it counts down.
 */
export function summaryLine(view: TicketView): string {
  const live = mostUrgent(view);
  return [view.priority.label, view.tier.label, live && `${live.label}: ${live.text}`].filter(Boolean).join(' · ');
}

/** What a screen reader hears when a countdown changes state: "Initial response: At risk". */
export function stateAnnouncement(view: TicketView): string {
  return view.metrics
    .filter((m) => m.state !== 'not_applicable')
    .map((m) => `${m.label}: ${m.stateLabel}`)
    .join('. ');
}

export interface PreviewRow {
  metric: string;
  label: string;
  /** The due as it stands and as it would be, in the agent's zone ("—" without a Target). */
  before: string;
  after: string;
  /** The change would breach this metric at once. */
  breachesNow: boolean;
  /** The instant it would be due, while its clock has not stopped; null otherwise. */
  afterDue: number | null;
}

/**
 * What an Override to `to`, made now, would do to each metric's due: shown before a lead confirms
 * it, with a warning when a metric would be breached the moment it is applied.
 */
export function overridePreview(policy: Policy, timeline: Timeline, to: string, now: number, locale: Locale, zone = 'UTC'): PreviewRow[] {
  const before = evaluate(policy, timeline, now);
  const at = new Date(now).toISOString();
  const next: Timeline = { ...timeline, events: [...timeline.events, { type: 'override', at, by: 'preview', from: before.priority.id, to, reason: 'preview', notify: false }] };
  const after = evaluate(policy, next, now);
  const due = (m: MetricDecision) => (m.due === null ? '—' : formatInstantIn(m.due, locale, zone));
  return after.metrics
    .map((m, i) => ({ m, b: before.metrics[i] }))
    .filter(({ m, b }) => m.state !== 'met' && !(m.state === 'not_applicable' && b.state === 'not_applicable'))
    .map(({ m, b }) => ({ metric: m.metric, label: m.label, before: due(b), after: due(m), breachesNow: m.state === 'breached' && b.state !== 'breached', afterDue: m.stoppedAt === null ? m.due : null }));
}

const DUE_ORDER = {
  en: (resolution: string, response: string) => `${resolution} would be due before ${response}: the ticket would have to be solved before anyone answers it.`,
  fr: (resolution: string, response: string) => `${resolution} serait dû avant ${response} : il faudrait résoudre le billet avant d’y répondre.`,
};

/**
 * A preview's warning when the overridden Priority's Targets make a resolution Metric (stops at
 * solved) due before a first-response one: usually a slip in the policy's Targets, which the lead
 * should see before applying. Null when the order is right or either clock has stopped.
 */
export function resolutionBeforeResponse(policy: Policy, rows: readonly PreviewRow[], locale: Locale): string | null {
  const stops = (r: PreviewRow) => own(policy.metrics, r.metric)?.stopsAt;
  const open = rows.filter((r) => r.afterDue !== null);
  for (const res of open.filter((r) => stops(r) === 'solved')) {
    const first = open.find((r) => stops(r) === 'first_public_reply' && res.afterDue! < r.afterDue!);
    if (first) return DUE_ORDER[locale](res.label, first.label);
  }
  return null;
}

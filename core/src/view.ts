import type { Decision, MetricDecision, MetricState } from './evaluate';

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
  /** The countdown: "2h 05m left", "Breached 12m 30s ago", "En pause · 3 h 10 min restantes". */
  text: string;
  /** The due instant in the display zone, or null. */
  dueText: string | null;
}

export interface TicketView {
  priority: { label: string; reason: string; overridden: boolean };
  tier: { label: string; tag: string; fallback: boolean };
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
    left: (d: string) => `${d} left`,
    atRisk: (d: string) => `${d} left · at risk`,
    paused: (d: string) => `Paused · ${d} left`,
    breachedAgo: (d: string) => `Breached ${d} ago`,
    missedBy: (d: string) => `Missed by ${d}`,
    met: 'Met',
    noSla: 'No SLA',
    noPriority: 'No priority yet',
    maintenance: (t: string) => `Maintenance window until ${t}`,
    due: 'Due',
    h: 'h',
    m: 'm',
    s: 's',
    sep: '',
  },
  fr: {
    state: { running: 'Dans les temps', at_risk: 'À risque', breached: 'Dépassé', paused: 'En pause', met: 'Respecté', not_applicable: 'Sans SLA' },
    left: (d: string) => `${d} restantes`,
    atRisk: (d: string) => `${d} restantes · à risque`,
    paused: (d: string) => `En pause · ${d} restantes`,
    breachedAgo: (d: string) => `Dépassé depuis ${d}`,
    missedBy: (d: string) => `Manqué de ${d}`,
    met: 'Respecté',
    noSla: 'Sans SLA',
    noPriority: 'Pas encore de priorité',
    maintenance: (t: string) => `Fenêtre de maintenance jusqu’à ${t}`,
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

function formatInstant(t: number, locale: Locale, zone: string): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(t);
}

export function metricView(m: MetricDecision, locale: Locale, zone = 'UTC'): MetricView {
  const w = WORDS[locale];
  const span = (ms: number) => formatSpan(ms, locale);
  let text: string;
  switch (m.state) {
    case 'running':
      text = w.left(span(m.remainingWorkingMs));
      break;
    case 'at_risk':
      text = w.atRisk(span(m.remainingWorkingMs));
      break;
    case 'paused':
      text = w.paused(span(m.remainingWorkingMs));
      break;
    case 'breached':
      text = m.stoppedAt !== null ? w.missedBy(span(m.remainingWorkingMs)) : w.breachedAgo(span(m.remainingWorkingMs));
      break;
    case 'met':
      text = w.met;
      break;
    default:
      text = m.note === 'no priority yet' ? w.noPriority : w.noSla;
  }
  return {
    metric: m.metric,
    label: m.label,
    state: m.state,
    stateLabel: w.state[m.state],
    tone: TONE[m.state],
    text,
    dueText: m.due === null ? null : formatInstant(m.due, locale, zone),
  };
}

const LIVE_ORDER: MetricState[] = ['breached', 'at_risk', 'running', 'paused'];
const TONE_RANK: Tone[] = ['danger', 'warning', 'success', 'neutral', 'info'];

export function ticketView(d: Decision, locale: Locale, zone = 'UTC'): TicketView {
  const w = WORDS[locale];
  const metrics = d.metrics.map((m) => metricView(m, locale, zone));
  const tone = TONE_RANK.find((t) => metrics.some((m) => m.tone === t)) ?? 'neutral';
  return {
    priority: { label: d.priority.label ?? w.noPriority, reason: d.priority.reason, overridden: d.priority.source === 'override' },
    tier: { label: d.tier.label, tag: d.tier.tag, fallback: d.tier.fallback },
    metrics,
    maintenance: d.maintenance.filter((m) => m.active && m.until !== null).map((m) => ({ label: m.label, text: w.maintenance(formatInstant(m.until!, locale, zone)) })),
    warnings: d.warnings.map((x) => x.message),
    tone,
  };
}

/**
 * One line for a place with room for a few words, such as Jira's issue glance or a ticket list:
 * "P2 · Plus · 3h 20m left". The countdown shown is the most urgent one (breached, then at risk,
 * running, paused), the first metric among equals.
 */
export function summaryLine(view: TicketView): string {
  const live = LIVE_ORDER.map((s) => view.metrics.find((m) => m.state === s)).find(Boolean);
  return [view.priority.label, view.tier.label, live?.text].filter(Boolean).join(' · ');
}

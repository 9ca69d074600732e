import type { MetricDecision } from './evaluate';
import type { LadderStep } from './ladder';
import { own } from './limits';
import type { Policy } from './schema';
import type { OverrideEvent } from './timeline';
import { calendarInfo, localeOf, zoneName, type Locale } from './view';
import { isValidZone } from './zone';

/**
 * Every note SLA Desk writes on a ticket, for both hosts: one wording, in the policy's language,
 * its instants in the policy's zone (the default Calendar's) with the zone named and UTC beside it.
 * Agents read the first lines. A note the apps read back ends with a reference line in one fixed
 * form ("[sla-desk step first_response:1:2]"): the readers look at that line only, so no wording,
 * language or zone a policy changes can hide a note from them. Notes written before the reference
 * line are still read by the older parsers (override.ts, ladder.ts).
 */

/**
 * The zone a note gives its instants in: the agent's, where the host knows it (the lead who
 * overrides, the assignee of a ticket the service writes on) and it is a zone; else the policy's
 * default Calendar's, UTC for 24x7. The zone is named in the note and UTC stands beside it, so a
 * reader in any other zone is not misled.
 */
export function noteZone(policy: Policy, agentZone?: string | null): string {
  if (typeof agentZone === 'string' && agentZone.length <= 64 && isValidZone(agentZone)) return agentZone;
  return calendarInfo(policy, policy.calendar).zone;
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/GMT', 'GMT']);

function parts(t: number, locale: Locale, zone: string, withDate: boolean): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-GB', {
    timeZone: zone,
    ...(withDate ? { weekday: 'short', day: 'numeric', month: 'short' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(t);
}

const dayIn = (t: number, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);

/**
 * An instant for a note: "Fri 20 Nov, 10:30 Toronto (15:30 UTC)"; "Fri 20 Nov, 15:30 UTC" in a UTC
 * zone. UTC's date is named too when it is another day than the zone's, so the bracket never reads
 * as the same day's.
 */
export function noteInstant(t: number, locale: Locale, zone: string): string {
  const local = `${parts(t, locale, zone, true)} ${zoneName(zone)}`;
  if (UTC_ZONES.has(zone)) return local;
  const utc = parts(t, locale, 'UTC', dayIn(t, zone) !== dayIn(t, 'UTC'));
  return `${local} (${utc} UTC)`;
}

// Line breaks would let a name or label start a line of its own (a reference line among them), and
// bidirectional overrides reorder a note on screen: neither belongs in a name on one line.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;
/** A name or label as it goes into a note: one line, trimmed, at most 255 characters (Atlassian's display-name bound). */
export function noteText(s: string): string {
  return Array.from(s.replace(UNPRINTABLE, ' ').trim()).slice(0, 255).join('').trim();
}

const WORDS = {
  en: {
    at: (t: string) => `on ${t}`,
    atRisk: (label: string, due: string | null) => `SLA Desk: ${label} is at risk${due ? `, due ${due}` : ''}.`,
    breached: (label: string, due: string | null) => `SLA Desk: ${label} is breached${due ? `: it was due ${due}` : ''}.`,
    step: (label: string, level: string, n: number, due: string | null) => `${label} reached ${level} (level ${n})${due ? `, due ${due}` : ''}.`,
    raise: (from: string, to: string, label: string, level: string, n: number) => `SLA Desk raised the Priority from ${from} to ${to}: ${label} reached ${level} (level ${n}).`,
    override: (by: string, at: string, from: string, to: string) => `Priority override by ${by} ${at}: ${from} → ${to}.`,
    reason: 'Reason',
    followsMatrix: (who: string, set: string, to: string) => `SLA Desk: Impact or Urgency changed after ${who} set the priority to ${set}; the priority follows the matrix to ${to}.`,
    locked: (who: string, from: string, set: string, to: string) => `SLA Desk: the priority is locked to the matrix. ${who} changed it from ${from} to ${set}; it was set back to ${to}. A triage lead can override it with a reason.`,
    met: (label: string, by: string, at: string) => `SLA Desk: ${label} kept, marked by ${by} ${at}.`,
    someone: 'an agent',
    none: 'none',
  },
  fr: {
    at: (t: string) => `le ${t}`,
    atRisk: (label: string, due: string | null) => `SLA Desk : ${label} est à risque${due ? `, échéance ${due}` : ''}.`,
    breached: (label: string, due: string | null) => `SLA Desk : ${label} est dépassé${due ? ` : l’échéance était ${due}` : ''}.`,
    step: (label: string, level: string, n: number, due: string | null) => `${label} a atteint ${level} (niveau ${n})${due ? `, échéance ${due}` : ''}.`,
    raise: (from: string, to: string, label: string, level: string, n: number) => `SLA Desk a relevé la priorité de ${from} à ${to} : ${label} a atteint ${level} (niveau ${n}).`,
    override: (by: string, at: string, from: string, to: string) => `Priorité modifiée par ${by} ${at} : ${from} → ${to}.`,
    reason: 'Raison',
    followsMatrix: (who: string, set: string, to: string) => `SLA Desk : l’impact ou l’urgence a changé après que ${who} a mis la priorité à ${set} ; la priorité suit la matrice : ${to}.`,
    locked: (who: string, from: string, set: string, to: string) => `SLA Desk : la priorité suit la matrice. ${who} l’a changée de ${from} à ${set} ; elle est remise à ${to}. Un responsable du tri peut la modifier en donnant une raison.`,
    met: (label: string, by: string, at: string) => `SLA Desk : ${label} respecté, marqué par ${by} ${at}.`,
    someone: 'un agent',
    none: 'aucune',
  },
};

/** What a note needs of its policy: its words, its zone, its labels. */
interface NoteContext {
  locale: Locale;
  zone: string;
  w: (typeof WORDS)['en'];
  priority: (id: string | null) => string;
}

function context(policy: Policy, zone?: string | null): NoteContext {
  const locale = localeOf(policy.locale);
  const w = WORDS[locale];
  return { locale, zone: noteZone(policy, zone), w, priority: (id) => (id === null ? w.none : noteText(own(policy.priorities, id)?.label ?? id)) };
}

const when = (c: NoteContext, t: number | null) => (t === null ? null : noteInstant(t, c.locale, c.zone));

/** The note of a Metric's turn to at risk or breached: its label and its due, nothing of the ticket's content. */
export function transitionNote(policy: Policy, m: Pick<MetricDecision, 'label' | 'due'>, state: 'at_risk' | 'breached', zone?: string | null): string {
  const c = context(policy, zone);
  return (state === 'at_risk' ? c.w.atRisk : c.w.breached)(noteText(m.label), when(c, m.due));
}

/** A ladder step in one sentence, for its note and its notification: "Resolution reached Tell the lead (level 2), due …". */
export function stepSentence(policy: Policy, step: LadderStep, m: Pick<MetricDecision, 'due'> | undefined, zone?: string | null): string {
  const c = context(policy, zone);
  return c.w.step(noteText(step.label), noteText(step.levelLabel), step.level, when(c, m?.due ?? null));
}

const REF = '[sla-desk';
const ref = (...words: string[]) => `${REF} ${words.join(' ')}]`;
const lines = (text: string) => text.trim().split(/\r?\n/).map((l) => l.trim());

/** The internal note of a ladder step (its `note` action). */
export function stepNote(policy: Policy, step: LadderStep, m: Pick<MetricDecision, 'due'> | undefined, zone?: string | null): string {
  const prefix = localeOf(policy.locale) === 'fr' ? 'SLA Desk : ' : 'SLA Desk: ';
  return `${prefix}${stepSentence(policy, step, m, zone)}\n${ref('step', step.key)}`;
}

/** The note that records a ladder raise: from and to, and why (the Metric and its level). */
export function raiseNote(policy: Policy, step: LadderStep, o: Pick<OverrideEvent, 'from' | 'to'>): string {
  const c = context(policy);
  return `${c.w.raise(c.priority(o.from ?? null), c.priority(o.to), noteText(step.label), noteText(step.levelLabel), step.level)}\n${ref('raise', step.key)}`;
}

/** Whether a comment has reference lines: then they alone say which notes it holds, never its words. */
export function hasNoteRef(text: string): boolean {
  return lines(text).some((l) => l.startsWith(`${REF} `) && l.endsWith(']'));
}

/** Whether a comment holds this step's note: by its reference line, whatever its language. */
export function hasStepRef(text: string, step: Pick<LadderStep, 'key'>): boolean {
  return lines(text).includes(ref('step', step.key));
}

/** Whether a comment holds the note of this step's raise. */
export function hasRaiseRef(text: string, step: Pick<LadderStep, 'key'>): boolean {
  return lines(text).includes(ref('raise', step.key));
}

const ID = '[A-Za-z0-9][A-Za-z0-9_.-]*';
// What Date.prototype.toISOString writes: the only instant the apps put in a reference line.
const INSTANT = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const isInstant = (s: string) => Number.isFinite(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s;
/** A name as a reference line quotes it, or null: only the one JSON text JSON.stringify writes for a name noteText keeps. */
function quotedName(quoted: string): string | null {
  let by: unknown;
  try {
    by = JSON.parse(quoted);
  } catch {
    return null;
  }
  return typeof by === 'string' && by !== '' && JSON.stringify(by) === quoted && noteText(by) === by ? by : null;
}
const OVERRIDE_REF = new RegExp(`^\\[sla-desk override (${INSTANT}) (-|${ID}) (${ID}) (${QUOTED})\\]$`);

/**
 * A lead's Override as its internal note: who, when, from → to, why. The reference line keeps the
 * Priority ids, the exact instant and the name, so the note is read back without its words.
 */
export function overrideNote(policy: Policy, o: OverrideEvent, zone?: string | null): string {
  const c = context(policy, zone);
  const by = noteText(o.by);
  const head = c.w.override(by, c.w.at(when(c, Date.parse(o.at))!), c.priority(o.from ?? null), c.priority(o.to));
  return `${head}\n${c.w.reason}${c.locale === 'fr' ? ' : ' : ': '}${o.reason}\n${ref('override', new Date(Date.parse(o.at)).toISOString(), o.from ?? '-', o.to, JSON.stringify(by))}`;
}

/** An Override read back from a note overrideNote wrote (by its reference line), or null. */
export function readOverrideRef(text: string, notify = false): OverrideEvent | null {
  const all = lines(text);
  const m = all.length >= 3 ? OVERRIDE_REF.exec(all[all.length - 1]) : null;
  const by = m && isInstant(m[1]) ? quotedName(m[4]) : null;
  if (!m || !by) return null;
  // The reason is what follows its label ("Reason: ", "Raison : "), up to the reference line.
  const reason = all.slice(1, -1).join('\n').replace(/^[^:]*:\s*/, '').trim();
  if (!reason) return null;
  return { type: 'override', at: m[1], by, from: m[2] === '-' ? null : m[2], to: m[3], reason, notify };
}

/** Who set a priority, for a note: their name where the host gave it, else "an agent". */
const who = (c: NoteContext, name: string | null | undefined) => (name ? noteText(name) : c.w.someone);

/** The note of a person's priority the matrix replaced, because Impact or Urgency changed after it. Priorities as agents know them (labels). */
export function matrixFollowedNote(policy: Policy, change: { by: string | null; to: string | null }, now: string): string {
  const c = context(policy);
  return c.w.followsMatrix(who(c, change.by), change.to ?? c.w.none, now);
}

/** The note of a priority set back to the matrix's, the priority being locked and the person no triage lead. */
export function priorityLockedNote(policy: Policy, change: { by: string | null; from: string | null; to: string | null }, now: string): string {
  const c = context(policy);
  return c.w.locked(who(c, change.by), change.from ?? c.w.none, change.to ?? c.w.none, now);
}

const MET_REF = new RegExp(`^\\[sla-desk met (${ID}) (${INSTANT}) (${QUOTED})\\]$`);

/** A promise an agent marked as kept ("findings sent"): the Metric, who and when. */
export function metNote(policy: Policy, e: { metric: string; label: string; by: string; at: string }, zone?: string | null): string {
  const c = context(policy, zone);
  const by = noteText(e.by) || c.w.someone;
  return `${c.w.met(noteText(e.label), by, c.w.at(when(c, Date.parse(e.at))!))}\n${ref('met', e.metric, new Date(Date.parse(e.at)).toISOString(), JSON.stringify(by))}`;
}

/**
 * A kept promise read back from a note metNote wrote, or null. Exactly its two lines: a kept promise
 * stops a clock, so a note that quotes one, or a name metNote would have cleaned, is not one.
 */
export function readMetRef(text: string): { metric: string; at: string; by: string } | null {
  const all = text.split('\n');
  // The sentence opens with the app's name in every language.
  const m = all.length === 2 && all[0].startsWith('SLA Desk') ? MET_REF.exec(all[1]) : null;
  const by = m && isInstant(m[2]) ? quotedName(m[3]) : null;
  return m && by ? { metric: m[1], at: m[2], by } : null;
}

import { own } from './limits';
import type { Policy } from './policy';
import type { OverrideEvent } from './timeline';
import type { Problem } from './problem';
import { hasNoteRef, readOverrideRef } from './notes';

/**
 * A triage lead's Override of the Priority. Both hosts build it here, so the rules (a reason is
 * required, the target must be a Priority of the policy) and the audit text are the same.
 */
export interface OverrideRequest {
  by: string;
  from?: string | null;
  to: string;
  reason: string;
  notify?: boolean;
}

export function makeOverride(policy: Policy, req: unknown, at: Date | number): { override?: OverrideEvent; problems: Problem[] } {
  const r = (req ?? {}) as Partial<Record<keyof OverrideRequest, unknown>>;
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const problems: Problem[] = [];
  const fail = (path: string, message: string) => problems.push({ level: 'error', path, message });
  const by = text(r.by);
  const to = text(r.to);
  const reason = text(r.reason);
  const from = r.from === undefined || r.from === null ? null : text(r.from);
  if (!by) fail('by', 'who made the override is required');
  if (!to) fail('to', 'the new priority is required');
  else if (!own(policy.priorities, to)) fail('to', `unknown priority "${to}" (known: ${Object.keys(policy.priorities).join(', ')})`);
  else if (from === to) fail('to', `the priority is already ${to}`);
  const why = reasonProblem(reason);
  if (why) fail('reason', why);
  if (r.notify !== undefined && typeof r.notify !== 'boolean') fail('notify', 'expected true or false');
  if (problems.length) return { problems };
  return { override: { type: 'override', at: new Date(at).toISOString(), by, from, to, reason, notify: r.notify === true }, problems };
}

/** What is wrong with an Override's reason, or null: forms clear their error once this is null. */
export function reasonProblem(reason: unknown): string | null {
  const r = typeof reason === 'string' ? reason.trim() : '';
  if (r.length < 3) return 'a reason of at least 3 characters is required';
  if (r.length > 1000) return 'a reason of at most 1000 characters is allowed';
  return null;
}

const NOTICE = {
  en: (o: OverrideEvent) => `The priority of your request was changed from ${o.from ?? '—'} to ${o.to}. Reason: ${o.reason}`,
  fr: (o: OverrideEvent) => `La priorité de votre demande est passée de ${o.from ?? '—'} à ${o.to}. Raison : ${o.reason}`,
};

/** The optional public notice to the requester. */
export function overrideNotice(o: OverrideEvent, locale = 'en'): string {
  return (locale.startsWith('fr') ? NOTICE.fr : NOTICE.en)(o);
}

// The note itself is written in notes.ts (overrideNote). These are its forms before the reference
// line, still in tickets' histories.
const NOTE_PATTERNS = [
  /^Priority override by (.+) at (\S+): (\S+) → (\S+)\.\nReason: ([\s\S]+)$/,
  /^Priorité modifiée par (.+) le (\S+) : (\S+) → (\S+)\.\nRaison : ([\s\S]+)$/,
];

/**
 * Reads an override back from its audit note, so that a host's history (Zendesk audits, Jira
 * comments) gives the timeline its overrides. Only text in exactly overrideNote's form counts:
 * its reference line, or the older form's whole text.
 */
export function parseOverrideNote(text: string, notify = false): OverrideEvent | null {
  // A note with a reference line is read by that line alone: its words are the policy's language.
  if (hasNoteRef(text)) return readOverrideRef(text, notify);
  for (const re of NOTE_PATTERNS) {
    const m = re.exec(text.trim());
    if (m && !Number.isNaN(Date.parse(m[2]))) {
      return { type: 'override', at: m[2], by: m[1], from: m[3] === '—' ? null : m[3], to: m[4], reason: m[5].trim(), notify };
    }
  }
  return null;
}

const REQUESTER_NOTICE = {
  en: (label: string) => `We have changed the priority of your request to ${label}. We will keep you informed of its progress.`,
  fr: (label: string) => `Nous avons changé la priorité de votre demande : elle est maintenant ${label}. Nous vous tiendrons informé de son avancement.`,
};

/**
 * The default notice to the requester of an Override: written for them, in their language, and
 * without the internal reason, which was written for colleagues. A lead may write their own.
 */
export function requesterNotice(policy: Policy, to: string, locale = 'en'): string {
  const label = own(policy.priorities, to)?.label ?? to;
  return (locale.toLowerCase().startsWith('fr') ? REQUESTER_NOTICE.fr : REQUESTER_NOTICE.en)(label);
}

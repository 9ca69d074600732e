import { z } from 'zod';
import type { Policy } from './policy';
import type { OverrideEvent } from './timeline';
import { Problem, zodProblems } from './problem';

/**
 * A triage lead's Override of the priority. Both hosts build it here, so the rules (a reason is
 * required, the target must be a priority of the policy) and the audit text are the same.
 */
export const OverrideRequestSchema = z.strictObject({
  by: z.string().trim().min(1, { error: 'who made the override is required' }),
  from: z.string().nullable().optional(),
  to: z.string().min(1, { error: 'the new priority is required' }),
  reason: z.string().trim().min(3, { error: 'a reason of at least 3 characters is required' }).max(1000),
  notify: z.boolean().default(false),
});

export type OverrideRequest = z.input<typeof OverrideRequestSchema>;

export function makeOverride(policy: Policy, req: unknown, at: Date | number): { override?: OverrideEvent; problems: Problem[] } {
  const res = OverrideRequestSchema.safeParse(req);
  if (!res.success) return { problems: zodProblems(res.error.issues) };
  if (!policy.priorities[res.data.to]) {
    return { problems: [{ level: 'error', path: 'to', message: `unknown priority "${res.data.to}" (known: ${Object.keys(policy.priorities).join(', ')})` }] };
  }
  if (res.data.from === res.data.to) {
    return { problems: [{ level: 'error', path: 'to', message: `the priority is already ${res.data.to}` }] };
  }
  const iso = new Date(at).toISOString();
  return { override: { type: 'override', at: iso, ...res.data }, problems: [] };
}

const NOTE = {
  en: (o: OverrideEvent) =>
    `Priority override by ${o.by} at ${o.at}: ${o.from ?? '—'} → ${o.to}.\nReason: ${o.reason}`,
  fr: (o: OverrideEvent) =>
    `Priorité modifiée par ${o.by} le ${o.at} : ${o.from ?? '—'} → ${o.to}.\nRaison : ${o.reason}`,
};

const NOTICE = {
  en: (o: OverrideEvent) => `The priority of your request was changed from ${o.from ?? '—'} to ${o.to}. Reason: ${o.reason}`,
  fr: (o: OverrideEvent) => `La priorité de votre demande est passée de ${o.from ?? '—'} à ${o.to}. Raison : ${o.reason}`,
};

/** The internal audit note: who, when, from → to, why. */
export function overrideNote(o: OverrideEvent, locale = 'en'): string {
  return (locale.startsWith('fr') ? NOTE.fr : NOTE.en)(o);
}

/** The optional public notice to the requester. */
export function overrideNotice(o: OverrideEvent, locale = 'en'): string {
  return (locale.startsWith('fr') ? NOTICE.fr : NOTICE.en)(o);
}

const NOTE_PATTERNS = [
  /^Priority override by (.+) at (\S+): (\S+) → (\S+)\.\nReason: ([\s\S]+)$/,
  /^Priorité modifiée par (.+) le (\S+) : (\S+) → (\S+)\.\nRaison : ([\s\S]+)$/,
];

/**
 * Reads an override back from its audit note, so that a host's history (Zendesk audits, Jira
 * comments) gives the timeline its overrides. Only text in exactly overrideNote's form counts.
 */
export function parseOverrideNote(text: string, notify = false): OverrideEvent | null {
  for (const re of NOTE_PATTERNS) {
    const m = re.exec(text.trim());
    if (m && !Number.isNaN(Date.parse(m[2]))) {
      return { type: 'override', at: m[2], by: m[1], from: m[3] === '—' ? null : m[3], to: m[4], reason: m[5].trim(), notify };
    }
  }
  return null;
}

import { own } from './limits';
import type { Policy } from './policy';

/**
 * How the policy's classification turns the ticket's fields into a Priority, and why. Compiled
 * policies memoise it, so the reason text is built once per combination of values.
 */
export interface Classified {
  priority: string | null;
  missing: ('impact' | 'urgency' | 'priority')[];
  method: 'matrix' | 'requester' | 'severity';
  impact: string | null;
  urgency: string | null;
  /** The priority value given, when the policy does not know it. */
  unknown: string | null;
  /** "Impact 2 x Urgency 1 → P2", or what to fill in. */
  reason: string;
}

const NONE: Classified['missing'] = [];

export function classify(policy: Policy, fields: { impact?: string | null; urgency?: string | null; priority?: string | null }): Classified {
  const c = policy.classification;
  if (c.method === 'matrix') {
    const impact = fields.impact ?? null;
    const urgency = fields.urgency ?? null;
    const missing: Classified['missing'] = impact && urgency ? NONE : [];
    if (!impact) missing.push('impact');
    if (!urgency) missing.push('urgency');
    const p = missing.length ? null : (own(own(c.matrix, impact), urgency) ?? null);
    return withReason({ priority: p, missing, method: 'matrix', impact, urgency, unknown: null });
  }
  const p = fields.priority ?? null;
  const known = own(policy.priorities, p) !== undefined;
  return withReason({ priority: known ? p : null, missing: p ? NONE : ['priority'], method: c.method, impact: null, urgency: null, unknown: known ? null : p });
}

function withReason(c: Omit<Classified, 'reason'>): Classified {
  return { ...c, reason: reasonOf(c) };
}

function reasonOf(c: Omit<Classified, 'reason'>): string {
  if (c.missing.length) {
    if (c.method === 'severity') return 'Fill in Severity';
    if (c.method === 'requester') return 'Fill in Priority';
    return `Fill in ${c.missing.map((m) => m[0].toUpperCase() + m.slice(1)).join(' and ')}`;
  }
  if (c.method === 'matrix') {
    return c.priority ? `Impact ${c.impact} x Urgency ${c.urgency} → ${c.priority}` : `Impact ${c.impact} x Urgency ${c.urgency} is not in the matrix`;
  }
  if (c.unknown) return `Unknown priority "${c.unknown}"`;
  return c.method === 'severity' ? `Severity ${c.priority}` : `Chosen by the requester → ${c.priority}`;
}

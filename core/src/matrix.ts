import type { Policy } from './policy';

/** How the policy's classification turns the ticket's fields into a priority. */
export interface Classified {
  priority: string | null;
  /** "Impact 2 x Urgency 1 → P2", or what is missing. */
  reason: string;
  missing: ('impact' | 'urgency' | 'priority')[];
}

export function classify(policy: Policy, fields: Partial<Record<string, string | null>>): Classified {
  const c = policy.classification;
  if (c.method === 'matrix') {
    const impact = fields.impact ?? null;
    const urgency = fields.urgency ?? null;
    const missing: Classified['missing'] = [];
    if (!impact) missing.push('impact');
    if (!urgency) missing.push('urgency');
    if (missing.length) return { priority: null, reason: `Fill in ${missing.map(cap).join(' and ')}`, missing };
    const p = c.matrix[impact!]?.[urgency!] ?? null;
    if (!p) return { priority: null, reason: `Impact ${impact} x Urgency ${urgency} is not in the matrix`, missing: [] };
    return { priority: p, reason: `Impact ${impact} x Urgency ${urgency} → ${p}`, missing: [] };
  }
  const p = fields.priority ?? null;
  if (!p) return { priority: null, reason: c.method === 'severity' ? 'Fill in Severity' : 'Fill in Priority', missing: ['priority'] };
  if (!policy.priorities[p]) return { priority: null, reason: `Unknown priority "${p}"`, missing: [] };
  return { priority: p, reason: c.method === 'severity' ? `Severity ${p}` : `Chosen by the requester → ${p}`, missing: [] };
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

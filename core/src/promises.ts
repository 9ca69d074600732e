import { own } from './limits';
import type { Policy } from './policy';
import { calendarInfo } from './view';

/** One Tier and Priority: the Calendar its Targets count on, and each Metric's Target as written. */
export interface PromiseRow {
  tier: string;
  tierLabel: string;
  priority: string;
  priorityLabel: string;
  /** How the row's Calendar is named to agents ("KIWI business hours, Toronto", "24/7"). */
  calendar: string;
  /** By Metric, in the policy's order: "4h", "2d", "none", "4h on 24/7"; null where the Tier promises nothing. */
  targets: (string | null)[];
}

export interface PromiseTable {
  metrics: { id: string; label: string }[];
  rows: PromiseRow[];
}

/**
 * What each Tier promises at each Priority, read from the policy as written, for the page where a
 * support lead checks the promises. Categories and rules that replace Targets are not in it: they
 * apply to some tickets of a row, not to the row.
 */
export function promiseTable(policy: Policy): PromiseTable {
  const metrics = Object.entries(policy.metrics).map(([id, m]) => ({ id, label: m.label }));
  const rows: PromiseRow[] = [];
  for (const [tier, t] of Object.entries(policy.tiers)) {
    for (const [priority, p] of Object.entries(policy.priorities)) {
      // The same precedence as compilePolicy's: a Priority's coverage, then the Tier's, then the policy's.
      const calendar = [own(policy.coverage, priority) ?? t.calendar ?? policy.calendar].flat().join('+');
      const written = own(t.targets, priority);
      const targets = metrics.map(({ id }) => {
        const spec = written ? own(written, id) : undefined;
        if (spec === undefined) return null;
        if (typeof spec !== 'object') return String(spec);
        const cal = spec.calendar ? [spec.calendar].flat().join('+') : null;
        return cal && cal !== calendar ? `${spec.in} on ${calendarInfo(policy, cal).label}` : String(spec.in);
      });
      rows.push({ tier, tierLabel: t.label, priority, priorityLabel: p.label, calendar: calendarInfo(policy, calendar).label, targets });
    }
  }
  return { metrics, rows };
}

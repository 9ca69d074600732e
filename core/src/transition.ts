import type { Decision, MetricDecision } from './evaluate';
import { getCompiled } from './policy';
import type { Policy } from './schema';

/**
 * When a decision next changes by time alone: a running Metric turns at risk, or an at-risk one is
 * breached. Hosts store this instant, so a scheduled job can find the tickets due for a transition
 * by querying it instead of re-evaluating every open ticket. A paused Metric waits for an event (a
 * status change), not for time, so it has none.
 */
export function nextTransition(policy: Policy, d: Decision): { at: number; metric: string; to: 'at_risk' | 'breached' | 'level' } | null {
  let best: { at: number; metric: string; to: 'at_risk' | 'breached' | 'level' } | null = null;
  for (const m of d.metrics) {
    const t = transitionOf(policy, m, d.now);
    if (t && (!best || t.at < best.at)) best = { ...t, metric: m.metric };
    // A ladder level is a transition of its own: the hosts run its actions at its instant.
    const level = m.level?.next;
    if (level != null && level > d.now && (!best || level < best.at)) best = { at: Math.ceil(level / 1000) * 1000, metric: m.metric, to: 'level' };
  }
  return best;
}

function transitionOf(policy: Policy, m: MetricDecision, now: number): { at: number; to: 'at_risk' | 'breached' } | null {
  if (m.due === null || m.calendar === null) return null;
  if (m.state === 'at_risk') return { at: m.due, to: 'breached' };
  if (m.state !== 'running') return null;
  const cp = getCompiled(policy);
  const cal = cp.calendars.get(m.calendar);
  if (!cal) return { at: m.due, to: 'breached' };
  const total = m.elapsedWorkingMs + m.remainingWorkingMs;
  // Working time left once the Metric is at risk: a share of the Target, or a fixed remainder.
  const leftAtRisk = cp.atRiskPercent !== null ? total * (1 - cp.atRiskPercent / 100) : (cp.atRiskRemainingMs ?? 0);
  // A running Metric has no pause ahead of it, so the at-risk instant is plain working time away.
  // It is running now, so the point is never behind us, even when rounding says so.
  const untilRisk = Math.max(0, Math.ceil(m.remainingWorkingMs - leftAtRisk));
  // Hosts keep whole seconds (Jira drops a datetime's milliseconds): round up, never down.
  const at = Math.ceil(cal.addWorking(now, untilRisk) / 1000) * 1000;
  return at < m.due ? { at, to: 'at_risk' } : { at: m.due, to: 'breached' };
}

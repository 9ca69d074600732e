import type { ClockTrace, Decision, MetricState } from './evaluate';
import type { Timeline } from './timeline';

export type OutcomeState = 'met' | 'breached' | 'open';

/**
 * What one cycle of a Metric came to on one ticket: the record a report is built from, and what
 * a store keeps after the ticket is closed. Instants are epoch ms (UTC).
 */
export interface Outcome {
  ticketId: string;
  metric: string;
  /** 1-based; a Metric that does not recur has one cycle. */
  cycle: number;
  /** A clock still running past its due is breached already: nothing can make it met. */
  state: OutcomeState;
  /** Working time the clock counted, to its stop or, while open, to the decision's now. */
  workingMs: number;
  tier: string;
  /** The Priority id ('' when the ticket had none). */
  priority: string;
  group: string | null;
  startedAt: number;
  endedAt: number | null;
  dueAt: number | null;
}

export function outcomeState(s: MetricState): OutcomeState {
  return s === 'met' || s === 'breached' ? s : 'open';
}

/**
 * A ticket's Outcomes from its decision: one per Metric that carries a promise, and for a
 * recurring Metric one per cycle when `clocks` (evaluateWithTrace's) is given; without it only the
 * cycle the decision shows. The triage clock is no Metric of the ticket and gives none.
 */
export function outcomesOf(decision: Decision, clocks?: ReadonlyMap<string, ClockTrace>, group: string | null = null): Outcome[] {
  const out: Outcome[] = [];
  const base = { ticketId: decision.ticketId, tier: decision.tier.id, group };
  for (const m of decision.metrics) {
    if (m.state === 'not_applicable' || m.start === null) continue;
    const cycles = m.cycles ? clocks?.get(m.metric)?.cycles : undefined;
    if (cycles) {
      cycles.forEach((c, i) => {
        // A cycle with no Target (no Priority yet, none for this tier) promised nothing.
        if (c.state === 'not_applicable') return;
        out.push({ ...base, metric: m.metric, cycle: i + 1, state: outcomeState(c.state), workingMs: c.workingMs, priority: c.priority ?? '', startedAt: c.start, endedAt: c.stop, dueAt: c.due });
      });
      continue;
    }
    out.push({
      ...base,
      metric: m.metric,
      cycle: m.cycles?.number ?? 1,
      state: outcomeState(m.state),
      workingMs: m.elapsedWorkingMs,
      priority: decision.priority.id ?? '',
      startedAt: m.start,
      endedAt: m.stoppedAt,
      dueAt: m.due,
    });
  }
  return out;
}

/**
 * The group a ticket is in now, from its timeline: the last group change, else the group it was
 * created in. Both hosts keep it with the ticket's Outcomes.
 */
export function groupNow(timeline: Pick<Timeline, 'fields' | 'events'>): string | null {
  let group = timeline.fields.group ?? null;
  let at = -Infinity;
  for (const e of timeline.events) {
    if (e.type !== 'field' || e.field !== 'group') continue;
    const t = Date.parse(e.at);
    // Events come in any order; of two at the same instant, the later in the list.
    if (t >= at) [group, at] = [e.value, t];
  }
  return group;
}

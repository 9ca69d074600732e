import { explain, explanationLines, localeOf } from '@sla-desk/core';
import type { Loaded } from './load';
import { agentZone, withForm } from './session';

// Loaded after the countdown shows (app/locations/TicketSidebar.tsx): core's explain() is only
// read when the agent opens "Why this due time?".

/** "Why this due time?" for one metric, in the agent's language and zone. */
export function explainMetric(data: Loaded, now: number, metric: string): string[] {
  const e = explain(data.policy, withForm(data, now), now, metric);
  return explanationLines(e, e.metrics[0], localeOf(data.user.locale), agentZone(data.user));
}

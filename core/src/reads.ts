import type { Policy } from './schema';

/**
 * What a host adapter reads of a policy while it loads a ticket, before any evaluation: how an id
 * stands inside a tag, whether the policy reads conditions, and who the ladder's raises are by.
 * Kept apart from policy.ts and evaluate.ts, which re-export them, so that a host's loading code
 * (the Zendesk sidebar's first script) does not bring the calendars and the evaluation with it.
 */

/** An id as it stands inside a tag: the tier badge sla_tier_<tagPart(id)>, and the hosts' tagger values. */
export function tagPart(id: string): string {
  return String(id).toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Whether a Metric pauses or stops on a condition: the ticket's states must then be followed over time. */
export function pausesOrStopsOnConditions(policy: Policy): boolean {
  return policy.clock.pauseWhen.length > 0 || Object.values(policy.metrics).some((m) => (m.pauseWhen?.length ?? 0) > 0 || m.stopWhen !== undefined);
}

/**
 * Whether the policy reads conditions at all (rules, pauses or stops on them): only then do the
 * host adapters read the ticket's tags, organization, brand and form into its timeline.
 */
export function readsConditions(policy: Policy): boolean {
  return policy.rules.length > 0 || pausesOrStopsOnConditions(policy);
}

/** Who the ladder's Overrides are by (evaluate makes them; ladder.ts exports it as LADDER_AUTHOR). */
export const RAISED_BY = 'SLA Desk';

import { nextBreach, savedDue, ticketLevel, tierFromRule, worstState, type Decision, type Policy } from '@sla-desk/core';
import { tagOfLevel, type FieldIds } from '../zaf/fields';

/**
 * The values SLA Desk keeps on a Zendesk ticket for a decision: each metric's due instant as ISO
 * text ('' when there is none), the next breach as ISO text, the SLA state, the SLA priority, and the ticket's tags with this tier's tag and no
 * other tier's. The sidebar writes them on save and the service writes those that differ, so the two
 * always agree.
 */
export function slaValues(policy: Policy, decision: Decision, fieldIds: FieldIds, tags: readonly string[]): { fields: { id: number; value: string }[]; tags: string[] } {
  const fields: { id: number; value: string }[] = [];
  for (const m of decision.metrics) {
    const id = fieldIds.due[m.metric];
    const due = savedDue(m);
    if (id !== undefined) fields.push({ id, value: due === null ? '' : new Date(due).toISOString() });
  }
  // Due fields of Metrics this policy does not have (another preset's, from before a switch) hold a
  // promise nobody makes any more: emptied, so views and reports never sort on it.
  for (const [metric, id] of Object.entries(fieldIds.due)) if (!decision.metrics.some((m) => m.metric === metric)) fields.push({ id, value: '' });
  for (const id of fieldIds.otherDue ?? []) fields.push({ id, value: '' });
  if (fieldIds.state !== undefined) fields.push({ id: fieldIds.state, value: worstState(decision) });
  // The next breach (core's nextBreach), for the "SLA: next breach first" view: ISO-8601 UTC text,
  // which sorts in time order as text (fixed width, one zone); empty when no clock runs, so a view
  // can leave those tickets out ("present"). A breached ticket's is in the past: it sorts first.
  if (fieldIds.nextBreach !== undefined) {
    const next = nextBreach(decision);
    fields.push({ id: fieldIds.nextBreach, value: next === null ? '' : new Date(next).toISOString() });
  }
  // The policy priority in its own field: Zendesk's four native values cannot tell S3 from S4.
  if (fieldIds.priority !== undefined) fields.push({ id: fieldIds.priority, value: decision.priority.id ? tagOfLevel('sla_priority_', decision.priority.id) : '' });
  // The escalation level, for views ("SLA level greater than 1"): empty when no ladder applies.
  if (fieldIds.level !== undefined) {
    const level = ticketLevel(policy, decision);
    fields.push({ id: fieldIds.level, value: level === null ? '' : String(level) });
  }
  // A fallback Tier (none set, or one the policy lacks) is not written as a tag: Zendesk links a
  // drop-down's options to their tags, so the tag would set the Tier field as if someone chose it,
  // and a later defaultTier change would no longer apply. Nor is another Tier's tag removed then.
  // A rule's Tier neither: it holds while the rule does, and the tag would make it the ticket's own.
  if (decision.tier.fallback || tierFromRule(policy, decision)) return { fields, tags: [...tags] };
  const kept = tags.filter((t) => !t.startsWith('sla_tier_') || t === decision.tier.tag);
  if (!kept.includes(decision.tier.tag)) kept.push(decision.tier.tag);
  return { fields, tags: kept };
}

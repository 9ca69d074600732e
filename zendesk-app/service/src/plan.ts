import { evaluate, TimelineSchema, type Decision, type Policy } from '@sla-desk/core';
import { timelineFromAudits } from '../../src/zaf/audits';
import type { FieldIds } from '../../src/zaf/fields';
import { slaValues } from '../../src/sla/values';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ZendeskTicket } from './zendesk';

/** What the service writes to a ticket: only the values that differ from the ticket's. */
export interface TicketUpdate {
  priority?: string;
  /** Tag edits, not the whole list: an agent's tag added meanwhile survives (Tickets API "additional_tags"/"remove_tags"). */
  additional_tags?: string[];
  remove_tags?: string[];
  custom_fields?: { id: number; value: string }[];
  comment?: { body: string; public: false };
}

export interface TicketPlan {
  decision: Decision;
  update: TicketUpdate | null;
  /** The priority a non-lead changed by hand, set back while the priority is locked. */
  reverted?: { from: string; to: string; by: number };
}

/**
 * The same decision and the same field values the sidebar writes on save (due instants as ISO text,
 * the SLA state, the tier tag, the matrix's priority), computed from the ticket and its audits.
 * Pure: the caller reads and writes.
 */
export function planTicket(policy: Policy, fieldIds: FieldIds, ticket: ZendeskTicket, audits: readonly ZendeskAudit[], users: readonly ZendeskUser[], now: number, trusted: ReadonlySet<number> = new Set()): TicketPlan {
  const timeline = TimelineSchema.parse(timelineFromAudits({ policy, fieldIds, ticketId: ticket.id, users, trusted }, audits));
  const decision = evaluate(policy, timeline, now);
  // The same values the sidebar writes on save; only those that differ are sent.
  const want = slaValues(decision, fieldIds, ticket.tags);
  const have = new Map(ticket.custom_fields.map((f) => [f.id, f.value ?? '']));
  const custom = want.fields.filter((f) => (have.get(f.id) ?? '') !== f.value);
  const update: TicketUpdate = {};
  if (custom.length) update.custom_fields = custom;
  const add = want.tags.filter((t) => !ticket.tags.includes(t));
  const remove = ticket.tags.filter((t) => !want.tags.includes(t));
  if (add.length) update.additional_tags = add;
  if (remove.length) update.remove_tags = remove;
  // The native priority follows the policy's: from the matrix, or from the SLA priority field.
  const priority = policy.classification.method === 'matrix' || fieldIds.priority !== undefined ? decision.priority.zendesk : null;
  if (priority && priority !== ticket.priority) update.priority = priority;
  return { decision, update: Object.keys(update).length ? update : null };
}

/** The author of the last audit that changed the priority, if any. */
export function lastPriorityChange(audits: readonly ZendeskAudit[]): { by: number; from: string | null; to: string | null } | null {
  for (let i = audits.length - 1; i >= 0; i--) {
    const e = audits[i].events.find((x) => x.type === 'Change' && (x as { field_name?: string }).field_name === 'priority') as { value: string | null; previous_value?: string | null } | undefined;
    if (e) return { by: audits[i].author_id, from: e.previous_value ?? null, to: e.value };
  }
  return null;
}

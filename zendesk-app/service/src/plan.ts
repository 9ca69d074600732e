import { evaluate, TimelineSchema, type Decision, type Policy } from '@sla-desk/core';
import { timelineFromAudits } from '../../src/zaf/audits';
import type { FieldIds } from '../../src/zaf/fields';
import { slaValues } from '../../src/sla/values';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ZendeskTicket } from './zendesk';

/** What the service writes to a ticket: only the values that differ from the ticket's. */
export interface TicketUpdate {
  priority?: string;
  tags?: string[];
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
export function planTicket(policy: Policy, fieldIds: FieldIds, ticket: ZendeskTicket, audits: readonly ZendeskAudit[], users: readonly ZendeskUser[], now: number): TicketPlan {
  const timeline = TimelineSchema.parse(timelineFromAudits({ policy, fieldIds, ticketId: ticket.id, users }, audits));
  const decision = evaluate(policy, timeline, now);
  // The same values the sidebar writes on save; only those that differ are sent.
  const want = slaValues(decision, fieldIds, ticket.tags);
  const have = new Map(ticket.custom_fields.map((f) => [f.id, f.value ?? '']));
  const custom = want.fields.filter((f) => (have.get(f.id) ?? '') !== f.value);
  const update: TicketUpdate = {};
  if (custom.length) update.custom_fields = custom;
  const tags = want.tags;
  if (tags.length !== ticket.tags.length || tags.some((t, i) => t !== ticket.tags[i])) update.tags = tags;
  const priority = policy.classification.method === 'matrix' ? decision.priority.zendesk : null;
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

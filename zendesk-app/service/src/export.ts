import { parseOverrideNote } from '@sla-desk/core';
import type { ZendeskAudit, ZendeskAuditEvent } from '../../src/zaf/types';

/**
 * The incremental ticket-events export (GET /api/v2/incremental/ticket_events), read into the audits
 * shape that timelineFromAudits takes, so the backfill and the webhook service share one adapter.
 *
 * The export's shape is not the audits' (checked against the recorded page in
 * test/fixtures/host-payloads/zendesk_incremental_ticket_events.real-edited.json and Zendesk's
 * reference for the endpoint; its OpenAPI file describes this response wrongly, as metric events):
 *  - a child event is keyed by the field's name: {"status":"hold","event_type":"Change","previous_value":"open"};
 *  - custom fields come as {"custom_ticket_fields":{"<id>":"<value>"}};
 *  - tags come with added_tags and removed_tags beside the whole list;
 *  - ids such as group_id are numbers here ({"group_id":360003235353,"event_type":"Create"} in the
 *    recorded page), where the audits give strings;
 *  - a comment is {comment_present, comment_public} unless the request has include=comment_events,
 *    which puts the comment itself (author_id, body, public, …) in the child event;
 *  - the updater is updater_id, and no users are sideloaded (read their roles with users/show_many).
 */
export interface ExportEvent {
  id: number;
  ticket_id: number;
  created_at: string;
  updater_id: number;
  event_type?: string;
  child_events?: Record<string, unknown>[];
}

/** Keys of a Create/Change child event that are about the event, not the field it changed. */
const META = new Set(['id', 'via', 'via_reference_id', 'event_type', 'previous_value', 'added_tags', 'removed_tags']);

export interface ReadOptions {
  /**
   * Keep only what a timeline can use: the fields named here (plus status, custom status, priority,
   * group and tags), comments without their text unless the text is an override note. The backfill holds
   * every open ticket's history at once, and comment bodies are most of its size.
   */
  keepFields?: ReadonlySet<string>;
}

export function auditOfTicketEvent(e: ExportEvent, opts: ReadOptions = {}): ZendeskAudit {
  const events: ZendeskAuditEvent[] = [];
  for (const c of e.child_events ?? []) {
    const kind = c.event_type;
    if (kind === 'Comment') {
      // With include=comment_events the comment's own fields; without, only two booleans.
      const isPublic = typeof c.public === 'boolean' ? c.public : c.comment_public !== false;
      const author = typeof c.author_id === 'number' ? c.author_id : undefined;
      let body = typeof c.body === 'string' ? c.body : undefined;
      if (opts.keepFields && body !== undefined && (isPublic || !parseOverrideNote(body))) body = undefined;
      events.push({ type: 'Comment', public: isPublic, ...(author !== undefined ? { author_id: author } : {}), ...(body !== undefined ? { body } : {}) });
      continue;
    }
    if (kind !== 'Create' && kind !== 'Change') continue;
    const previous = kind === 'Change' ? { previous_value: c.previous_value as string | null } : {};
    for (const [key, value] of Object.entries(c)) {
      if (META.has(key)) continue;
      if (key === 'custom_ticket_fields' && value && typeof value === 'object') {
        for (const [id, v] of Object.entries(value as Record<string, unknown>)) {
          if (opts.keepFields && !opts.keepFields.has(id)) continue;
          events.push({ type: kind, field_name: id, value: scalar(v), ...previous });
        }
        continue;
      }
      if (opts.keepFields && !opts.keepFields.has(key) && !ALWAYS.has(key)) continue;
      events.push({ type: kind, field_name: key, value: key === 'tags' ? (Array.isArray(value) ? value.map(String) : scalar(value)) : scalar(value), ...previous });
    }
  }
  return { id: e.id, created_at: e.created_at, author_id: e.updater_id, events };
}

// group_id: group_ownership Metrics count the time in a group, so a backfill that dropped it would
// write those Metrics' due times as if no group had ever owned the ticket.
const ALWAYS = new Set(['status', 'custom_status_id', 'priority', 'group_id', 'tags', 'organization_id', 'brand_id', 'ticket_form_id']);

function scalar(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

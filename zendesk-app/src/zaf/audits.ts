import { parseOverrideNote, tagPart, type Policy, type TimelineEvent, type TimelineInput } from '@sla-desk/core';
import { levelOfTag, type FieldIds } from './fields';
import type { ZendeskAudit, ZendeskCommentEvent, ZendeskFieldEvent, ZendeskUser } from './types';

/**
 * Turns a Zendesk ticket's audits into the host-neutral timeline core evaluates: status changes
 * (pauses, solved, reopened), public agent replies, Impact/Urgency/Tier/priority changes, SLA
 * tags, and overrides read back from their internal notes.
 *
 * Conventions with the rest of the app:
 *  - Impact, Urgency and Tier are the taggers of requirements.cjs (values sla_impact_<id>, ...).
 *  - A category is a tag sla_category_<id>; a kept promise ("findings provided") a tag sla_met_<metric>.
 *  - With requester or severity classification, the Priority is the native priority field, mapped back
 *    through the policy's `zendesk` values (the first Priority mapped to a value wins).
 */
export interface AuditContext {
  policy: Policy;
  fieldIds: FieldIds;
  ticketId: number;
  users: readonly ZendeskUser[];
}

type Fields = NonNullable<TimelineInput['fields']>;

export function timelineFromAudits(ctx: AuditContext, audits: readonly ZendeskAudit[]): TimelineInput {
  const sorted = [...audits].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  if (!sorted.length) throw new Error(`ticket ${ctx.ticketId} has no audits`);
  const roles = new Map(ctx.users.map((u) => [u.id, u.role]));
  const fields: Fields = {};
  const events: TimelineEvent[] = [];
  const createdAt = sorted[0].created_at;
  let tags = new Set<string>();

  for (const audit of sorted) {
    const at = audit.created_at;
    const initial = audit === sorted[0];
    for (const e of audit.events) {
      if (e.type === 'Comment') {
        const c = e as ZendeskCommentEvent;
        const agent = roles.get(c.author_id) === 'agent' || roles.get(c.author_id) === 'admin';
        const override = !c.public && agent && typeof c.body === 'string' ? parseOverrideNote(c.body) : null;
        if (override) events.push({ ...override, at });
        else if (!initial) events.push({ type: 'reply', at, public: c.public, author: agent ? 'agent' : 'requester' });
        continue;
      }
      if (e.type !== 'Create' && e.type !== 'Change') continue;
      const change = e as ZendeskFieldEvent;
      for (const [field, value] of fieldChanges(ctx, change, tags)) {
        if (initial) fields[field] = value;
        else events.push({ type: 'field', at, field, value });
      }
      if (change.field_name === 'tags') {
        const next = new Set(asList(change.value));
        for (const t of next) {
          const metric = t.startsWith('sla_met_') ? Object.keys(ctx.policy.metrics).find((m) => `sla_met_${tagPart(m)}` === t) : undefined;
          if (metric && !tags.has(t)) events.push({ type: 'met', at, metric });
        }
        tags = next;
      }
    }
  }
  return { id: String(ctx.ticketId), createdAt, fields, events };
}

type FieldName = 'impact' | 'urgency' | 'priority' | 'tier' | 'category' | 'status';

function fieldChanges(ctx: AuditContext, e: { field_name: string; value: string | string[] | null }, tags: Set<string>): [FieldName, string | null][] {
  const { policy, fieldIds } = ctx;
  const value = Array.isArray(e.value) ? null : e.value;
  const c = policy.classification;
  switch (e.field_name) {
    case 'status':
      return [['status', value]];
    case 'priority':
      return c.method === 'matrix' ? [] : [['priority', priorityOfZendesk(policy, value)]];
    case String(fieldIds.impact):
      return c.method === 'matrix' ? [['impact', levelOfTag(value, 'sla_impact_', c.impact.map((l) => l.id))]] : [];
    case String(fieldIds.urgency):
      return c.method === 'matrix' ? [['urgency', levelOfTag(value, 'sla_urgency_', c.urgency.map((l) => l.id))]] : [];
    case String(fieldIds.tier):
      // An option the policy does not know keeps its raw value, so evaluate warns and falls back.
      return [['tier', levelOfTag(value, 'sla_tier_', Object.keys(policy.tiers)) ?? (value ? value.replace(/^sla_tier_/, '') : null)]];
    case 'tags': {
      const before = categoryOfTags(policy, tags);
      const after = categoryOfTags(policy, new Set(asList(e.value)));
      return after !== before ? [['category', after]] : [];
    }
    default:
      return [];
  }
}

function asList(v: string | string[] | null): string[] {
  if (Array.isArray(v)) return v;
  return v ? v.split(/\s+/).filter(Boolean) : [];
}

function categoryOfTags(policy: Policy, tags: Set<string>): string | null {
  return Object.keys(policy.categories).find((c) => tags.has(`sla_category_${tagPart(c)}`)) ?? null;
}

/** The policy Priority a native Zendesk priority stands for. */
export function priorityOfZendesk(policy: Policy, value: string | null): string | null {
  if (!value) return null;
  return Object.entries(policy.priorities).find(([, p]) => p.zendesk === value)?.[0] ?? null;
}

/** One page of GET /api/v2/tickets/{id}/audits.json. */
export interface AuditPage {
  audits: ZendeskAudit[];
  users?: ZendeskUser[];
  next_page?: string | null;
}

/** A long ticket's history is cut without this: stop somewhere, but far beyond any real ticket. */
const MAX_AUDIT_PAGES = 200;

/**
 * All of a ticket's audits. Zendesk gives them 100 a page, and a timeline built from the first
 * page alone would miss a later pause or reopen, so next_page is followed. `get` is the host's
 * request function (ZAF's client.request in the sidebar, axios in the service).
 */
export async function readAllAudits(get: (path: string) => Promise<AuditPage>, ticketId: number): Promise<{ audits: ZendeskAudit[]; users: ZendeskUser[] }> {
  const audits: ZendeskAudit[] = [];
  const users = new Map<number, ZendeskUser>();
  let path: string | null = `/api/v2/tickets/${ticketId}/audits.json?include=users`;
  for (let page = 0; path && page < MAX_AUDIT_PAGES; page++) {
    const data: AuditPage = await get(path);
    audits.push(...data.audits);
    for (const u of data.users ?? []) users.set(u.id, u);
    // next_page is an absolute URL on the account's domain; the host wants the path.
    path = data.next_page ? pathOf(data.next_page) : null;
  }
  return { audits, users: [...users.values()] };
}

function pathOf(url: string): string {
  const u = new URL(url, 'https://zendesk.invalid');
  return u.pathname + u.search;
}

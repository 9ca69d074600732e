import { LADDER_AUTHOR, parseOverrideNote, readsConditions, statusWord, tagPart, type Policy, type TimelineEvent, type TimelineInput } from '@sla-desk/core';
import { levelOfTag, type FieldIds } from './fields';
import type { ZendeskAudit, ZendeskCommentEvent, ZendeskFieldEvent, ZendeskUser } from './types';

/**
 * Turns a Zendesk ticket's audits into the host-neutral timeline core evaluates: status changes
 * (pauses, solved, reopened), every comment after the ticket's first with its author's side (the
 * requester's, or an agent's), group assignments, Impact/Urgency/Tier/priority changes, SLA tags,
 * and overrides read back from their internal notes.
 *
 * Shapes are those of GET /api/v2/tickets/{id}/audits (Zendesk's "Ticket Audits" reference, and the
 * recorded responses in test/fixtures/host-payloads): Create/Change events carry field_name, value and
 * previous_value; custom fields are named by their id; a Comment carries author_id, public and body.
 * The ticket-events export is turned into this shape by the backfill (service/src/export.ts), so
 * both feed this one adapter.
 *
 * Conventions with the rest of the app:
 *  - Impact, Urgency, Tier and the SLA priority are the taggers of requirements.cjs (sla_impact_<id>, ...).
 *  - A category is a tag sla_category_<id>; a kept promise ("findings provided") a tag sla_met_<metric>.
 *  - Statuses go through core's statusWord: Zendesk's status (new, open, pending, hold, solved,
 *    closed) and, on accounts with custom statuses, custom_status_id, mapped by the policy.
 *  - The policy priority is the SLA priority field when the app has one; else the native priority,
 *    mapped back through the policy's `zendesk` values. Several policy priorities can share one native
 *    value (S3 and S4 are both "normal"), which is why the field of its own exists.
 *  - The group is group_id as the audits give it (a string in recorded Create events, a number in
 *    the export): what a group_ownership Metric's `group:` names, so a Zendesk policy names the id.
 *  - A comment's side is its author's role: agents and admins answer; anyone else (the requester, a
 *    CC, another end user of the organization) is the requester's side, whose public message after
 *    the first reply starts a next-reply cycle.
 */
export interface AuditContext {
  policy: Policy;
  fieldIds: FieldIds;
  ticketId: number;
  users: readonly ZendeskUser[];
  /**
   * Who may write an override: triage leads and the app's API user, as the account says (see
   * leads.ts). A note in the override's form from anyone else is an ordinary note: the format is
   * public, so the text alone proves nothing.
   */
  trusted?: ReadonlySet<number>;
  /**
   * The policy's named attributes kept on the requester or the organization (userField,
   * organizationField), as the caller read them now: the audits do not hold their history.
   */
  attributes?: Record<string, string | null>;
}

type Fields = NonNullable<TimelineInput['fields']>;
const NOBODY: ReadonlySet<number> = new Set();

export function timelineFromAudits(ctx: AuditContext, audits: readonly ZendeskAudit[]): TimelineInput {
  // Several audits can share a second (a trigger's change right after the creation); ids keep their order.
  const sorted = [...audits].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  if (!sorted.length) throw new Error(`ticket ${ctx.ticketId} has no audits`);
  const { policy, fieldIds } = ctx;
  const roles = new Map(ctx.users.map((u) => [u.id, u.role]));
  const trusted = ctx.trusted ?? NOBODY;
  const fields: Fields = {};
  const events: TimelineEvent[] = [];
  const createdAt = sorted[0].created_at;
  let tags = new Set<string>();
  // Rules and conditional pauses read the ticket's tags and its organization, brand and form (by
  // id, as the audits give them); a policy without conditions is spared the events.
  const conditional = readsConditions(policy);
  let initialTags: string[] = [];
  // The policy's named attributes kept in ticket fields: their history is in the audits.
  const byField = new Map<string, string>();
  if (conditional) for (const [name, a] of Object.entries(policy.attributes)) if (a.zendesk?.ticketField !== undefined) byField.set(String(a.zendesk.ticketField), name);
  const attributes: Record<string, string | null> = { ...(conditional ? ctx.attributes : undefined) };
  const status: { name: string | null; id: string | null; word: string | null } = { name: null, id: null, word: null };
  const prio: { id: string | null; said: string | null | undefined } = { id: null, said: undefined };

  for (const audit of sorted) {
    const at = audit.created_at;
    const initial = audit === sorted[0];
    const put = (field: keyof Fields, value: string | null) => {
      if (initial) fields[field] = value;
      else events.push({ type: 'field', at, field, value });
    };
    // Status and priority can each arrive as two events in one audit (status + custom_status_id,
    // native + SLA priority); they are read whole after the audit, at the place the first one stood.
    let statusAt = -1;
    let prioAt = -1;
    for (const e of audit.events) {
      if (e.type === 'Comment') {
        const c = e as ZendeskCommentEvent;
        // The doc example's comment has no author_id; the audit's author wrote it then.
        const author = typeof c.author_id === 'number' ? c.author_id : audit.author_id;
        // Only a known agent answers: a CC or an author the page did not sideload is the
        // requester's side, which at worst starts a wait rather than stopping a clock.
        const agent = roles.get(author) === 'agent' || roles.get(author) === 'admin';
        const mayOverride = c.public === false && trusted.has(author) && trusted.has(audit.author_id);
        const override = mayOverride && typeof c.body === 'string' ? parseOverrideNote(c.body) : null;
        // SLA Desk's own notice of an override tells the requester about their priority: it answers
        // nothing they asked, so it is not the first response. It is known by its audit's metadata.
        const notice = c.public !== false && agent && audit.metadata?.custom?.sla_desk === 'override-notice';
        // The ladder's own Overrides are derived by evaluate; their notes are records, not inputs.
        if (override?.by === LADDER_AUTHOR) continue;
        if (override) events.push({ ...override, at });
        else if (notice) continue;
        else if (!initial) events.push({ type: 'reply', at, public: c.public !== false, author: agent ? 'agent' : 'requester' });
        continue;
      }
      if (e.type !== 'Create' && e.type !== 'Change') continue;
      const change = e as ZendeskFieldEvent;
      const value = Array.isArray(change.value) ? null : change.value == null ? null : String(change.value);
      switch (change.field_name) {
        case 'group_id':
          // Unassigning gives null (or an empty value): no group owns the ticket.
          put('group', value === null || value === '' ? null : value);
          continue;
        case 'organization_id':
        case 'brand_id':
        case 'ticket_form_id':
          if (conditional) put(CONTEXT_FIELD[change.field_name], value === null || value === '' ? null : value);
          continue;
        case 'status':
          status.name = value;
          if (statusAt < 0) statusAt = events.length;
          continue;
        case 'custom_status_id':
          status.id = value;
          if (statusAt < 0) statusAt = events.length;
          continue;
        case 'priority':
          if (policy.classification.method === 'matrix') continue;
          // Writing S4's native "normal" must not turn S4 into S3: a native value that the current
          // policy priority already maps to changes nothing.
          if (!(prio.id && policy.priorities[prio.id]?.zendesk === value)) prio.id = priorityOfZendesk(policy, value);
          if (prioAt < 0) prioAt = events.length;
          continue;
        case String(fieldIds.priority):
          if (policy.classification.method === 'matrix' || fieldIds.priority === undefined) continue;
          {
            // An emptied SLA priority leaves the native one in charge.
            const own = levelOfTag(value, 'sla_priority_', Object.keys(policy.priorities));
            if (own) prio.id = own;
          }
          if (prioAt < 0) prioAt = events.length;
          continue;
      }
      const named = byField.get(change.field_name);
      if (named !== undefined) {
        const v = Array.isArray(change.value) ? (change.value[0] ?? null) : value === '' ? null : value;
        if (initial) attributes[named] = v;
        else events.push({ type: 'attribute', at, name: named, value: v });
      }
      for (const [field, v] of fieldChanges(ctx, change, value, tags)) put(field, v);
      if (change.field_name === 'tags') {
        const next = new Set(asList(change.value));
        for (const t of next) {
          const metric = t.startsWith('sla_met_') ? Object.keys(policy.metrics).find((m) => `sla_met_${tagPart(m)}` === t) : undefined;
          if (metric && !tags.has(t)) events.push({ type: 'met', at, metric });
        }
        // SLA Desk's own tags (sla_*) are left out: they follow the decision, so a condition on
        // them would chase its own tail, and the service writes them on every transition.
        const theirs = [...next].filter((t) => !t.startsWith('sla_')).sort();
        const before = [...tags].filter((t) => !t.startsWith('sla_')).sort();
        if (conditional && theirs.join(' ') !== before.join(' ')) {
          if (initial) initialTags = theirs;
          else events.push({ type: 'tags', at, tags: theirs });
        }
        tags = next;
      }
    }
    const insert = (index: number, field: 'status' | 'priority', value: string | null) => {
      if (initial) fields[field] = value;
      else events.splice(index, 0, { type: 'field', at, field, value });
    };
    // Priority first: its index is unchanged by a status inserted after it, and vice versa.
    const order = [
      { at: statusAt, apply: () => {
        const word = statusWord(policy, 'zendesk', { name: status.name, category: status.name, id: status.id });
        if (word !== status.word) insert(statusAt, 'status', word);
        status.word = word;
      } },
      { at: prioAt, apply: () => {
        if (prio.id !== prio.said) insert(prioAt, 'priority', prio.id);
        prio.said = prio.id;
      } },
    ].filter((x) => x.at >= 0).sort((a, b) => b.at - a.at);
    for (const o of order) o.apply();
  }
  return { id: String(ctx.ticketId), createdAt, fields, events, ...(conditional ? { tags: initialTags, attributes } : {}) };
}

/** Zendesk's ticket properties that the timeline's context fields stand for. */
const CONTEXT_FIELD = { organization_id: 'organization', brand_id: 'brand', ticket_form_id: 'form' } as const;

type FieldName = 'impact' | 'urgency' | 'tier' | 'category';

function fieldChanges(ctx: AuditContext, e: ZendeskFieldEvent, value: string | null, tags: Set<string>): [FieldName, string | null][] {
  const { policy, fieldIds } = ctx;
  const c = policy.classification;
  switch (e.field_name) {
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

function asList(v: string | string[] | null | undefined | number): string[] {
  if (Array.isArray(v)) return v;
  return typeof v === 'string' && v ? v.split(/\s+/).filter(Boolean) : [];
}

function categoryOfTags(policy: Policy, tags: Set<string>): string | null {
  return Object.keys(policy.categories).find((c) => tags.has(`sla_category_${tagPart(c)}`)) ?? null;
}

/** The policy Priority a native Zendesk priority stands for (the first one, where several share it). */
export function priorityOfZendesk(policy: Policy, value: string | null): string | null {
  if (!value) return null;
  return Object.entries(policy.priorities).find(([, p]) => p.zendesk === value)?.[0] ?? null;
}

/**
 * Who wrote each private note that reads as an override: the comment's author and the audit's
 * author (the user who made the update). Only these need a look-up of their role and groups.
 */
export function overrideNoteAuthors(audits: readonly ZendeskAudit[]): number[] {
  const ids = new Set<number>();
  for (const a of audits) {
    for (const e of a.events) {
      if (e.type !== 'Comment') continue;
      const c = e as ZendeskCommentEvent;
      if (c.public !== false || typeof c.body !== 'string' || !parseOverrideNote(c.body)) continue;
      ids.add(a.author_id);
      if (typeof c.author_id === 'number') ids.add(c.author_id);
    }
  }
  return [...ids];
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

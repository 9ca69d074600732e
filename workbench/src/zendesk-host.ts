// The emulated Zendesk: tickets kept as Zendesk keeps them (field values and audits), the field ids
// the app's requirements would get at install, the seed the ZAF emulator starts the real sidebar
// with, and what Submit does (an audit of the changed fields). Timelines for the ticket list come
// from the Zendesk app's own audit adapter.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributesFor } from './conditions';
import type { Policy } from '@sla-desk/core';
import type { ZendeskAudit, ZendeskAuditEvent, ZendeskFieldEvent, ZendeskUser } from '../../zendesk-app/src/zaf/types';
import type { DeskTicket } from './desk';
import type { Requirements } from '../../test/zendesk/provisioning-emulator';

/** A ticket's form values by ZAF path ('ticket.status', 'ticket.tags', 'ticket.customField:custom_field_<id>'...), as Zendesk holds them. */
export type TicketValues = Record<string, unknown>;
/** A Zendesk ticket of the desk: its values now, and the audits that made them. */
export interface ZendeskTicket {
  id: number;
  subject: string;
  createdAt: string;
  /** Zendesk's updated_at, once the ticket has changed after its creation. */
  updatedAt?: string;
  values: TicketValues;
  audits: ZendeskAudit[];
}
/** The requester's user_fields and each organization's organization_fields, by key (Users and Organizations APIs). */
export interface Directory {
  userFields: Record<string, string | null>;
  organizationFields: Record<string, Record<string, string | null>>;
}
export type ZendeskUserOf = (typeof USERS)[keyof typeof USERS] | typeof SERVICE_USER;
/** zendesk-app/scripts/requirements.cjs, the app's field contract: plain JavaScript, which its build runs. */
export interface RequirementsScript {
  requirementsFor(defaultPolicy: Policy, all: Policy[]): Requirements;
  tagPart(id: string): string;
  options(levels: readonly { id: string; label: string }[], prefix: string): { value: string; name: string }[];
}
/** A ticket that arrives by email or web form (newTicket). */
export interface NewTicketForm {
  subject: string;
  tier: string;
  impact?: string;
  urgency?: string;
  groupId?: number | null;
}
/** An update through the Tickets API (PUT /api/v2/tickets/{id}.json), the parts the service sends. */
export interface RestUpdate {
  priority?: unknown;
  tags?: unknown;
  custom_fields?: { id: number; value: unknown }[];
  comment?: { body?: unknown; public?: boolean };
  metadata?: unknown;
  safe_update?: boolean;
  updated_stamp?: string;
}
/** An audit's field value: ids are strings there (see tracked). */
const asFieldValue = (v: unknown) => (v ?? null) as ZendeskFieldEvent['value'];

/**
 * The account's groups, what a ticket's group_id may hold. Support's and Tier 2's ids are those of
 * the REST emulator (test/zendesk/rest-emulator.ts GROUPS), Support's the recorded export's
 * (host-payloads/zendesk_incremental_ticket_events.real-edited.json): a Group SLA names a Zendesk
 * group by this id, never by its name. Triage keeps id 2, the service's lead group.
 */
export const ACCOUNT_GROUPS = [
  { id: 360003235353, name: 'Support' },
  { id: 360003235354, name: 'Tier 2' },
  { id: 2, name: 'Triage' },
];
const group = (name: string) => ACCOUNT_GROUPS.find((g) => g.name === name)!;

/**
 * The account's organizations, brands and ticket forms, what a ticket's organization_id, brand_id
 * and ticket_form_id may hold (Tickets API, "Show Ticket": each an integer id). A rule on Zendesk
 * names them by id (docs/timeline.md), so the form shows each id beside its name. The ids are made
 * up in the form Zendesk gives them. Each organization keeps its organization_fields, the
 * requester their user_fields (Organizations API, Users API), which a policy's attributes may name.
 */
export const ORGANIZATIONS = [
  { id: 360000071001, name: 'Acme' },
  { id: 360000071002, name: 'Globex' },
  { id: 360000071003, name: 'Initech' },
];
export const BRANDS = [
  { id: 360000081001, name: 'Kiwi' },
  { id: 360000081002, name: 'Kiwi Labs' },
];
export const FORMS = [
  { id: 360000091001, name: 'Default Ticket Form' },
  { id: 360000091002, name: 'Report a system problem' },
];
/** The form's paths for them, under the REST field names (as GROUP_PATH), and their lists. */
export const CONTEXT = {
  organization: { path: 'ticket.organization_id', field: 'organization_id', list: ORGANIZATIONS },
  brand: { path: 'ticket.brand_id', field: 'brand_id', list: BRANDS },
  form: { path: 'ticket.ticket_form_id', field: 'ticket_form_id', list: FORMS },
};
const CUSTOM = /^ticket\.customField:custom_field_(\d+)$/;
/** Zendesk's names for the system fields an audit changes, as its ticket events show them. */
const SYSTEM_TITLES: Record<string, string> = { status: 'Status', custom_status_id: 'Status', priority: 'Priority', tags: 'Tags', group_id: 'Group', assignee_id: 'Assignee', requester_id: 'Requester', organization_id: 'Organization', brand_id: 'Brand', ticket_form_id: 'Ticket form', subject: 'Subject', type: 'Type' };

export const USERS = {
  // ZAF's currentUser carries the agent's own zone (timeZone.ianaName): the sidebar shows due times there.
  agent: { id: 2, name: 'Lea (agent)', role: 'agent', groups: [group('Support')], locale: 'en-US', timeZone: { ianaName: 'America/Toronto' } },
  lead: { id: 3, name: 'Sam (triage lead)', role: 'agent', groups: [group('Triage')], locale: 'en-US', timeZone: { ianaName: 'America/Toronto' } },
};
/** The requester of every desk ticket: an end user, who writes through the Requests API. */
const REQUESTER = { id: 1, name: 'Customer', role: 'end-user' };
/** The API user the SLA Desk service writes as. */
export const SERVICE_USER = { id: 99, name: 'SLA Desk service', role: 'admin' };
const ZENDESK_USERS = [REQUESTER, USERS.agent, USERS.lead, SERVICE_USER].map((u) => ({ id: u.id, name: u.name, role: u.role as ZendeskUser['role'] }));
/** Each agent's groups, as GET /api/v2/users/{id}/groups gives them (Groups API, "List Groups"). */
export const GROUPS: Record<number, { id: number; name: string }[]> = Object.fromEntries(Object.values(USERS).map((u) => [u.id, u.groups]));

/**
 * The ticket's group, kept under the REST field's name (group_id, a number or null). The sidebar
 * reads no group, so no ZAF path for it is emulated; the workbench's form edits this one.
 */
export const GROUP_PATH = 'ticket.group_id';

/** Zendesk's statuses for the policy's status words. */
const STATUS: Record<string, string> = { open: 'open', new: 'new', pending: 'pending', 'on-hold': 'hold', hold: 'hold', solved: 'solved', closed: 'closed' };

export function zendeskHost(root: string) {
  const requirements: Requirements = JSON.parse(readFileSync(join(root, 'zendesk-app', 'dist', 'requirements.json'), 'utf8'));
  // Ids as an install would assign them, in the order requirements.json lists the fields.
  const ids: Record<string, number> = Object.fromEntries(Object.keys(requirements.ticket_fields ?? {}).map((key, i) => [key, 11 + i]));
  const requirementValues = Object.fromEntries(Object.entries(ids).map(([k, id]) => [`requirement:${k}`, { requirement_id: id, requirement_type: 'ticket_fields' }]));
  const build = join(root, 'workbench', '.build', 'zendesk-app', 'src', 'zaf');
  const req = createRequire(join(root, 'zendesk-app', 'package.json'));
  // The install makes the default policy's due fields only; the admin page's setup
  // (zendesk-app/src/zaf/setup.ts) makes another policy's, and keeps their ids in the field_ids
  // setting. The workbench's desk has had every bundled preset, so it has them all, set up so.
  const { listPresets, loadPolicy }: typeof import('@sla-desk/core/dist/presets') = req('@sla-desk/core/dist/presets.js');
  const setupDue: Record<string, number> = {};
  // The setup's fields' titles, as setup.ts gives them (core's dueFieldTitle).
  const setupTitles: Record<string, string> = {};
  const { tagPart: part, dueFieldTitle }: typeof import('@sla-desk/core') = req('@sla-desk/core');
  for (const p of listPresets()) {
    for (const [m, metric] of Object.entries(loadPolicy(p.id).metrics)) {
      const key = `sla_due_${part(m)}`;
      if (!(key in ids)) ids[key] = 11 + Object.keys(ids).length;
      if (!requirements.ticket_fields?.[key]) {
        setupDue[`due_${m}`] = ids[key];
        setupTitles[key] ??= dueFieldTitle(metric.label);
      }
    }
  }
  const fieldIdsSetting = JSON.stringify(setupDue);
  const { timelineFromAudits }: typeof import('../../zendesk-app/src/zaf/audits') = req(join(build, 'audits.js'));
  const { resolveFieldIds }: typeof import('../../zendesk-app/src/zaf/fields') = req(join(build, 'fields.js'));
  const { isLeadOf }: typeof import('../../zendesk-app/src/zaf/leads') = req(join(build, 'leads.js'));
  const path = (key: string) => `ticket.customField:custom_field_${ids[key]}`;
  /** A ticket field of the account by its id (a policy attribute's ticketField). */
  const customPath = (id: number | string) => `ticket.customField:custom_field_${id}`;
  // The tag values are the app's contract (zendesk-app/scripts/requirements.cjs): use its formula.
  const { options, tagPart }: RequirementsScript = req(join(root, 'zendesk-app', 'scripts', 'requirements.cjs'));
  const tag = { impact: (id: string) => `sla_impact_${tagPart(id)}`, urgency: (id: string) => `sla_urgency_${tagPart(id)}`, tier: (id: string) => `sla_tier_${tagPart(id)}` };

  /** The choices of the Impact, Urgency and Tier fields under a policy ({ value: tag, label }). */
  function fieldOptions(policy: Policy) {
    const c = policy.classification;
    const label = (list: { value: string; name: string }[]) => list.map((o) => ({ value: o.value, label: o.name }));
    return {
      impact: c.method === 'matrix' ? { path: path('sla_impact'), options: label(options(c.impact, 'sla_impact_')) } : null,
      urgency: c.method === 'matrix' ? { path: path('sla_urgency'), options: label(options(c.urgency, 'sla_urgency_')) } : null,
      tier: { path: path('sla_tier'), options: Object.entries(policy.tiers).map(([id, t]) => ({ value: tag.tier(id), label: t.label })) },
    };
  }

  /**
   * What each audit field_name is called where agents read it: Zendesk's own words for its system
   * fields, the requirements' titles for the app's fields (field_name is the field's id there), and
   * the policy's attribute labels for the account's other ticket fields.
   */
  function fieldTitles(policy: Policy) {
    const out: Record<string, string> = { ...SYSTEM_TITLES };
    for (const [key, id] of Object.entries(ids)) out[String(id)] = (requirements.ticket_fields?.[key]?.title as string | undefined) ?? setupTitles[key];
    for (const a of attributesFor(policy, 'zendesk')) if (a.map.ticketField) out[String(a.map.ticketField)] = a.label;
    return out;
  }

  /** The account's groups as the form offers them: the id shown, since a Group SLA names it. */
  const groupOptions = () => ({ path: GROUP_PATH, options: ACCOUNT_GROUPS.map((g) => ({ value: g.id, label: `${g.name} (${g.id})` })) });

  /**
   * The values an agent's form holds, and their audit field names. Ids are strings in the audits
   * (group_id in the recorded Create events, host-payloads/zendesk_ticket_audits_account_cursor.real.json;
   * the REST emulator's agentEdit writes a Change the same way), while the REST ticket gives the number.
   */
  function tracked(values: TicketValues): Record<string, unknown> {
    const g = values[GROUP_PATH];
    const out: Record<string, unknown> = { status: values['ticket.status'], priority: values['ticket.priority'], tags: values['ticket.tags'], group_id: g === null || g === undefined ? null : String(g) };
    // Organization, brand and form ids are strings in the audits too, as group_id is.
    for (const c of Object.values(CONTEXT)) out[c.field] = values[c.path] === null || values[c.path] === undefined ? null : String(values[c.path]);
    for (const [key, id] of Object.entries(ids)) out[String(id)] = values[path(key)] ?? null;
    // The account's other ticket fields (a policy's attributes map them by id): a Change each, by its id.
    for (const [p, v] of Object.entries(values)) {
      const m = CUSTOM.exec(p);
      if (m && !(m[1] in out)) out[m[1]] = v ?? null;
    }
    return out;
  }

  /** A desk ticket as Zendesk holds it: field values and its audits. */
  function ticketOf(policy: Policy, desk: Pick<DeskTicket, 'tier' | 'subject' | 'createdAt' | 'fields' | 'events'> & { groupId?: number | null }, id: number): ZendeskTicket {
    const zendeskPriority = (p: string | undefined) => (p && policy.priorities[p] ? policy.priorities[p].zendesk : null);
    const f = desk.fields;
    const priority = f.priority ? zendeskPriority(f.priority) : f.impact && f.urgency && policy.classification.method === 'matrix' ? zendeskPriority(policy.classification.matrix[f.impact]?.[f.urgency]) : null;
    const values: TicketValues = {
      'ticket.status': STATUS[String(f.status)] ?? 'open',
      'ticket.priority': priority,
      'ticket.tags': [tag.tier(desk.tier)],
      [path('sla_impact')]: f.impact ? tag.impact(f.impact) : null,
      [path('sla_urgency')]: f.urgency ? tag.urgency(f.urgency) : null,
      [path('sla_tier')]: tag.tier(desk.tier),
      // A ticket created in a group has group_id in its creating audit; the sample desk's have none.
      [GROUP_PATH]: desk.groupId ?? null,
    };
    const create = Object.entries(tracked(values))
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([field_name, value]): ZendeskAuditEvent => ({ type: 'Create', field_name, value: asFieldValue(value) }));
    const audits: ZendeskAudit[] = [{ id: 1, created_at: desk.createdAt, author_id: REQUESTER.id, events: [{ type: 'Comment', public: true, author_id: REQUESTER.id, body: desk.subject }, ...create] }];
    for (const e of desk.events) {
      const n = audits.length + 1;
      if (e.type === 'reply') audits.push({ id: n, created_at: e.at, author_id: USERS.agent.id, events: [{ type: 'Comment', public: e.public, author_id: USERS.agent.id, body: 'Thanks, looking into it.' }] });
      else if (e.type === 'field' && e.field === 'status') {
        audits.push({ id: n, created_at: e.at, author_id: USERS.agent.id, events: [{ type: 'Change', field_name: 'status', value: STATUS[e.value] ?? e.value, previous_value: asFieldValue(values['ticket.status']) }] });
        values['ticket.status'] = STATUS[e.value] ?? e.value;
      }
    }
    return { id, subject: desk.subject, createdAt: desk.createdAt, values, audits };
  }

  /** What Submit saves: one audit with a Change per field that differs. Returns false when nothing did. */
  function submit(ticket: ZendeskTicket, values: TicketValues, user: { id: number }, at: number): boolean {
    const before = tracked(ticket.values);
    const after = tracked({ ...ticket.values, ...pick(values) });
    const events = Object.keys(after)
      .filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
      .map((k): ZendeskAuditEvent => ({ type: 'Change', field_name: k, value: asFieldValue(after[k]), previous_value: asFieldValue(before[k]) }));
    if (!events.length) return false;
    ticket.values = { ...ticket.values, ...pick(values) };
    ticket.audits.push({ id: ticket.audits.length + 1, created_at: new Date(at).toISOString(), author_id: user.id, events });
    bump(ticket, at);
    return true;
  }

  /** updated_at moves forward on every change, as Zendesk's does: safe_update compares it. */
  function bump(ticket: ZendeskTicket, at: number) {
    const prev = Date.parse(stampOf(ticket));
    ticket.updatedAt = new Date(Math.max(at, prev + 1)).toISOString();
  }
  const stampOf = (ticket: ZendeskTicket): string => ticket.updatedAt ?? ticket.audits[ticket.audits.length - 1].created_at;

  /** The ticket as Zendesk's REST API shows it (GET /api/v2/tickets/{id}.json). */
  function restTicket(ticket: ZendeskTicket) {
    const v = ticket.values;
    return {
      id: ticket.id,
      subject: ticket.subject,
      status: v['ticket.status'],
      priority: v['ticket.priority'] ?? null,
      tags: v['ticket.tags'] ?? [],
      custom_fields: [
        ...Object.keys(ids).map((k) => ({ id: ids[k], value: v[path(k)] ?? null })),
        ...Object.entries(v).flatMap(([p, value]) => {
          const m = CUSTOM.exec(p);
          return m && !Object.values(ids).includes(Number(m[1])) ? [{ id: Number(m[1]), value: value ?? null }] : [];
        }),
      ],
      // A number or null (Tickets API, "Show Ticket": group_id is an integer), where the audits give a string.
      group_id: v[GROUP_PATH] ?? null,
      organization_id: v[CONTEXT.organization.path] ?? null,
      brand_id: v[CONTEXT.brand.path] ?? null,
      ticket_form_id: v[CONTEXT.form.path] ?? null,
      created_at: ticket.createdAt,
      updated_at: stampOf(ticket),
    };
  }

  /** A REST update (PUT /api/v2/tickets/{id}.json) by the API user: the same audit an agent's save makes. */
  function applyRest(ticket: ZendeskTicket, u: RestUpdate, at: number): boolean {
    const values: TicketValues = {};
    if (typeof u.priority === 'string') values['ticket.priority'] = u.priority;
    // Tickets API "Update Ticket": `tags` replaces the list; additional_tags and remove_tags are
    // documented for Update Many Tickets only, and are not applied to a single ticket.
    if (Array.isArray(u.tags)) values['ticket.tags'] = u.tags;
    for (const f of u.custom_fields ?? []) values[`ticket.customField:custom_field_${f.id}`] = f.value;
    const changed = submit(ticket, values, SERVICE_USER, at);
    if (u.comment?.body) comment(ticket, u.comment, SERVICE_USER, at, u.metadata);
    return changed || !!u.comment?.body;
  }

  /** A ticket that arrives by email or web form: its fields set, no priority, nobody has opened it. */
  function newTicket(policy: Policy, id: number, form: NewTicketForm, at: number): ZendeskTicket {
    const t = ticketOf(policy, { tier: form.tier, subject: form.subject, createdAt: new Date(at).toISOString(), groupId: form.groupId, fields: { status: 'new', impact: form.impact, urgency: form.urgency }, events: [] }, id);
    t.values['ticket.priority'] = null;
    t.audits[0].events = t.audits[0].events.filter((e) => !('field_name' in e) || e.field_name !== 'priority');
    return t;
  }

  const fieldIdsFor = (policy: Policy) => resolveFieldIds(policy, requirementValues, fieldIdsSetting);

  /** Only the ticket's own fields: never the host's paths such as currentUser or requirements. */
  function pick(values: TicketValues | undefined): TicketValues {
    const allowed = new Set(['ticket.status', 'ticket.priority', 'ticket.tags', GROUP_PATH, ...Object.values(CONTEXT).map((c) => c.path), ...Object.keys(ids).map(path)]);
    return Object.fromEntries(Object.entries(values ?? {}).filter(([k]) => allowed.has(k) || CUSTOM.test(k)));
  }

  // An update's ticket.metadata comes back in its audit as metadata.custom, as Zendesk's does.
  function comment(ticket: ZendeskTicket, c: { body?: unknown; public?: boolean }, user: { id: number }, at: number, metadata?: unknown) {
    const meta = metadata && typeof metadata === 'object' ? { metadata: { custom: metadata as Record<string, unknown> } } : {};
    ticket.audits.push({ id: ticket.audits.length + 1, created_at: new Date(at).toISOString(), author_id: user.id, events: [{ type: 'Comment', public: c.public !== false, author_id: user.id, body: String(c.body ?? '') }], ...meta });
    bump(ticket, at);
  }

  /**
   * The requester's message, as Zendesk's Requests API takes it from an end user ("Update Request",
   * PUT /api/v2/requests/{id}: a comment only, always public). As Zendesk does ("Updating and
   * solving tickets": a Pending ticket is reset to Open when the requester responds; a Solved one
   * reopens), the same audit changes such a status to open. A closed ticket takes no comment:
   * Zendesk makes a follow-up ticket instead. Returns false for a closed ticket.
   */
  function requesterComment(ticket: ZendeskTicket, body: string, at: number): boolean {
    const status = ticket.values['ticket.status'];
    if (status === 'closed') return false;
    const events: ZendeskAuditEvent[] = [{ type: 'Comment', public: true, author_id: REQUESTER.id, body: String(body) }];
    if (status === 'pending' || status === 'solved') {
      events.push({ type: 'Change', field_name: 'status', value: 'open', previous_value: status });
      ticket.values = { ...ticket.values, 'ticket.status': 'open' };
    }
    ticket.audits.push({ id: ticket.audits.length + 1, created_at: new Date(at).toISOString(), author_id: REQUESTER.id, events });
    bump(ticket, at);
    return true;
  }

  /**
   * The ZAF emulator's seed: the ticket, the current user, the installed fields and the settings.
   * `directory` holds the requester's user_fields and each organization's organization_fields:
   * ZAF gives them as ticket.requester.customField:<key> and ticket.organization.customField:<key>.
   */
  function seedOf(ticket: ZendeskTicket, user: unknown, settings: Record<string, unknown>, directory: Partial<Directory> = {}) {
    const v = ticket.values;
    const org = ORGANIZATIONS.find((o) => o.id === v[CONTEXT.organization.path]);
    const named = (list: { id: number; name: string }[], id: unknown) => {
      const x = list.find((e) => e.id === id);
      return x ? { id: x.id, name: x.name } : null;
    };
    const custom = (prefix: string, fields: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(fields ?? {}).map(([k, x]) => [`${prefix}.customField:${k}`, x]));
    return {
      settings: { ...settings, field_ids: fieldIdsSetting },
      users: ZENDESK_USERS,
      values: {
        ...v,
        'ticket.id': ticket.id,
        'ticket.createdAt': ticket.createdAt,
        'ticket.requester': { id: REQUESTER.id, name: REQUESTER.name },
        ...custom('ticket.requester', directory.userFields),
        // Ticket sidebar "Ticket object": ticket.organization, ticket.brand and ticket.form, each with its id and name.
        'ticket.organization': org ? { id: org.id, name: org.name } : null,
        ...(org ? custom('ticket.organization', directory.organizationFields?.[org.id]) : {}),
        'ticket.brand': named(BRANDS, v[CONTEXT.brand.path]),
        'ticket.form': named(FORMS, v[CONTEXT.form.path]),
        currentUser: user,
        ...requirementValues,
      },
    };
  }

  /** The organization, brand and form a ticket form offers: the id shown, since a rule names it. */
  const contextOptions = () => Object.fromEntries(Object.entries(CONTEXT).map(([k, c]) => [k, { path: c.path, options: c.list.map((e) => ({ value: e.id, label: `${e.name} (${e.id})` })) }]));

  /** The Groups API's answer for a user: { groups: [{ id, name }] }. */
  function groupsOf(userId: number | string) {
    const groups = GROUPS[Number(userId)] ?? [];
    return { groups, next_page: null, previous_page: null, count: groups.length };
  }

  /** Who may override, by the app's own rule (leads.ts): admins, the API user, members of a lead group. */
  function trustedOf(leadGroups: string | undefined) {
    const groups = String(leadGroups ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    return new Set(ZENDESK_USERS.filter((u) => u.id === SERVICE_USER.id || isLeadOf(u.role, GROUPS[u.id] ?? [], groups)).map((u) => u.id));
  }

  function timelineOf(policy: Policy, ticket: ZendeskTicket, leadGroups = 'Triage') {
    return timelineFromAudits({ policy, fieldIds: fieldIdsFor(policy), ticketId: ticket.id, users: ZENDESK_USERS, trusted: trustedOf(leadGroups) }, ticket.audits);
  }

  return { ids, path, customPath, requester: REQUESTER, users: ZENDESK_USERS, groupsOf, fieldOptions, fieldTitles, groupOptions, contextOptions, fieldIdsFor, ticketOf, newTicket, submit, comment, requesterComment, seedOf, timelineOf, restTicket, applyRest, stampOf };
}

import { evaluate, explain, readsConditions, explanationLines, makeOverride, overrideNote, overridePreview, requesterNotice, ticketView, localeOf, tagPart, type Decision, type Locale, type Policy, type PreviewRow, type Timeline, type TimelineInput, type TicketView } from '@sla-desk/core';
import { overrideNoteAuthors, readAllAudits, timelineFromAudits, type AuditPage } from '../zaf/audits';
import { isLeadOf, trustedUsers, userGroups } from '../zaf/leads';
import { tierOfForm, tierOfOrganization } from './tier-source';
import { attributeText, personAttributes, zafPath } from './attributes';
import { FIELD_KEYS, levelOfTag, requirementPaths, resolveFieldIds, type FieldIds } from '../zaf/fields';
import { PRESET_METRICS } from '../presets';
import type { ZafClient } from '../zaf/types';
import { setPriority } from '../zaf/host';
import { readSettings, type Settings } from './settings';
import { slaValues } from './values';

/**
 * One ticket as the sidebar sees it: settings, field ids, the ticket's history as a timeline, the
 * form's unsaved values, and the current user. All ZAF traffic of the sidebar goes through here.
 */
export interface Form {
  impact: string | null;
  urgency: string | null;
  tier: string | null;
  /** The native priority. */
  priority: string | null;
  /** The policy priority the SLA priority field holds (severity or requester policies). */
  slaPriority: string | null;
}

export interface User {
  id: number;
  name: string;
  role: string;
  groups: { id: number; name: string }[];
  locale: string;
  /** The agent's own IANA zone (ZAF currentUser.timeZone.ianaName), when Zendesk gives it. */
  zone: string | null;
}

export interface Loaded {
  settings: Settings;
  policy: Policy;
  fieldIds: FieldIds;
  ticketId: number | null;
  history: TimelineInput;
  form: Form;
  tags: string[];
  user: User;
  /** The requester's language, for the notice of an override. */
  requesterLocale: string;
  stale: boolean;
  /** What the ticket's requester, organization and version say about entitlements. */
  entitlements: Pick<Timeline, 'requester' | 'organization' | 'product'>;
}

export type LoadResult = { ok: true; data: Loaded } | { ok: false; problems: string[]; settings?: Settings };

const BASIC_PATHS = ['ticket.id', 'ticket.createdAt', 'ticket.status', 'ticket.priority', 'ticket.tags', 'ticket.requester', 'ticket.organization', 'currentUser'];

/** Retry a ZAF call once; the caller shows its data as stale if the second try fails too. */
async function twice<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    return fn();
  }
}

export async function loadTicket(client: ZafClient): Promise<LoadResult> {
  // Round trip 1: the settings, and in one batched get the ticket basics and the requirement ids
  // (for the metrics of every bundled preset, since the policy is not known yet).
  const [meta, firstGet] = await Promise.all([twice(() => client.metadata()), twice(() => client.get([...BASIC_PATHS, ...requirementPaths(PRESET_METRICS)]))]);
  const settings = await readSettings(meta.settings);
  if (!settings.policy) return { ok: false, problems: settings.problems, settings };
  const policy = settings.policy;
  let first = firstGet;
  const unseen = Object.keys(policy.metrics).filter((m) => !PRESET_METRICS.includes(m));
  // Only a pasted policy with metrics of its own costs one more round trip.
  if (unseen.length) first = { ...first, ...(await twice(() => client.get(requirementPaths(unseen).slice(FIELD_KEYS.length)))) };
  const fieldIds = resolveFieldIds(policy, first, settings.fieldIdsSetting);
  const ticketId = typeof first['ticket.id'] === 'number' ? (first['ticket.id'] as number) : null;
  const custom = [fieldIds.impact, fieldIds.urgency, fieldIds.tier, fieldIds.versionReleased, fieldIds.priority].filter((x): x is number => x !== undefined).map((id) => `ticket.customField:custom_field_${id}`);
  // User and organization fields by their keys, through ZAF's documented paths (Ticket sidebar
  // API: ticket.requester.customField:<key>, ticket.organization.customField:<key>).
  custom.push(REQUESTER_DESIGNATED, ORG_CONTACTS);
  if (settings.tierSource.kind === 'organization_field') custom.push(orgField(settings.tierSource.key));
  // The policy's attributes on the requester or the organization, only when its rules read any.
  const people = readsConditions(policy) ? personAttributes(policy) : [];
  custom.push(...people.map(zafPath));
  // Round trip 2: the custom fields' form values and the audits, in parallel.
  let stale = false;
  const [second, auditData] = await Promise.all([
    custom.length ? twice(() => client.get(custom)).catch(() => ((stale = true), {} as Record<string, unknown>)) : Promise.resolve({} as Record<string, unknown>),
    ticketId === null
      ? Promise.resolve(null)
      : readAllAudits((url) => twice(() => client.request<AuditPage>({ url })), ticketId).catch(() => ((stale = true), null)),
  ]);
  const user = userOf(first.currentUser);
  // An override counts only from a triage lead (or the app's API user, an admin): the authors of
  // notes in the override's form are checked against their role and groups, not believed.
  let trusted = new Set<number>();
  if (auditData) {
    const get = (url: string) => twice(() => client.request<unknown>({ url }));
    trusted = await trustedUsers(overrideNoteAuthors(auditData.audits), auditData.users, { leadGroups: settings.leadGroups }, (id) => userGroups(get, id)).catch(() => ((stale = true), new Set<number>()));
  }
  const nowIso = new Date().toISOString();
  const history: TimelineInput =
    auditData && auditData.audits.length
      ? timelineFromAudits({ policy, fieldIds, ticketId: ticketId!, users: auditData.users ?? [], trusted, attributes: Object.fromEntries(people.map((a) => [a.name, attributeText(second[zafPath(a)])])) }, auditData.audits)
      : { id: String(ticketId ?? 'new'), createdAt: typeof first['ticket.createdAt'] === 'string' ? (first['ticket.createdAt'] as string) : nowIso, fields: {}, events: [] };
  const c = policy.classification;
  const value = (id: number | undefined) => (id === undefined ? null : ((second[`ticket.customField:custom_field_${id}`] as string | null | undefined) ?? null));
  const form: Form = {
    impact: c.method === 'matrix' ? levelOfTag(value(fieldIds.impact), 'sla_impact_', c.impact.map((l) => l.id)) : null,
    urgency: c.method === 'matrix' ? levelOfTag(value(fieldIds.urgency), 'sla_urgency_', c.urgency.map((l) => l.id)) : null,
    tier: settings.tierSource.kind === 'organization_field' ? tierOfOrganization(policy, second[orgField(settings.tierSource.key)]) : tierOfForm(policy, value(fieldIds.tier)),
    priority: (first['ticket.priority'] as string | null) ?? null,
    slaPriority: c.method === 'matrix' ? null : slaPriorityOf(policy, value(fieldIds.priority)),
  };
  const entitlements = entitlementsOf(second[REQUESTER_DESIGNATED], second[ORG_CONTACTS], value(fieldIds.versionReleased));
  const requester = (first['ticket.requester'] ?? {}) as { locale?: unknown };
  const requesterLocale = typeof requester.locale === 'string' ? requester.locale : policy.locale;
  return { ok: true, data: { settings, policy, fieldIds, ticketId, history, form, tags: (first['ticket.tags'] as string[]) ?? [], user, requesterLocale, stale, entitlements } };
}

const REQUESTER_DESIGNATED = 'ticket.requester.customField:sla_designated_contact';
const ORG_CONTACTS = 'ticket.organization.customField:sla_designated_contacts';
const orgField = (key: string) => `ticket.organization.customField:${key}`;

/** Entitlement facts from the user and organization fields requirements.json creates; absent fields say nothing. */
export function entitlementsOf(designated: unknown, contacts: unknown, released: string | null): Loaded['entitlements'] {
  const out: Loaded['entitlements'] = {};
  if (typeof designated === 'boolean') out.requester = { designated };
  // A number field may come back as its text; a checkbox as a boolean.
  const n = typeof contacts === 'string' && /^\d+$/.test(contacts) ? Number(contacts) : contacts;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) out.organization = { designatedContacts: n };
  if (released && /^\d{4}-\d{2}-\d{2}/.test(released)) out.product = { releasedAt: released.slice(0, 10) };
  return out;
}

/** The policy priority an SLA priority option stands for: "sla_priority_s4" -> "S4". */
export function slaPriorityOf(policy: Policy, tag: string | null): string | null {
  return levelOfTag(tag, 'sla_priority_', Object.keys(policy.priorities));
}

function userOf(raw: unknown): User {
  const u = (raw ?? {}) as { id?: number; name?: string; role?: string; groups?: { id: number; name: string }[]; locale?: string; timeZone?: { ianaName?: unknown } };
  const zone = typeof u.timeZone?.ianaName === 'string' && u.timeZone.ianaName ? u.timeZone.ianaName : null;
  return { id: u.id ?? 0, name: u.name ?? 'agent', role: u.role ?? 'agent', groups: u.groups ?? [], locale: u.locale ?? 'en', zone };
}

/** Triage leads: admins, and members of a configured group (by name or id). */
export function isLead(user: User, settings: Settings): boolean {
  return isLeadOf(user.role, user.groups, settings.leadGroups);
}

/** The agent's zone: their Zendesk profile's, else the browser's (a zone Intl does not know falls back too). */
export function agentZone(user: User): string {
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!user.zone) return browser;
  try {
    new Intl.DateTimeFormat('en', { timeZone: user.zone });
    return user.zone;
  } catch {
    return browser;
  }
}

/** The timeline as it stands with the form's unsaved values, evaluated at `now`. */
export function decide(data: Loaded, now: number): { decision: Decision; view: TicketView; timeline: Timeline } {
  const tl = withForm(data, now);
  const decision = evaluate(data.policy, tl, now);
  const locale = localeOf(data.user.locale);
  return { decision, view: ticketView(decision, locale, agentZone(data.user), data.policy), timeline: tl };
}

/**
 * The metrics a tier changed in the form (not saved yet) would breach at once: the agent is warned
 * before saving, as a lead is before an override.
 */
export function tierChangeBreaches(data: Loaded, now: number): string[] {
  const saved = { ...data, form: { ...data.form, tier: savedTier(data) } };
  if (saved.form.tier === data.form.tier) return [];
  const before = evaluate(data.policy, withForm(saved, now), now);
  const after = evaluate(data.policy, withForm(data, now), now);
  return after.metrics.filter((m, i) => m.state === 'breached' && before.metrics[i].state !== 'breached').map((m) => m.label);
}

/** The tier as the ticket's history has it, before the form's unsaved change. */
function savedTier(data: Loaded): string | null {
  let tier = (data.history.fields as Record<string, unknown> | undefined)?.tier ?? null;
  for (const e of data.history.events ?? []) if (e.type === 'field' && e.field === 'tier') tier = e.value;
  return tier === null || tier === undefined ? null : String(tier);
}

/** "Why this due time?" for one metric, in the agent's language and zone. */
export function explainMetric(data: Loaded, now: number, metric: string): string[] {
  const e = explain(data.policy, withForm(data, now), now, metric);
  return explanationLines(e, e.metrics[0], localeOf(data.user.locale), agentZone(data.user));
}

/** What an override to `to` would do to the due times, before the lead confirms it. */
export function previewOf(data: Loaded, now: number, to: string): PreviewRow[] {
  return overridePreview(data.policy, withForm(data, now), to, now, localeOf(data.user.locale), agentZone(data.user));
}

/** The notice the requester gets by default: in their language, without the internal reason. */
export function defaultNotice(data: Loaded, to: string): string {
  return requesterNotice(data.policy, to, data.requesterLocale);
}

/**
 * A promise met by an event (findings sent): the tag sla_met_<metric> goes on the ticket, where
 * the audit keeps when it was added, and the countdown stops at once.
 */
export async function markMet(client: ZafClient, data: Loaded, metric: string, now: number): Promise<void> {
  const tag = `sla_met_${tagPart(metric)}`;
  await client.invoke('ticket.tags.add', [tag]);
  if (!data.tags.includes(tag)) data.tags = [...data.tags, tag];
  data.history = { ...data.history, events: [...(data.history.events ?? []), { type: 'met', at: new Date(now).toISOString(), metric }] };
}

export type { Locale };
export { tierOfOrganization };

function withForm(data: Loaded, now: number): Timeline {
  const h = data.history;
  const at = new Date(Math.max(now, Date.parse(h.createdAt))).toISOString();
  const events = [...(h.events ?? [])];
  const current = { ...(h.fields ?? {}) } as Record<string, string | null | undefined>;
  for (const e of events) if (e.type === 'field') current[e.field] = e.value === null ? null : String(e.value);
  const set = (field: 'impact' | 'urgency' | 'tier' | 'priority', value: string | null) => {
    if ((current[field] ?? null) !== value) events.push({ type: 'field', at, field, value });
  };
  if (data.policy.classification.method === 'matrix') {
    set('impact', data.form.impact);
    set('urgency', data.form.urgency);
  } else if (data.form.slaPriority) set('priority', data.form.slaPriority);
  // The form's tier comes from the configured source (the Tier field or an organization field).
  set('tier', data.form.tier);
  // Built by our own adapter, so the shape is known: fill the defaults rather than validate.
  return {
    ...data.entitlements,
    id: h.id === undefined ? 'new' : String(h.id),
    createdAt: h.createdAt,
    fields: (h.fields ?? {}) as Timeline['fields'],
    tags: h.tags ?? [],
    attributes: (h.attributes ?? {}) as Timeline['attributes'],
    events: events.map((e) => (e.type === 'override' ? { ...e, notify: e.notify === true } : e)) as Timeline['events'],
  };
}

/**
 * What to write into the form on save: due instants, the state, and the tier tag, as the one tag
 * to add and the others to remove (ticket.tags.add / ticket.tags.remove), never the whole list:
 * `ticket.tags` set to the list read when the ticket opened would drop the tags an agent typed
 * or a macro applied since.
 */
export function fieldWrites(data: Loaded, decision: Decision): FormWrite[] {
  const v = slaValues(data.policy, decision, data.fieldIds, data.tags);
  const add = v.tags.filter((t) => !data.tags.includes(t));
  const remove = data.tags.filter((t) => !v.tags.includes(t));
  const writes: FormWrite[] = v.fields.map((f) => ({ path: `ticket.customField:custom_field_${f.id}`, value: f.value }));
  if (add.length) writes.push({ tags: 'add', value: add });
  if (remove.length) writes.push({ tags: 'remove', value: remove });
  // With an SLA priority field, the native priority is mapped from the policy's (as the service does);
  // the matrix sets it as Impact and Urgency change.
  if (data.policy.classification.method !== 'matrix' && data.fieldIds.priority !== undefined && decision.priority.zendesk && decision.priority.zendesk !== data.form.priority) {
    writes.push({ path: 'ticket.priority', value: decision.priority.zendesk });
  }
  return writes;
}


/** One change to the ticket form: a field set by path, or tags added or removed one by one. */
export type FormWrite = { path: string; value: unknown } | { tags: 'add' | 'remove'; value: string[] };

/** An override: the internal note (and the optional public notice) go through the REST API at once. */
export async function submitOverride(client: ZafClient, data: Loaded, from: string | null, to: string, reason: string, notify: boolean, now: number, notice?: string) {
  const { override, problems } = makeOverride(data.policy, { by: data.user.name, from, to, reason, notify }, now);
  if (!override) return { ok: false as const, problems: problems.map((p) => `${p.path}: ${p.message}`) };
  const text = notify ? (notice ?? '').trim() || defaultNotice(data, to) : '';
  const locale = localeOf(data.user.locale);
  // The notice is marked in its audit's metadata, so that the timeline does not take it for the
  // first public reply: telling the requester their priority changed answers nothing they asked.
  const updates: { comment: { body: string; public: boolean }; metadata?: Record<string, string> }[] = [{ comment: { body: overrideNote(override, locale), public: false } }];
  if (text) updates.push({ comment: { body: text, public: true }, metadata: { sla_desk: 'override-notice' } });
  for (const ticket of updates) {
    await twice(() => client.request({ url: `/api/v2/tickets/${data.ticketId}.json`, type: 'PUT', contentType: 'application/json', data: JSON.stringify({ ticket }) }));
  }
  data.history = { ...data.history, events: [...(data.history.events ?? []), override] };
  const zendesk = data.policy.priorities[to]?.zendesk;
  if (zendesk) await setPriority(client, zendesk);
  return { ok: true as const, override };
}


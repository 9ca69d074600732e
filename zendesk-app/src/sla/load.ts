import { readsConditions, type Policy, type Timeline, type TimelineInput } from '@sla-desk/core';
import { overrideNoteAuthors, readAllAudits, timelineFromAudits, type AuditPage } from '../zaf/audits';
import { trustedUsers, userGroups } from '../zaf/leads';
import { tierOfForm, tierOfOrganization } from './tier-source';
import { attributeText, personAttributes, zafPath } from './attributes';
import { FIELD_KEYS, levelOfTag, requirementPaths, resolveFieldIds, type FieldIds } from '../zaf/fields';
import { PRESET_METRICS } from '../presets';
import type { ZafClient } from '../zaf/types';
import { readSettings, type Settings } from './settings';

// Loading a ticket needs no evaluation: the page's first script (app/main.tsx) starts it while the
// UI's script (React, Garden and the engine) is still on its way.

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
  /** The requester's language as Zendesk gives it (null: none), for the notice of an override. */
  requesterLocale: string | null;
  stale: boolean;
  /** What the ticket's requester, organization and version say about entitlements. */
  entitlements: Pick<Timeline, 'requester' | 'organization' | 'product'>;
}

export type LoadResult = { ok: true; data: Loaded } | { ok: false; problems: string[]; settings?: Settings };

const BASIC_PATHS = ['ticket.id', 'ticket.createdAt', 'ticket.status', 'ticket.priority', 'ticket.tags', 'ticket.requester', 'ticket.organization', 'currentUser'];

/** Retry a ZAF call once; the caller shows its data as stale if the second try fails too. */
export async function twice<T>(fn: () => Promise<T>): Promise<T> {
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
  const requesterLocale = typeof requester.locale === 'string' ? requester.locale : null;
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

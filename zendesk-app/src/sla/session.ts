import { evaluate, ticketView, localeOf, tagPart, type Decision, type Locale, type Timeline, type TicketView } from '@sla-desk/core';
import { isLeadOf } from '../zaf/leads';
import { tierOfOrganization } from './tier-source';
import type { ZafClient } from '../zaf/types';
import type { Settings } from './settings';
import { slaValues } from './values';
import type { Loaded, User } from './load';

/**
 * The sidebar's evaluation of a loaded ticket (sla/load.ts loads it). What only opens on demand is
 * apart, loaded after the countdown shows: "why this due time?" (sla/explain.ts) and the override
 * (sla/override.ts).
 */
export { loadTicket, entitlementsOf, slaPriorityOf, type Form, type User, type Loaded, type LoadResult } from './load';

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

/** The timeline with the form's unsaved values (the why panel and the override preview read it too). */
export function withForm(data: Loaded, now: number): Timeline {
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

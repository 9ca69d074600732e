import type { Policy, TimelineInput } from '@sla-desk/core';
import { levelOfTag } from '../zaf/fields';

/**
 * Where a ticket's Tier comes from: SLA Desk's Tier field, or a field of the requester's
 * organization. The sidebar's `tier_source` setting and the service's SLA_TIER_SOURCE take the same
 * words and are read here, so the two never count a ticket under different tiers.
 */
export type TierSource = { kind: 'ticket_field' } | { kind: 'organization_field'; key: string };

/** Organization field keys, as Zendesk makes them (letters, digits, underscores and hyphens). */
const FIELD_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** `ticket_field` (or nothing) or `organization_field:<key>`; otherwise the problem, naming `name`. */
export function parseTierSource(raw: unknown, name: string): { source: TierSource; problem?: string } {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text || text === 'ticket_field') return { source: { kind: 'ticket_field' } };
  const key = text.startsWith('organization_field:') ? text.slice('organization_field:'.length) : '';
  if (FIELD_KEY.test(key)) return { source: { kind: 'organization_field', key } };
  return { source: { kind: 'ticket_field' }, problem: `${name}: expected ticket_field or organization_field:<key>, got "${text.slice(0, 80)}"` };
}

/** The tier an organization field names: a tier id, its label, or its tag. */
export function tierOfOrganization(policy: Policy, raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const v = raw.trim();
  const byLabel = Object.entries(policy.tiers).find(([id, t]) => id === v || t.label.toLowerCase() === v.toLowerCase());
  return byLabel ? byLabel[0] : tierOfForm(policy, v);
}

/** The tier the Tier field's option tag stands for ("sla_tier_plus" -> "plus"). */
export function tierOfForm(policy: Policy, tag: string | null): string | null {
  if (!tag) return null;
  return levelOfTag(tag, 'sla_tier_', Object.keys(policy.tiers)) ?? tag.replace(/^sla_tier_/, '');
}

/**
 * The timeline with the organization's tier as the ticket's tier throughout: the organization's
 * plan is a fact about the customer, not an event on the ticket, and the evaluation reads the tier
 * the ticket has now. Tier field changes in the audits do not count under this source.
 */
export function withTier(timeline: TimelineInput, tier: string | null): TimelineInput {
  const events = (timeline.events ?? []).filter((e) => !(e.type === 'field' && e.field === 'tier'));
  return { ...timeline, fields: { ...(timeline.fields ?? {}), tier }, events };
}

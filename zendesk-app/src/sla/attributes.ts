import type { Policy } from '@sla-desk/core';

/**
 * The policy's named attributes that live on the requester or the organization (`userField`,
 * `organizationField`). Ticket-field attributes come from the audits, with their history; these
 * are read as they stand when the ticket is read, by the sidebar through ZAF's documented paths
 * (ticket.requester.customField:<key>, ticket.organization.customField:<key>) and by the service
 * through Show User and Show Organization (user_fields, organization_fields).
 */
export interface PersonAttribute {
  name: string;
  on: 'user' | 'organization';
  key: string;
}

export function personAttributes(policy: Policy): PersonAttribute[] {
  const out: PersonAttribute[] = [];
  for (const [name, a] of Object.entries(policy.attributes)) {
    if (a.zendesk?.userField) out.push({ name, on: 'user', key: a.zendesk.userField });
    else if (a.zendesk?.organizationField) out.push({ name, on: 'organization', key: a.zendesk.organizationField });
  }
  return out;
}

/** The ZAF path a sidebar reads a person attribute from. */
export const zafPath = (a: PersonAttribute): string => `ticket.${a.on === 'user' ? 'requester' : 'organization'}.customField:${a.key}`;

/**
 * A user or organization field's value as the text a condition compares: a drop-down's option tag
 * or a text as it is, a number's digits, a checkbox's true or false; empty is none.
 */
export function attributeText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return attributeText(v[0]);
  return null;
}

/** The person attributes' values, from the fields each side read (by key). */
export function personValues(list: readonly PersonAttribute[], user: Record<string, unknown>, organization: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of list) out[a.name] = attributeText(Object.hasOwn(a.on === 'user' ? user : organization, a.key) ? (a.on === 'user' ? user : organization)[a.key] : null);
  return out;
}

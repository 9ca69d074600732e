import type { AxiosInstance } from 'axios';
import { LRUCache } from 'lru-cache';
import { readsConditions, type TimelineInput } from '@sla-desk/core';
import { personAttributes, personValues } from '../../src/sla/attributes';
import { tierOfOrganization, withTier } from '../../src/sla/tier-source';
import type { ZendeskAudit } from '../../src/zaf/types';
import type { ServiceConfig } from './config';
import { statusOf } from './zendesk';

/**
 * An organization's fields change rarely and many tickets share one organization, so each is read
 * at most once a minute per account (Organizations API, Show Organization). A changed plan so
 * reaches the tickets within a minute, as the sidebar reads it when a ticket opens.
 */
const TTL_MS = 60_000;
interface Held {
  fields: Record<string, unknown>;
  /** A user's IANA zone (Show User's iana_time_zone), or null. */
  zone: string | null;
}
const caches = new WeakMap<AxiosInstance, LRUCache<string, Held>>();

/**
 * What the service reads of a record ({} and no zone when it is gone): an organization's
 * organization_fields (Show Organization), or a user's user_fields and iana_time_zone (Show
 * User), each read at most once a minute.
 */
async function recordOf(http: AxiosInstance, kind: 'organization' | 'user', id: number): Promise<Held> {
  let cache = caches.get(http);
  if (!cache) caches.set(http, (cache = new LRUCache({ max: 5_000, ttl: TTL_MS })));
  const hit = cache.get(`${kind}:${id}`);
  if (hit) return hit;
  const held: Held = { fields: {}, zone: null };
  try {
    const r = await http.get(`/api/v2/${kind}s/${id}.json`);
    held.fields = ((kind === 'organization' ? r.data?.organization?.organization_fields : r.data?.user?.user_fields) ?? {}) as Record<string, unknown>;
    const zone = kind === 'user' ? r.data?.user?.iana_time_zone : null;
    held.zone = typeof zone === 'string' && zone ? zone : null;
  } catch (e) {
    // A record deleted since names nothing: the policy's default, as in the sidebar.
    if (statusOf(e) !== 404) throw e;
  }
  cache.set(`${kind}:${id}`, held);
  return held;
}

const customFields = async (http: AxiosInstance, kind: 'organization' | 'user', id: number) => (await recordOf(http, kind, id)).fields;

/** The assignee's zone, for the notes the service writes (core's noteZone checks it is one); null with no assignee. */
export async function assigneeZoneOf(http: AxiosInstance, assigneeId: number | null | undefined): Promise<string | null> {
  return typeof assigneeId === 'number' && Number.isSafeInteger(assigneeId) ? (await recordOf(http, 'user', assigneeId)).zone : null;
}

const organizationFields = (http: AxiosInstance, id: number) => customFields(http, 'organization', id);

/**
 * The policy's named attributes on the requester or the organization (userField,
 * organizationField), read as they stand, as the sidebar reads them through ZAF; undefined when
 * the policy reads none. The requester is the audits' last requester_id.
 */
export async function personAttributesOf(http: AxiosInstance, cfg: ServiceConfig, audits: readonly ZendeskAudit[], organizationId: number | null | undefined): Promise<Record<string, string | null> | undefined> {
  const list = readsConditions(cfg.policy) ? personAttributes(cfg.policy) : [];
  if (!list.length) return undefined;
  const requester = lastValue(audits, 'requester_id');
  const user = requester && list.some((a) => a.on === 'user') ? await customFields(http, 'user', requester) : {};
  const org = organizationId && list.some((a) => a.on === 'organization') ? await organizationFields(http, organizationId) : {};
  return personValues(list, user, org);
}

function lastValue(audits: readonly ZendeskAudit[], field: string): number | null {
  for (let i = audits.length - 1; i >= 0; i--) {
    for (const e of audits[i].events) {
      const c = e as { type: string; field_name?: string; value?: unknown };
      if ((c.type === 'Create' || c.type === 'Change') && c.field_name === field && c.value != null && /^\d+$/.test(String(c.value))) return Number(c.value);
    }
  }
  return null;
}

/**
 * The timeline as the service evaluates it: with SLA_TIER_SOURCE=organization_field:<key>, the
 * ticket's tier is the one its organization's field names, as the sidebar's tier_source reads it
 * (ticket.organization.customField:<key>); with no organization, none (the policy's default).
 */
export async function withTierSource(http: AxiosInstance, cfg: ServiceConfig, timeline: TimelineInput, organizationId: number | null | undefined): Promise<TimelineInput> {
  const source = cfg.tierSource;
  if (source?.kind !== 'organization_field') return timeline;
  const fields = organizationId ? await organizationFields(http, organizationId) : {};
  return withTier(timeline, tierOfOrganization(cfg.policy, fields[source.key]));
}

import type { AxiosInstance } from 'axios';
import { LRUCache } from 'lru-cache';
import type { TimelineInput } from '@sla-desk/core';
import { tierOfOrganization, withTier } from '../../src/sla/tier-source';
import type { ServiceConfig } from './config';
import { statusOf } from './zendesk';

/**
 * An organization's fields change rarely and many tickets share one organization, so each is read
 * at most once a minute per account (Organizations API, Show Organization). A changed plan so
 * reaches the tickets within a minute, as the sidebar reads it when a ticket opens.
 */
const TTL_MS = 60_000;
const caches = new WeakMap<AxiosInstance, LRUCache<number, { fields: Record<string, unknown> }>>();

/** The organization's custom fields by key ({} when the organization is gone). */
async function organizationFields(http: AxiosInstance, id: number): Promise<Record<string, unknown>> {
  let cache = caches.get(http);
  if (!cache) caches.set(http, (cache = new LRUCache({ max: 5_000, ttl: TTL_MS })));
  const hit = cache.get(id);
  if (hit) return hit.fields;
  let fields: Record<string, unknown> = {};
  try {
    const r = await http.get(`/api/v2/organizations/${id}.json`);
    fields = (r.data?.organization?.organization_fields ?? {}) as Record<string, unknown>;
  } catch (e) {
    // An organization deleted since names no tier: the policy's default, as in the sidebar.
    if (statusOf(e) !== 404) throw e;
  }
  cache.set(id, { fields });
  return fields;
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

import { kvs } from '@forge/kvs';
import type { Policy } from '@sla-desk/core';
import type { Config } from './config';
import type { JiraClient, JiraIssue } from './jira/client';
import { plan, type Plan } from './sla';
import { effectiveFields, type Site } from './site';

/** How long an organization's tier is trusted from storage: tiers change with contracts, not by the minute. */
export const ORGANIZATION_TIER_TTL_MS = 60 * 60_000;
const tierKey = (organizationId: string) => `sla-desk-org-tier-${organizationId}`;

/**
 * The tier from the issue's first JSM organization, when the admin chose that source. Kept in
 * storage for an hour, so an issue event still costs one Jira read.
 */
export async function organizationTier(client: JiraClient, config: Config, issue: JiraIssue, now: number): Promise<string | null> {
  const { tierSource, organizations } = config.map;
  if (tierSource !== 'organization' || !organizations) return null;
  const orgs = issue.fields[organizations];
  const first = Array.isArray(orgs) ? (orgs[0] as { id?: string | number } | undefined) : undefined;
  if (first?.id === undefined) return null;
  const id = String(first.id);
  const cached = (await kvs.get(tierKey(id)).catch(() => undefined)) as { tier: string | null; at: number } | undefined;
  if (cached && now - cached.at < ORGANIZATION_TIER_TTL_MS) return cached.tier;
  const value = await client.organizationProperty(id, config.map.organizationTierKey ?? 'sla-tier');
  // The property may hold the tier itself ("plus") or an object with a tier ({"tier": "plus"}).
  const tier = typeof value === 'string' ? value : typeof (value as { tier?: unknown })?.tier === 'string' ? (value as { tier: string }).tier : null;
  await kvs.set(tierKey(id), { tier, at: now });
  return tier;
}

/** The plan for an issue, with the site's facts and its organization's tier when that is the tier source. */
export async function planIssue(client: JiraClient, config: Config, policy: Policy, issue: JiraIssue, now: number, site: Site): Promise<Plan> {
  const ctx = { organizationTier: await organizationTier(client, config, issue, now), appAccountId: site.appAccountId, statusCategories: site.statusCategories };
  return plan(policy, config.map, effectiveFields(site, config.fields), issue, now, ctx);
}

/** Writes what a plan says differs: the priority (an issue edit), then the app's fields (one request). */
export async function applyPlan(client: JiraClient, issue: JiraIssue, p: Plan): Promise<{ priority: boolean; fields: number }> {
  if (p.priority) await client.setPriority(issue.key, p.priority);
  if (p.fieldValues.length) await client.setAppFieldValues(issue.id, p.fieldValues);
  return { priority: p.priority !== null, fields: p.fieldValues.length };
}

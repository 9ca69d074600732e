import { kvs } from '@forge/kvs';
import type { Policy } from '@sla-desk/core';
import type { Config } from './config';
import { JiraError, type JiraClient, type JiraIssue, type ProjectPriorities } from './jira/client';
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

/** How long a project's priorities are trusted from storage: priority schemes change rarely. */
export const PROJECT_PRIORITIES_TTL_MS = 60 * 60_000;
export const projectPrioritiesKey = (projectId: string) => `sla-desk-project-priorities-${projectId}`;

/**
 * The priorities the issue's project may have (its priority scheme's), kept in storage for an
 * hour. Null when Jira does not tell (no project id, or the scheme cannot be read): the write is
 * then tried, and a refusal handled where it is made.
 */
export async function projectPriorities(client: JiraClient, issue: JiraIssue, now: number): Promise<ProjectPriorities | null> {
  const id = issue.fields.project?.id;
  if (!id) return null;
  const key = projectPrioritiesKey(String(id));
  const cached = (await kvs.get(key).catch(() => undefined)) as (ProjectPriorities & { at: number }) | undefined;
  // A copy stored before the scheme's default was kept has no `default`: read again, or a requester
  // policy would take the untouched default for a designation for up to an hour.
  if (cached && Array.isArray(cached.names) && cached.default !== undefined && now - cached.at < PROJECT_PRIORITIES_TTL_MS) return cached;
  try {
    const found = await client.projectPriorities(String(id));
    await kvs.set(key, { ...found, at: now });
    return found;
  } catch (e) {
    if (!(e instanceof JiraError) || e.status === 429 || e.status >= 500) throw e;
    console.warn(JSON.stringify({ level: 'warn', msg: 'priority scheme not readable', status: e.status }));
    return null;
  }
}

/**
 * The priority Jira gives the project's new issues, when the policy reads its priority from Jira's
 * field (requester or severity): Jira fills every new issue with it, so it is nobody's designation.
 * A matrix policy sets the priority itself and needs no read.
 */
async function defaultPriority(client: JiraClient, policy: Policy, issue: JiraIssue, now: number): Promise<string | null> {
  if (policy.classification.method === 'matrix') return null;
  return (await projectPriorities(client, issue, now))?.default ?? null;
}

/** Is this Jira priority one the issue's project may have? The scheme's name when it is not. */
export async function priorityInScheme(client: JiraClient, issue: JiraIssue, name: string, now: number): Promise<{ ok: true } | { ok: false; scheme: string }> {
  const allowed = await projectPriorities(client, issue, now);
  if (!allowed || allowed.names.some((n) => n.toLowerCase() === name.toLowerCase())) return { ok: true };
  return { ok: false, scheme: allowed.scheme };
}

/**
 * The plan for an issue, with the site's facts and its organization's tier when that is the tier
 * source. A priority the project's priority scheme lacks is not written (Jira would refuse it with
 * a 400, and the SLA fields after it would not be written either): Jira's own stays.
 */
export async function planIssue(client: JiraClient, config: Config, policy: Policy, issue: JiraIssue, now: number, site: Site): Promise<Plan> {
  const ctx = {
    organizationTier: await organizationTier(client, config, issue, now),
    appAccountId: site.appAccountId,
    statusCategories: site.statusCategories,
    defaultPriority: await defaultPriority(client, policy, issue, now),
    requestTypeField: site.requestTypeField,
  };
  const p = plan(policy, config.map, effectiveFields(site, config.fields), issue, now, ctx);
  if (!p.priority) return p;
  const inScheme = await priorityInScheme(client, issue, p.priority, now);
  if (inScheme.ok) return p;
  // Which priority and which scheme: site configuration, no ticket content.
  console.warn(JSON.stringify({ level: 'warn', msg: 'priority not in the project\'s priority scheme: left as it is', priority: p.priority, scheme: inScheme.scheme }));
  return { ...p, priority: null, outsideScheme: { priority: p.priority, scheme: inScheme.scheme } };
}

/**
 * Writes what a plan says differs: the priority (an issue edit), then the app's fields (one
 * request). A priority Jira refuses (400: its scheme changed within the hour) costs only itself.
 */
export async function applyPlan(client: JiraClient, issue: JiraIssue, p: Plan): Promise<{ priority: boolean; fields: number }> {
  let priority = false;
  if (p.priority) {
    try {
      await client.setPriority(issue.key, p.priority);
      priority = true;
    } catch (e) {
      if (!(e instanceof JiraError) || e.status !== 400) throw e;
      console.warn(JSON.stringify({ level: 'warn', msg: 'Jira refused the priority', priority: p.priority, status: 400 }));
      const id = issue.fields.project?.id;
      // Read the scheme again next time, instead of trusting the hour-old copy.
      if (id) await kvs.set(projectPrioritiesKey(String(id)), { scheme: '', names: [], default: null, at: 0 });
    }
  }
  if (p.fieldValues.length) await client.setAppFieldValues(issue.id, p.fieldValues);
  return { priority, fields: p.fieldValues.length };
}

import { tagPart, type Policy } from '@sla-desk/core';

/**
 * The ticket fields SLA Desk created at install (zendesk-app/scripts/requirements.cjs) and how to
 * find their ids: through `requirement:` look-ups, or, when the app runs under `zcli apps:server`
 * (which installs no requirements), through ids given in the `field_ids` setting.
 */
export const FIELD_KEYS = ['sla_impact', 'sla_urgency', 'sla_tier', 'sla_state', 'sla_version_released', 'sla_priority', 'sla_level', 'sla_next_breach'] as const;

export interface FieldIds {
  impact?: number;
  urgency?: number;
  tier?: number;
  state?: number;
  /**
   * The SLA priority: the policy's own priority, kept apart from Zendesk's four native values,
   * which several policy priorities can share (S3 and S4 are both "normal").
   */
  priority?: number;
  /** The escalation level (an integer field): the highest ladder level the ticket's Metrics reached. */
  level?: number;
  /**
   * "SLA next breach" (a text field): core's nextBreach as ISO-8601 UTC text, the field the
   * "SLA: next breach first" view sorts on. Optional: an install from before it has none.
   */
  nextBreach?: number;
  /** The optional date field with the release date of the requester's version. */
  versionReleased?: number;
  /** metric id -> the id of its due field */
  due: Record<string, number>;
  /** Due fields of Metrics the policy does not have (another bundled preset's): kept empty. */
  otherDue?: number[];
  source: 'requirements' | 'settings';
  /** Which fields the policy needs that neither source gave. */
  missing: string[];
}

export const dueKey = (metric: string): string => `sla_due_${tagPart(metric)}`;

/** The requirement paths of the app's fields and of these metrics' due fields. */
export function requirementPaths(metrics: readonly string[]): string[] {
  return [...FIELD_KEYS, ...metrics.map(dueKey)].map((k) => `requirement:${k}`);
}

/** Field ids from a client.get of requirementPaths(), else from the field_ids setting. */
export function resolveFieldIds(policy: Policy, got: Record<string, unknown>, setting: unknown): FieldIds {
  const fromReq = (key: string): number | undefined => {
    const r = got[`requirement:${key}`] as { requirement_id?: number } | null | undefined;
    return typeof r?.requirement_id === 'number' ? r.requirement_id : undefined;
  };
  const anyRequirement = FIELD_KEYS.some((k) => fromReq(k) !== undefined);
  let ids: FieldIds;
  if (anyRequirement) {
    ids = { impact: fromReq('sla_impact'), urgency: fromReq('sla_urgency'), tier: fromReq('sla_tier'), state: fromReq('sla_state'), versionReleased: fromReq('sla_version_released'), priority: fromReq('sla_priority'), level: fromReq('sla_level'), nextBreach: fromReq('sla_next_breach'), due: {}, source: 'requirements', missing: [] };
    // The install creates the default policy's due fields; another policy's come from the setup
    // (setup.ts), which keeps their ids in the field_ids setting.
    const s = settingIds(setting);
    for (const m of Object.keys(policy.metrics)) {
      const id = fromReq(dueKey(m)) ?? (typeof s[`due_${m}`] === 'number' ? (s[`due_${m}`] as number) : undefined);
      if (id !== undefined) ids.due[m] = id;
    }
    const own = new Set(Object.values(ids.due));
    const other = Object.keys(got)
      .filter((k) => k.startsWith('requirement:sla_due_'))
      .map((k) => fromReq(k.slice('requirement:'.length)))
      .filter((id): id is number => id !== undefined && !own.has(id));
    if (other.length) ids.otherDue = [...new Set(other)];
  } else {
    const s = settingIds(setting);
    ids = { impact: s.impact, urgency: s.urgency, tier: s.tier, state: s.state, versionReleased: s.version_released, priority: s.priority, level: s.level, nextBreach: s.next_breach, due: {}, source: 'settings', missing: [] };
    for (const m of Object.keys(policy.metrics)) if (typeof s[`due_${m}`] === 'number') ids.due[m] = s[`due_${m}`] as number;
    const other = Object.entries(s).filter(([k, v]) => k.startsWith('due_') && typeof v === 'number' && !Object.hasOwn(policy.metrics, k.slice(4))).map(([, v]) => v as number);
    if (other.length) ids.otherDue = other;
  }
  if (policy.classification.method === 'matrix') {
    if (ids.impact === undefined) ids.missing.push('sla_impact');
    if (ids.urgency === undefined) ids.missing.push('sla_urgency');
  }
  if (ids.tier === undefined) ids.missing.push('sla_tier');
  if (ids.state === undefined) ids.missing.push('sla_state');
  for (const m of Object.keys(policy.metrics)) if (ids.due[m] === undefined) ids.missing.push(dueKey(m));
  return ids;
}

/**
 * The field_ids setting as an object ({} when empty or not JSON: the sidebar names the fields it
 * then misses). The setup (setup.ts) rewrites it with every entry kept, the readers take its ids.
 */
export function fieldIdsSetting(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  if (typeof raw !== 'string' || !raw.trim()) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The setting's ids: its entries that are whole numbers. */
export function settingIds(raw: unknown): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(fieldIdsSetting(raw)).filter(([, n]) => typeof n === 'number' && Number.isInteger(n))) as Record<string, number>;
}

/** The policy level a tagger value stands for: "sla_impact_2" -> "2". */
export function levelOfTag(tag: string | null | undefined, prefix: string, ids: readonly string[]): string | null {
  if (!tag || !tag.startsWith(prefix)) return null;
  const part = tag.slice(prefix.length);
  return ids.find((id) => tagPart(id) === part) ?? null;
}

/** The tagger value for a level: "2" -> "sla_impact_2". */
export function tagOfLevel(prefix: string, id: string): string {
  return `${prefix}${tagPart(id)}`;
}



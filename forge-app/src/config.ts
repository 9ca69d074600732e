import { kvs } from '@forge/kvs';
import { parsePolicy, readsConditions, type Policy } from '@sla-desk/core';
import type { AppFields } from './sla';
import type { FieldMap } from './jira/timeline';
import { PRESETS } from './presets';
import { effectiveFields, type Site } from './site';

/** The admin's configuration, kept in Forge storage under one key. */
export interface Config {
  /** A preset id, or the text of a pasted policy. */
  policy: { preset: string } | { document: string };
  map: FieldMap;
  fields: AppFields;
  leadGroups: string[];
  /** Project roles (by name, e.g. "Triage leads") whose members are triage leads in their project. */
  leadRoles?: string[];
}

export const CONFIG_KEY = 'sla-desk-config';

export const DEFAULT_CONFIG: Config = {
  policy: { preset: 'kiwi-stage-plus' },
  map: { pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done', 'Resolved', 'Closed'] },
  fields: { due: {} },
  leadGroups: [],
};

/**
 * The stored configuration; the default only when nothing was ever stored. @forge/kvs answers a
 * missing key with undefined (1.6.5: StorageApi.get turns the KEY_NOT_FOUND error into undefined;
 * older builds let that error through, so it is taken as absent too). Any other storage error (a
 * rate limit, a timeout, an outage) fails the invocation: evaluating issues under the default
 * preset would write wrong fields, and an admin page showing the default would let Save overwrite
 * the real configuration.
 */
export async function loadConfig(): Promise<Config> {
  let stored: unknown;
  try {
    stored = await kvs.get(CONFIG_KEY);
  } catch (e) {
    if (!isKeyNotFound(e)) throw new StorageError(e);
    return DEFAULT_CONFIG;
  }
  if (stored === undefined || stored === null) return DEFAULT_CONFIG;
  return stored as Config;
}

/** @forge/kvs's error for a key that is not there (ForgeKvsAPIError, code KEY_NOT_FOUND). */
export function isKeyNotFound(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === 'KEY_NOT_FOUND';
}

/** Forge storage could not be read: the configuration is unknown, so nothing is evaluated or saved. */
export class StorageError extends Error {
  readonly code: string;
  constructor(readonly storageError: unknown) {
    const e = storageError as { code?: unknown } | null;
    const code = e && typeof e === 'object' && typeof e.code === 'string' ? e.code : 'UNKNOWN';
    super(`Forge storage could not be read (${code}); the SLA Desk configuration is unknown, so nothing was evaluated or saved. Try again.`);
    this.code = code;
  }
}

export function saveConfig(config: Config): Promise<void> {
  return kvs.set(CONFIG_KEY, config) as Promise<void>;
}

/** The parts of a configuration an evaluation reads; lead groups and roles decide only who may override. */
export const EVALUATED_PARTS = ['policy', 'map', 'fields'] as const;
export type EvaluatedPart = (typeof EVALUATED_PARTS)[number];

/**
 * Which of the parts evaluations read differ between two configurations, so that only a save that
 * changes an evaluation starts a recalculation. `before` null: the stored one could not be read, so
 * every part counts as changed. Values that mean nothing (unset, empty text, an empty list) are
 * alike, as the admin page sends a cleared field as absent.
 */
export function evaluationChanges(before: Config | null, after: Config): EvaluatedPart[] {
  return EVALUATED_PARTS.filter((part) => !before || canonical(before[part]) !== canonical(after[part]));
}

/** A value's JSON with its keys sorted and empty values left out: equal meaning, equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(normalized(value) ?? null);
}

function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalized) : undefined;
  if (v && typeof v === 'object') {
    const kept = Object.keys(v)
      .sort()
      .map((k) => [k, normalized((v as Record<string, unknown>)[k])] as const)
      .filter(([, x]) => x !== undefined);
    return kept.length ? Object.fromEntries(kept) : undefined;
  }
  return v === null || v === '' ? undefined : v;
}

/** The configured policy, or the problems that make it unusable (shown on the admin page). */
export function policyOf(config: Config): { policy?: Policy; problems: string[] } {
  if ('preset' in config.policy) {
    const p = PRESETS[config.policy.preset];
    return p ? { policy: p, problems: [] } : { problems: [`policy: unknown preset "${config.policy.preset}"`] };
  }
  const { policy, problems } = parsePolicy(config.policy.document);
  return policy ? { policy, problems: [] } : { problems: problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) };
}

/**
 * Every field id an evaluation reads: the mapped Impact, Urgency, Tier and group (`components` too),
 * the app's own (as found on the site), and, for a policy that reads conditions, the fields its
 * rules name (conditionFieldIds).
 */
export function appFieldIds(config: Config, site?: Site, policy?: Policy): string[] {
  const f = site ? effectiveFields(site, config.fields) : config.fields;
  const ids = [config.map.impact, config.map.urgency, config.map.tier, config.map.organizations, config.map.group, ...Object.values(f.due), f.state, f.tier, f.next, f.ownership, f.level, f.nextBreach, ...(policy ? conditionFieldIds(policy, site) : [])];
  return [...new Set(ids.filter((x): x is string => !!x))];
}

/**
 * The Jira fields a policy's conditions read beyond labels and the project: its named attributes'
 * custom fields, the components, and JSM's request type field (for `form` and requestType
 * attributes). None for a policy that reads no conditions.
 */
export function conditionFieldIds(policy: Policy, site?: Pick<Site, 'requestTypeField'>): string[] {
  if (!readsConditions(policy)) return [];
  const out: string[] = [];
  if (site?.requestTypeField) out.push(site.requestTypeField);
  for (const a of Object.values(policy.attributes)) {
    if (a.jira?.field) out.push(a.jira.field);
    if (a.jira?.component) out.push('components');
  }
  return out;
}

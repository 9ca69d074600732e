import { kvs } from '@forge/kvs';
import { parsePolicy, type Policy } from '@sla-desk/core';
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

export async function loadConfig(): Promise<Config> {
  // @forge/kvs reports a missing key as an error, not as undefined.
  try {
    const stored = (await kvs.get(CONFIG_KEY)) as Config | undefined;
    return stored ?? DEFAULT_CONFIG;
  } catch {
    return DEFAULT_CONFIG;
  }
}

export function saveConfig(config: Config): Promise<void> {
  return kvs.set(CONFIG_KEY, config) as Promise<void>;
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

/** Every field id an evaluation reads: the mapped Impact, Urgency and Tier, and the app's own (as found on the site). */
export function appFieldIds(config: Config, site?: Site): string[] {
  const f = site ? effectiveFields(site, config.fields) : config.fields;
  return [config.map.impact, config.map.urgency, config.map.tier, config.map.organizations, ...Object.values(f.due), f.state, f.tier, f.next].filter((x): x is string => !!x);
}

import { formatProblem, type Policy } from '@sla-desk/core';
import { PRESETS } from '../presets';
import { parseTierSource, type TierSource } from './tier-source';

/**
 * The app's settings as an admin set them, checked. A bad policy never throws: it comes back as
 * problems with their paths, which the sidebar shows, and nothing is written.
 */
export interface Settings {
  policy: Policy | null;
  policyName: string;
  problems: string[];
  leadGroups: string[];
  tierSource: TierSource;
  lockPriority: boolean;
  notifyOnOverride: boolean;
  fieldIdsSetting: unknown;
}

export const PRESET_IDS = Object.keys(PRESETS);

export async function readSettings(raw: Record<string, unknown>): Promise<Settings> {
  const problems: string[] = [];
  let policy: Policy | null = null;
  let policyName = '';
  const doc = typeof raw.policy_document === 'string' ? raw.policy_document.trim() : '';
  if (doc) {
    policyName = 'policy document';
    // YAML, zod and the lint rules load only here: most installs use a preset.
    const { checkPolicyText } = await import('@sla-desk/core/lint');
    const { policy: p, problems: found } = checkPolicyText(doc);
    const errors = found.filter((f) => f.level === 'error');
    if (errors.length || !p) problems.push(...errors.map((e) => `policy_document: ${formatProblem(e)}`));
    else policy = p;
  } else {
    const id = typeof raw.policy_preset === 'string' && raw.policy_preset.trim() ? raw.policy_preset.trim() : 'kiwi-stage-plus';
    policyName = id;
    const preset = PRESETS[id];
    if (!preset) problems.push(`policy_preset: unknown preset "${id}" (known: ${PRESET_IDS.join(', ')})`);
    // The build wrote each preset as the validated policy (defaults applied), so it is used as is.
    else policy = preset as Policy;
  }
  const tier = parseTierSource(raw.tier_source, 'tier_source');
  if (tier.problem) problems.push(tier.problem);
  return {
    policy,
    policyName,
    problems,
    leadGroups: typeof raw.lead_groups === 'string' ? raw.lead_groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
    tierSource: tier.source,
    lockPriority: raw.lock_priority === true,
    notifyOnOverride: raw.notify_on_override === true,
    fieldIdsSetting: raw.field_ids,
  };
}


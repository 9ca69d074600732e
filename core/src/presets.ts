import { existsSync, readdirSync, readFileSync } from 'fs';
import { formatBytes, MAX_POLICY_BYTES } from './limits';
import { join } from 'path';
import { validatePolicyText } from './lint';
import { Policy, PolicyError } from './policy';
import { readCapped } from './read-capped';
import { parse as parseYaml } from 'yaml';

/** The seeds written as policy files, shipped in core/presets. Node-only: it reads the disk. */
export const PRESET_DIR = join(__dirname, '..', 'presets');
export const DEFAULT_PRESET = 'kiwi-stage-plus';

export interface PresetInfo {
  id: string;
  name: string;
  source: string;
  file: string;
  isDefault: boolean;
}

export function listPresets(): PresetInfo[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const raw = parseYaml(readFileSync(join(PRESET_DIR, f), 'utf8')) as { id: string; name: string; source?: string };
      return { id: raw.id, name: raw.name, source: raw.source ?? '', file: join(PRESET_DIR, f), isDefault: raw.id === DEFAULT_PRESET };
    });
}

export class UnknownPolicyError extends Error {}

/** Where a policy argument points: a preset id, or a file path. */
export function resolvePolicyPath(ref: string | undefined): string {
  const id = ref ?? DEFAULT_PRESET;
  const preset = join(PRESET_DIR, `${id}.yaml`);
  if (/^[a-z0-9-]+$/i.test(id) && existsSync(preset)) return preset;
  if (existsSync(id)) return id;
  const names = listPresets().map((p) => p.id);
  throw new UnknownPolicyError(`"${id}" is neither a preset (${names.join(', ')}) nor a readable file`);
}

/**
 * A policy file's text, reading no more than MAX_POLICY_BYTES and one byte: `sla check /dev/zero`
 * once grew to 16 GB before it failed.
 */
export function readPolicyFile(path: string): string {
  let read;
  try {
    read = readCapped(path, MAX_POLICY_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnknownPolicyError(code === 'EISDIR' ? `"${path}" is a directory, not a policy file` : `cannot read policy file "${path}": ${code ?? (e as Error).message}`);
  }
  if (read.over) throw new UnknownPolicyError(policyTooLarge(path));
  return read.text;
}

export function policyTooLarge(path: string): string {
  return `policy file "${path}" is larger than ${formatBytes(MAX_POLICY_BYTES)}, the most SLA Desk accepts`;
}

/**
 * Loads a preset or a policy file through the same validation as `sla check`, lint included: a
 * policy with `defaultTier: constructor` is refused here, not by a TypeError on every ticket.
 * Throws PolicyError with the file and the path of each error.
 */
export function loadPolicy(ref: string | undefined): Policy {
  const path = resolvePolicyPath(ref);
  const { policy, problems } = validatePolicyText(readPolicyFile(path));
  if (!policy) throw new PolicyError(problems.filter((p) => p.level === 'error'), path);
  return policy;
}

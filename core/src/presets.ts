import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'fs';
import { formatBytes, MAX_POLICY_BYTES } from './limits';
import { join } from 'path';
import { parsePolicy } from './parse';
import { Policy, PolicyError } from './policy';
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
  const buf = Buffer.alloc(MAX_POLICY_BYTES + 1);
  let n = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnknownPolicyError(code === 'EISDIR' ? `"${path}" is a directory, not a policy file` : `cannot read policy file "${path}": ${code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (n > MAX_POLICY_BYTES) throw new UnknownPolicyError(`policy file "${path}" is larger than ${formatBytes(MAX_POLICY_BYTES)}, the most SLA Desk accepts`);
  return buf.toString('utf8', 0, n);
}

/** Loads a preset or a policy file, throwing PolicyError with the paths of any problems. */
export function loadPolicy(ref: string | undefined): Policy {
  const path = resolvePolicyPath(ref);
  const text = readPolicyFile(path);
  const { policy, problems } = parsePolicy(text);
  if (!policy) throw new PolicyError(problems);
  return policy;
}

import { parse as parseYaml, YAMLParseError } from 'yaml';
import { formatBytes, MAX_POLICY_BYTES, utf8Length } from './limits';
import { pathOf, Problem, zodProblems } from './problem';
import { Policy, PolicySchema } from './schema';

/**
 * Reads YAML or JSON text (JSON is YAML) into a validated policy, or the problems with their paths.
 * The CLI, the Zendesk setting, the Forge app's setConfig and the workbench all come through here,
 * so the size limit holds for each of them.
 */
export function parsePolicy(text: string): { policy?: Policy; problems: Problem[] } {
  const tooBig = policySizeProblem(text);
  if (tooBig) return { problems: [tooBig] };
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const err = e as YAMLParseError;
    const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    return { problems: [{ level: 'error', path: where, message: `not valid YAML or JSON: ${err.message.split('\n')[0]}` }] };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { problems: [{ level: 'error', path: '', message: 'expected a policy object at the top of the file' }] };
  }
  const reserved = protoKey(raw, []);
  if (reserved) return { problems: [{ level: 'error', path: reserved, message: '"__proto__" cannot be a name in a policy' }] };
  const res = PolicySchema.safeParse(raw);
  if (!res.success) return { problems: zodProblems(res.error.issues) };
  return { policy: res.data, problems: [] };
}

/** The problem with a policy text over MAX_POLICY_BYTES, or null. */
export function policySizeProblem(text: string): Problem | null {
  if (text.length * 3 <= MAX_POLICY_BYTES) return null;
  const bytes = utf8Length(text, MAX_POLICY_BYTES);
  if (bytes <= MAX_POLICY_BYTES) return null;
  return { level: 'error', path: '', message: `the policy is larger than ${formatBytes(MAX_POLICY_BYTES)}, the most SLA Desk accepts` };
}

/**
 * The path of a "__proto__" key, which the schema would drop without a word. The text is at most
 * 1 MB, so this walk is bounded too.
 */
function protoKey(v: unknown, at: (string | number)[]): string | null {
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = protoKey(v[i], [...at, i]);
      if (hit) return hit;
    }
    return null;
  }
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return pathOf([...at, k]);
    const hit = protoKey((v as Record<string, unknown>)[k], [...at, k]);
    if (hit) return hit;
  }
  return null;
}

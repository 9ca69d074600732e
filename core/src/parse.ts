import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Problem, zodProblems } from './problem';
import { Policy, PolicySchema } from './schema';

/** Reads YAML or JSON text (JSON is YAML) into a validated policy, or the problems with their paths. */
export function parsePolicy(text: string): { policy?: Policy; problems: Problem[] } {
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
  const res = PolicySchema.safeParse(raw);
  if (!res.success) return { problems: zodProblems(res.error.issues) };
  return { policy: res.data, problems: [] };
}


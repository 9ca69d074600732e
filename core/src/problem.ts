/** A finding about a policy or an input: where (a dotted path into the file) and what is wrong. */
export interface Problem {
  level: 'error' | 'warning' | 'assumption';
  path: string;
  message: string;
  code?: string;
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

export function pathOf(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Zod issues as problems, naming the unknown key when zod leaves it out of the path. */
interface Issue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
  errors?: readonly (readonly Issue[])[];
  /** A record key's own issues (zod's invalid_key): why the key is no id. */
  issues?: readonly Issue[];
}

/**
 * A union with no message of its own ("Invalid input") says the reason in the branch that got
 * furthest: a calendar with 501 holidays failed as "24x7" at its top and as an object at
 * `holidays`, and the second is the one to show.
 */
function expandUnions(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union' || i.message !== 'Invalid input' || !i.errors?.length) return [i];
    const depth = (branch: readonly Issue[]) => Math.max(...branch.map((b) => b.path.length));
    const ranked = [...i.errors].sort((a, b) => depth(b) - depth(a));
    if (depth(ranked[0]) === 0 || (ranked.length > 1 && depth(ranked[1]) === depth(ranked[0]))) return [i];
    return expandUnions(ranked[0].map((b) => ({ ...b, path: [...i.path, ...b.path] })));
  });
}

export function zodProblems(issues: readonly Issue[], prefix = ''): Problem[] {
  return expandUnions(issues).map((i) => {
    const parts = i.code === 'unrecognized_keys' && i.keys?.length === 1 ? [...i.path, i.keys[0]] : i.path;
    const path = [prefix, pathOf(parts)].filter(Boolean).join(prefix && parts.length && typeof parts[0] === 'number' ? '' : '.');
    const message =
      i.code === 'unrecognized_keys'
        ? `unknown field${i.keys && i.keys.length > 1 ? `s ${i.keys.join(', ')}` : ''}`
        : // zod says only "Invalid key in record"; the key's own issues say what is wrong with it.
          i.code === 'invalid_key' && i.issues?.length
          ? i.issues.map((k) => k.message).join('; ')
          : i.message;
    return { level: 'error' as const, path, message };
  });
}

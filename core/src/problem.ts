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
export function zodProblems(issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: string[] }[], prefix = ''): Problem[] {
  return issues.map((i) => {
    const parts = i.code === 'unrecognized_keys' && i.keys?.length === 1 ? [...i.path, i.keys[0]] : i.path;
    const path = [prefix, pathOf(parts)].filter(Boolean).join(prefix && parts.length && typeof parts[0] === 'number' ? '' : '.');
    const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys && i.keys.length > 1 ? `s ${i.keys.join(', ')}` : ''}` : i.message;
    return { level: 'error' as const, path, message };
  });
}

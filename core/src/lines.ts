import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Problem } from './problem';

/**
 * The line of the policy text a problem is about, for editors that number their lines: a YAML
 * syntax error names its line; a schema problem names a path (`tiers.plus.targets[0]`), found in
 * the text's own document, or its nearest parent that is there (a missing key is its map's). null
 * when the path is the whole file or the text does not parse.
 */
export function problemLine(text: string, problem: Pick<Problem, 'path'>): number | null {
  const syntax = /^line (\d+), column \d+$/.exec(problem.path);
  if (syntax) return Number(syntax[1]);
  const segments = pathSegments(problem.path);
  if (!segments.length) return null;
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  if (doc.errors.length) return null;
  // A key's own line, not its value's: a map's value starts on the line after its key.
  let node: unknown = doc.contents;
  let at: number | null = null;
  for (const seg of segments) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      at = isNode(pair.key) && pair.key.range ? pair.key.range[0] : at;
      next = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      next = node.items[seg];
      at = isNode(next) && next.range ? next.range[0] : at;
    } else break;
    node = next;
  }
  return at === null ? null : counter.linePos(at).line;
}

/** Every line the problems are about, once each, in order. */
export function problemLines(text: string, problems: readonly Pick<Problem, 'path'>[]): number[] {
  return [...new Set(problems.map((p) => problemLine(text, p)).filter((l): l is number => l !== null))].sort((a, b) => a - b);
}

/** `a.b[0].c` (problem.ts's pathOf) back into its keys and indexes. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

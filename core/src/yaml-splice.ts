import { Document, isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * Sets keys of one mapping in a YAML file by editing its text, not by printing the whole
 * document again: the library's printer re-spaces every aligned comment and re-folds lines, and an
 * admin's policy file is theirs. Only the values set are written anew. Returns null when the
 * mapping is in flow style ({ ... }), which the caller then prints the ordinary way.
 */
export function spliceMapValues(text: string, doc: Document, path: string[], values: { key: string; value: unknown; flow: boolean }[]): string | null {
  const map = doc.getIn(path, true);
  if (!isMap(map) || map.flow || !map.range) return null;
  const edits: { at: number; end: number; text: string }[] = [];
  const keyCol = columnOf(text, (map.items[0]?.key as Node | undefined)?.range?.[0] ?? map.range[0]);
  for (const v of values) {
    const pair = (map as YAMLMap).items.find((p): p is Pair<Node, Node> => isPair(p) && isScalar(p.key) && p.key.value === v.key);
    if (pair && pair.value?.range) {
      const [start, end] = pair.value.range;
      // A block value sits on its own lines under the key; a flow value, or a scalar, after it.
      const block = !v.flow && (isSeq(pair.value) || isMap(pair.value)) && !(pair.value as { flow?: boolean }).flow;
      edits.push({ at: start, end, text: block ? render(v.value, false, columnOf(text, start)) : render(v.value, true, 0) });
    } else {
      const body = v.flow ? ` ${render(v.value, true, 0)}` : `\n${' '.repeat(keyCol + 2)}${render(v.value, false, keyCol + 2)}`;
      edits.push({ at: map.range[1], end: map.range[1], text: `\n${' '.repeat(keyCol)}${v.key}:${body}` });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** A value as YAML: in flow style on one line, or in block style whose later lines are indented by `indent`. */
function render(value: unknown, flow: boolean, indent: number): string {
  const d = new Document(value);
  if (flow && (isMap(d.contents) || isSeq(d.contents))) d.contents.flow = true;
  const lines = d.toString({ lineWidth: 0 }).replace(/\n$/, '').split('\n');
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l)).join('\n');
}

/**
 * Splits a stream of timelines into records with their line numbers, in constant memory: either
 * JSON lines, or one JSON array whose elements are cut out as they arrive. Streaming JSON parsers
 * exist, but none we found reports the line an element starts on, which bad-input messages need.
 */
export interface RawRecord {
  line: number;
  text: string;
}

export async function* readRecords(input: AsyncIterable<string | Buffer>, onBytes?: (n: number) => void): AsyncGenerator<RawRecord> {
  let mode: 'unknown' | 'lines' | 'array' | 'done' = 'unknown';
  let line = 1;
  // lines mode
  let pending = '';
  let pendingLine = 1;
  // array mode: the current element, carried across chunks
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElem = false;
  let carry = '';
  let elemLine = 0;

  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    onBytes?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    let i = 0;
    if (mode === 'unknown') {
      while (i < text.length && /\s/.test(text[i])) {
        if (text[i] === '\n') line++;
        i++;
      }
      if (i === text.length) continue;
      if (text[i] === '[') {
        mode = 'array';
        i++;
      } else {
        mode = 'lines';
        pendingLine = line;
      }
    }
    if (mode === 'lines') {
      pending += text.slice(i);
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const l = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (l.trim()) yield { line: pendingLine, text: l };
        pendingLine++;
      }
      continue;
    }
    if (mode !== 'array') continue;
    let start = inElem ? 0 : -1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      const opens = c === 34 || c === 123 || c === 91 || (c > 32 && c !== 44 && c !== 125 && c !== 93);
      if (opens && !inElem) {
        inElem = true;
        start = i;
        elemLine = line;
      }
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth > 0) depth--;
        else if (c === 93) {
          if (inElem) yield { line: elemLine, text: carry + text.slice(start, i) };
          mode = 'done';
          break;
        }
      } else if (c === 44 && depth === 0) {
        yield inElem ? { line: elemLine, text: carry + text.slice(start, i) } : { line, text: '' };
        inElem = false;
        carry = '';
      }
    }
    if (mode === 'array' && inElem) carry += text.slice(start);
  }
  if (mode === 'lines' && pending.trim()) yield { line: pendingLine, text: pending };
  if (mode === 'array') throw new RecordSyntaxError(line, 'the JSON array is not closed with "]"');
}

export class RecordSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

import { StringDecoder } from 'string_decoder';
import { MAX_RECORD_BYTES } from './limits';

/**
 * Splits a stream of timelines into records with their line numbers, in constant memory: either
 * JSON lines, or one JSON array whose elements are cut out as they arrive. Streaming JSON parsers
 * exist, but none we found reports the line an element starts on, which bad-input messages need.
 */
export interface RawRecord {
  line: number;
  text: string;
  /** Set, with `text` empty, when the record had more than the limit: its size in bytes. */
  tooLarge?: number;
}

/**
 * A record over `maxBytes` is counted, not kept: it comes out as `tooLarge` with its line, and the
 * records after it follow as usual. A 200 MB line once took minutes and gigabytes here.
 */
export async function* readRecords(input: AsyncIterable<string | Buffer>, onBytes?: (n: number) => void, maxBytes = MAX_RECORD_BYTES): AsyncGenerator<RawRecord> {
  let mode: 'unknown' | 'lines' | 'array' | 'done' = 'unknown';
  let line = 1;
  // lines mode: the current line's pieces, as bytes, so a line is never copied twice
  let parts: Buffer[] = [];
  let size = 0;
  let pendingLine = 1;
  // array mode: the current element, carried across chunks
  const decoder = new StringDecoder('utf8');
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElem = false;
  let carry = '';
  let carryBytes = 0;
  let elemLine = 0;
  const element = (piece: string): RawRecord => {
    const bytes = carryBytes + Buffer.byteLength(piece);
    const rec = bytes > maxBytes ? { line: elemLine, text: '', tooLarge: bytes } : { line: elemLine, text: carry + piece };
    carry = '';
    carryBytes = 0;
    return rec;
  };
  const endOfLine = (): RawRecord | null => {
    const rec = size > maxBytes ? { line: pendingLine, text: '', tooLarge: size } : { line: pendingLine, text: Buffer.concat(parts, size).toString('utf8') };
    parts = [];
    size = 0;
    pendingLine++;
    return rec.tooLarge !== undefined || rec.text.trim() ? rec : null;
  };

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    onBytes?.(buf.length);
    let at = 0;
    if (mode === 'unknown') {
      while (at < buf.length && (buf[at] === 32 || buf[at] === 9 || buf[at] === 13 || buf[at] === 10)) {
        if (buf[at] === 10) line++;
        at++;
      }
      if (at === buf.length) continue;
      if (buf[at] === 91) {
        mode = 'array';
        at++;
      } else {
        mode = 'lines';
        pendingLine = line;
      }
    }
    if (mode === 'lines') {
      while (at < buf.length) {
        const nl = buf.indexOf(10, at);
        const end = nl < 0 ? buf.length : nl;
        if (size + (end - at) > maxBytes) parts = [];
        else if (end > at) parts.push(buf.subarray(at, end));
        size += end - at;
        if (nl < 0) break;
        const rec = endOfLine();
        if (rec) yield rec;
        at = nl + 1;
      }
      continue;
    }
    if (mode !== 'array') continue;
    const text = decoder.write(at ? buf.subarray(at) : buf);
    let i = 0;
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
          if (inElem) yield element(text.slice(start, i));
          mode = 'done';
          break;
        }
      } else if (c === 44 && depth === 0) {
        yield inElem ? element(text.slice(start, i)) : { line, text: '' };
        inElem = false;
      }
    }
    if (mode === 'array' && inElem) {
      const piece = text.slice(start);
      carryBytes += Buffer.byteLength(piece);
      // Past the limit, only the count is kept.
      carry = carryBytes > maxBytes ? '' : carry + piece;
    }
  }
  if (mode === 'lines' && size > 0) {
    const rec = endOfLine();
    if (rec) yield rec;
  }
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

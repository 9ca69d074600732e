/**
 * The Forge app's "Mark as met" note: people read it in the comments, and the timeline reads
 * it back. The caller's display name is theirs to choose, so it is JSON-quoted after the parts the
 * parser needs: no name can end the quote, so none can make the note read as another Metric.
 */
export interface MetNote {
  metric: string;
  label: string;
  by: string;
  at: string;
}

// Line breaks (a Jira text node keeps them, a paragraph split reads as one) and bidirectional
// overrides (they reorder the note on screen) have no place in a name or a label on one line.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;
// Atlassian display names are at most 255 characters; a longer one is no one's.
const MAX_TEXT = 255;

/** A name or label as it goes into the note: one line, trimmed, bounded (by code point, so no pair is split). */
function noteText(s: string): string {
  const line = s.replace(UNPRINTABLE, ' ').trim();
  return Array.from(line).slice(0, MAX_TEXT).join('').trim();
}

export function formatMetNote(n: MetNote): string {
  return `SLA Desk: ${noteText(n.label)} kept (${n.metric}), marked by ${JSON.stringify(noteText(n.by) || 'an agent')} at ${n.at}.`;
}

const METRIC_ID = '[A-Za-z0-9][A-Za-z0-9_.-]*';
// What Date.prototype.toISOString writes: the only instant the app puts there.
const INSTANT = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
// The whole note, in the one form formatMetNote writes. The label is greedy: only the real
// delimiter is followed by an opening quote, since the quoted name has its own quotes escaped.
const MET = new RegExp(`^SLA Desk: (.+) kept \\((${METRIC_ID})\\), marked by ("(?:[^"\\\\]|\\\\.)*") at (${INSTANT})\\.$`);
// Notes written before the name was quoted (they are still on issues). The name there is raw text
// after the app's own label and id, so the first delimiter is the app's, and it alone is tried: a
// later one may be the name's. The instant is the last thing the app wrote. A name that opens with a
// quote is the quoted form's, judged by its pattern alone.
const UNQUOTED_HEAD = new RegExp(`^SLA Desk: (.+?) kept \\((${METRIC_ID})\\), marked by `, 's');
const UNQUOTED_TAIL = new RegExp(`^([^"].*) at (${INSTANT})\\.$`, 's');

/** The note read back, or null for any text formatMetNote (or the app before it quoted names) did not write. */
export function parseMetNote(text: string): MetNote | null {
  const m = MET.exec(text);
  return m ? quoted(m, text) : unquoted(text);
}

function quoted(m: RegExpExecArray, text: string): MetNote | null {
  if (!isInstant(m[4])) return null;
  let by: unknown;
  try {
    by = JSON.parse(m[3]);
  } catch {
    return null;
  }
  const note = { label: m[1], metric: m[2], by: String(by), at: m[4] };
  // Only what the writer itself writes: a name or label it would have cleaned is not its own.
  return formatMetNote(note) === text ? note : null;
}

function unquoted(text: string): MetNote | null {
  const head = UNQUOTED_HEAD.exec(text);
  const tail = head && UNQUOTED_TAIL.exec(text.slice(head[0].length));
  return head && tail && isInstant(tail[2]) ? { label: head[1], metric: head[2], by: tail[1], at: tail[2] } : null;
}

function isInstant(s: string): boolean {
  const t = Date.parse(s);
  return Number.isFinite(t) && new Date(t).toISOString() === s;
}

import { hasNoteRef, metNote, noteText, readMetRef, type Policy } from '@sla-desk/core';

/**
 * The Forge app's "Mark as met" note: people read it in the comments, and the timeline reads
 * it back. core's metNote writes it, in the policy's words, and ends it with a reference line that
 * the timeline reads (the caller's display name JSON-quoted there, and kept on one line in the
 * sentence, so no name can write a line of its own). Notes of the two forms written before are
 * still read: their parsers follow.
 */
export interface MetNote {
  metric: string;
  /** The Metric's label, as the older forms wrote it; the reference line does not carry it. */
  label?: string;
  by: string;
  at: string;
}

/** In the zone of the agent who marked it, where Jira gives it (core's noteZone). */
export function formatMetNote(policy: Policy, n: MetNote & { label: string }, zone?: string | null): string {
  return metNote(policy, n, zone);
}

/** The one-line form before the reference line: the exact text it wrote, so that only its own text reads as it. */
function quotedForm(n: MetNote & { label: string }): string {
  return `SLA Desk: ${noteText(n.label)} kept (${n.metric}), marked by ${JSON.stringify(noteText(n.by) || 'an agent')} at ${n.at}.`;
}

const METRIC_ID = '[A-Za-z0-9][A-Za-z0-9_.-]*';
// What Date.prototype.toISOString writes: the only instant the app puts there.
const INSTANT = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
// The whole note, in the one-line quoted form. The label is greedy: only the real
// delimiter is followed by an opening quote, since the quoted name has its own quotes escaped.
const MET = new RegExp(`^SLA Desk: (.+) kept \\((${METRIC_ID})\\), marked by ("(?:[^"\\\\]|\\\\.)*") at (${INSTANT})\\.$`);
// Notes written before the name was quoted (they are still on issues). The name there is raw text
// after the app's own label and id, so the first delimiter is the app's, and it alone is tried: a
// later one may be the name's. The instant is the last thing the app wrote. A name that opens with a
// quote is the quoted form's, judged by its pattern alone.
const UNQUOTED_HEAD = new RegExp(`^SLA Desk: (.+?) kept \\((${METRIC_ID})\\), marked by `, 's');
const UNQUOTED_TAIL = new RegExp(`^([^"].*) at (${INSTANT})\\.$`, 's');

/** The note read back, or null for any text formatMetNote (or the app's older forms) did not write. */
export function parseMetNote(text: string): MetNote | null {
  if (hasNoteRef(text)) return readMetRef(text);
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
  return quotedForm(note) === text ? note : null;
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

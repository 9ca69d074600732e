import type { TimelineEvent } from './timeline';
import { hasNoteRef, readMetRef } from './notes';

/**
 * A promise kept by an event ("findings sent") read back from its note (notes.ts metNote writes
 * it). Hosts read it back only from notes their app itself wrote: anyone can type these words.
 * The older form, before the reference line, is still read.
 */
const MET = /^SLA Desk: .+ kept \(([A-Za-z0-9][A-Za-z0-9_.-]*)\), marked by .+ at (\S+)\.$/;

export function parseMetNote(text: string): Extract<TimelineEvent, { type: 'met' }> | null {
  if (hasNoteRef(text)) {
    const read = readMetRef(text);
    return read && { type: 'met', at: read.at, metric: read.metric };
  }
  const m = MET.exec(text.trim());
  return m && !Number.isNaN(Date.parse(m[2])) ? { type: 'met', at: m[2], metric: m[1] } : null;
}

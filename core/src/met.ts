import type { TimelineEvent } from './timeline';

/**
 * A promise kept by an event ("findings sent"), as an audit note a host can store where it keeps
 * comments. Hosts read it back only from notes their app itself wrote: anyone can type these words.
 */
export function metNote(e: { metric: string; label: string; by: string; at: string }): string {
  return `SLA Desk: ${e.label} kept (${e.metric}), marked by ${e.by} at ${e.at}.`;
}

const MET = /^SLA Desk: .+ kept \(([A-Za-z0-9][A-Za-z0-9_.-]*)\), marked by .+ at (\S+)\.$/;

export function parseMetNote(text: string): Extract<TimelineEvent, { type: 'met' }> | null {
  const m = MET.exec(text.trim());
  return m && !Number.isNaN(Date.parse(m[2])) ? { type: 'met', at: m[2], metric: m[1] } : null;
}

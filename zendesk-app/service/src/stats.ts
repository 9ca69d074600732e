import type { Enqueued } from './queue';
import type { Outcome } from './pass';

/** Counts: passes per outcome, deliveries per verdict, Zendesk requests, transitions written. */
export type Stats = Record<Outcome | 'failed' | 'parked' | 'rejected' | 'invalid' | Enqueued | 'reads' | 'writes' | 'transitions' | 'passes', number>;

export function emptyStats(): Stats {
  return Object.fromEntries(['written', 'unchanged', 'not-found', 'closed', 'failed', 'parked', 'rejected', 'invalid', 'queued', 'folded', 'duplicate', 'rerun', 'refused', 'reads', 'writes', 'transitions', 'passes'].map((k) => [k, 0])) as Stats;
}

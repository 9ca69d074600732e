import { parseInstant } from './instant';
import type { OverrideEvent, Timeline, TimelineEvent } from './timeline';

/** The ticket's fields, always in this one shape so the engine's hot code stays monomorphic. */
export interface FieldValues {
  impact: string | null;
  urgency: string | null;
  priority: string | null;
  tier: string | null;
  category: string | null;
  status: string | null;
  /** The group (or team) that owns the ticket: what group_ownership Metrics count. */
  group: string | null;
}

// Event kinds, as small integers: the prepared form of a timeline keeps no event objects to chase.
export const K_IMPACT = 0;
export const K_URGENCY = 1;
export const K_PRIORITY = 2;
export const K_TIER = 3;
export const K_CATEGORY = 4;
export const K_STATUS = 5;
export const K_AGENT_REPLY = 6;
export const K_OTHER_REPLY = 7;
export const K_SOLVED = 8;
export const K_REOPENED = 9;
export const K_OVERRIDE = 10;
export const K_MET = 11;
/** A public message from the requester's side: where a next-reply cycle starts. */
export const K_REQUESTER_MESSAGE = 12;
export const K_GROUP = 13;
export const FIELD_OF_KIND = ['impact', 'urgency', 'priority', 'tier', 'category', 'status'] as const;

function kindOf(e: TimelineEvent): number {
  switch (e.type) {
    case 'field':
      return e.field === 'group' ? K_GROUP : FIELD_OF_KIND.indexOf(e.field);
    case 'reply':
      if (!e.public) return K_OTHER_REPLY;
      return e.author === 'agent' ? K_AGENT_REPLY : K_REQUESTER_MESSAGE;
    case 'solved':
      return K_SOLVED;
    case 'reopened':
      return K_REOPENED;
    case 'override':
      return K_OVERRIDE;
    default:
      return K_MET;
  }
}

function valueOf(e: TimelineEvent): string | null | OverrideEvent {
  if (e.type === 'field') return e.value;
  if (e.type === 'override') return e;
  if (e.type === 'met') return e.metric;
  return null;
}

/**
 * A timeline's instants parsed and its events in time order: all of it independent of "now". The
 * fields at creation sit inline, so a re-evaluation touches as few objects as it can.
 */
export interface Prepared extends Readonly<FieldValues> {
  readonly source: readonly TimelineEvent[];
  readonly count: number;
  readonly createdAt: string;
  readonly created: number;
  readonly times: Float64Array;
  readonly kinds: Uint8Array;
  readonly values: readonly (string | null | OverrideEvent)[];
}

// A live countdown re-evaluates the same timeline every second: parse it once, and keep the result
// on the timeline under a non-enumerable symbol (faster than a WeakMap, invisible to JSON). A host
// that appends events or swaps the array or creation time gets a fresh preparation.
const PREPARED = Symbol('sla-desk.prepared');
type Holder = Timeline & { [PREPARED]?: Prepared };

export function prepare(tl: Holder): Prepared {
  const hit = tl[PREPARED];
  if (hit && hit.source === tl.events && hit.count === tl.events.length && hit.createdAt === tl.createdAt) return hit;
  const n = tl.events.length;
  const raw = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    raw[i] = parseInstant(tl.events[i].at);
    if (i && raw[i] < raw[i - 1]) sorted = false;
  }
  const times = new Float64Array(n);
  const kinds = new Uint8Array(n);
  const values: (string | null | OverrideEvent)[] = new Array(n);
  let order: number[] | null = null;
  if (!sorted) {
    // Stable: events at the same instant keep the host's order.
    order = [];
    for (let i = 0; i < n; i++) order.push(i);
    order.sort((a, b) => raw[a] - raw[b] || a - b);
  }
  for (let k = 0; k < n; k++) {
    const i = order === null ? k : order[k];
    const e = tl.events[i];
    times[k] = raw[i];
    kinds[k] = kindOf(e);
    values[k] = valueOf(e);
  }
  const f = tl.fields;
  const p: Prepared = {
    source: tl.events,
    count: n,
    createdAt: tl.createdAt,
    created: parseInstant(tl.createdAt),
    impact: f.impact ?? null,
    urgency: f.urgency ?? null,
    priority: f.priority ?? null,
    tier: f.tier ?? null,
    category: f.category ?? null,
    status: f.status ?? null,
    group: f.group ?? null,
    times,
    kinds,
    values,
  };
  if (hit) tl[PREPARED] = p;
  else Object.defineProperty(tl, PREPARED, { value: p, writable: true, enumerable: false, configurable: true });
  return p;
}


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
/** The ticket's organization, brand or form, or one of the policy's named attributes: what rules read. */
export const K_CONTEXT = 14;
export const K_TAGS = 15;

/** A change of a context value: `organization`, `brand`, `form`, or `attr:<name>`. */
export interface ContextChange {
  readonly key: string;
  readonly value: string | null;
}
const CONTEXT_FIELDS: readonly string[] = ['organization', 'brand', 'form'];
export const FIELD_OF_KIND = ['impact', 'urgency', 'priority', 'tier', 'category', 'status'] as const;

function kindOf(e: TimelineEvent): number {
  switch (e.type) {
    case 'field':
      if (e.field === 'group') return K_GROUP;
      if (CONTEXT_FIELDS.includes(e.field)) return K_CONTEXT;
      return FIELD_OF_KIND.indexOf(e.field as (typeof FIELD_OF_KIND)[number]);
    case 'reply':
      if (!e.public) return K_OTHER_REPLY;
      return e.author === 'agent' ? K_AGENT_REPLY : K_REQUESTER_MESSAGE;
    case 'solved':
      return K_SOLVED;
    case 'reopened':
      return K_REOPENED;
    case 'override':
      return K_OVERRIDE;
    case 'tags':
      return K_TAGS;
    case 'attribute':
      return K_CONTEXT;
    default:
      return K_MET;
  }
}

export type PreparedValue = string | null | OverrideEvent | ContextChange | readonly string[];

function valueOf(e: TimelineEvent): PreparedValue {
  if (e.type === 'field' && CONTEXT_FIELDS.includes(e.field)) return { key: e.field, value: e.value };
  if (e.type === 'attribute') return { key: `attr:${e.name}`, value: e.value };
  if (e.type === 'tags') return e.tags;
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
  readonly values: readonly PreparedValue[];
  /** Context at creation: organization, brand, form and attr:<name>. */
  readonly context: ReadonlyMap<string, string | null>;
  readonly tags: readonly string[];
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
  const values: PreparedValue[] = new Array(n);
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
    context: contextAtCreation(tl),
    tags: tl.tags ?? [],
    times,
    kinds,
    values,
  };
  if (hit) tl[PREPARED] = p;
  else Object.defineProperty(tl, PREPARED, { value: p, writable: true, enumerable: false, configurable: true });
  return p;
}


function contextAtCreation(tl: Timeline): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const k of CONTEXT_FIELDS) m.set(k, (tl.fields as Record<string, string | null | undefined>)[k] ?? null);
  for (const [k, v] of Object.entries(tl.attributes ?? {})) m.set(`attr:${k}`, v ?? null);
  return m;
}

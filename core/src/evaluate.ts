import { netWorking, addPause, dueOf } from './clock';
import type { Classified } from './matrix';
import { parseInstant } from './instant';
import { own as ownKey } from './limits';
import { FieldValues, K_AGENT_REPLY, K_CATEGORY, K_IMPACT, K_MET, K_OVERRIDE, K_PRIORITY, K_REOPENED, K_REQUESTER_MESSAGE, K_GROUP, K_CONTEXT, K_TAGS, type ContextChange, K_SOLVED, K_STATUS, K_TIER, K_URGENCY, FIELD_OF_KIND, Prepared, prepare } from './prepare';
import { CompiledCondition, CompiledLevel, CompiledMetric, CompiledPolicy, CompiledRule, CompiledTarget, getCompiled, norm, STOP_CONDITION, Policy, STOP_GROUP, STOP_MET, STOP_NEXT_REPLY, STOP_PERIODIC, STOP_REPLY, STOP_SOLVED, STOP_TRIAGE } from './policy';
import type { OverrideEvent, Timeline } from './timeline';
import { RAISED_BY } from './reads';
export { RAISED_BY };

export type MetricState = 'running' | 'paused' | 'at_risk' | 'breached' | 'met' | 'not_applicable';

export interface MetricDecision {
  metric: string;
  label: string;
  state: MetricState;
  /** The target as written ("4h", "2d"), or null when the metric carries no promise here. */
  target: string | null;
  calendar: string | null;
  start: number | null;
  due: number | null;
  breachAt: number | null;
  stoppedAt: number | null;
  elapsedWorkingMs: number;
  remainingWorkingMs: number;
  elapsedWallMs: number;
  remainingWallMs: number;
  /** Share of the target used, 0..1+ (working time). */
  used: number;
  /** Why not applicable, when it is not. */
  note?: string;
  /**
   * A Metric that recurs (next reply, periodic update): the cycle this decision shows (the open
   * one, else the last), and how many there were, met and breached. The rest of the decision is
   * that cycle's.
   */
  cycles?: CycleCount;
  /** A Metric with an escalation ladder: how far up it is, in this cycle. */
  level?: LevelState;
}

export interface LevelState {
  /** Levels reached so far (0: none), in the ladder's order. */
  reached: number;
  of: number;
  /** The label of the highest level reached, or null. */
  label: string | null;
  /** When the next level is reached, while the clock runs; null otherwise. */
  next: number | null;
  /** Each level's instant in this cycle (projected from now for those ahead). */
  at: number[];
}

export interface CycleCount {
  /** 1-based: which cycle the decision shows. */
  number: number;
  count: number;
  met: number;
  breached: number;
  /** Whether the shown cycle is still open (no reply or update yet). */
  open: boolean;
  /** Group ownership: the cycles that ended by reassignment to another group. */
  handoffs?: number;
}

/** One cycle of a recurring Metric, for `explain`. */
export interface CycleTrace {
  start: number;
  stop: number | null;
  due: number | null;
  state: MetricState;
  target: string | null;
  /** Working time the cycle's clock counted, to its stop or to now: what a report keeps of it. */
  workingMs: number;
  /** The Priority the cycle ended under (or runs under now): the one its Target came from. */
  priority: string | null;
}

export interface Warning {
  code:
    | 'missing-fields'
    | 'unknown-tier'
    | 'unknown-category'
    | 'unknown-priority'
    | 'no-sla'
    | 'not-designated'
    | 'too-many-contacts'
    | 'unsupported-version';
  message: string;
}

export interface Decision {
  ticketId: string;
  now: number;
  priority: {
    id: string | null;
    label: string | null;
    reason: string;
    source: 'matrix' | 'requester' | 'severity' | 'override' | 'none';
    override: OverrideEvent | null;
    zendesk: string | null;
    jira: string | null;
    /** The Impact and Urgency ids the matrix read (null under other methods or when not set). */
    impact: string | null;
    urgency: string | null;
  };
  /** Shared between decisions of one policy: read, never change. */
  tier: Readonly<{ id: string; label: string; tag: string; fallback: boolean }>;
  category: Readonly<{ id: string; label: string; sla: boolean }>;
  metrics: MetricDecision[];
  /** The policy's triage clock (null when the policy has none): runs until the ticket has a Priority. */
  triage: MetricDecision | null;
  warnings: Warning[];
  maintenance: { label: string; active: boolean; until: number | null; next: number | null }[];
  /** The rule that chose the tier, Targets or Calendar (rules:), when one matched. */
  rule?: { index: number; name: string | null };
  /**
   * The Overrides the escalation ladders made (raisePriority levels), in time order, each with its
   * ladder step's key (ladder.ts): the hosts write each one's note once, as its record.
   */
  raises?: { key: string; override: OverrideEvent }[];
}


interface Walked {
  fields: FieldValues;
  override: OverrideEvent | null;
  /** [t, priority] whenever the effective priority changed, first entry at creation. */
  priorities: { t: number; id: string | null }[];
  /** Each status from creation on, and when it was set: two flat lists, since a ticket can have tens of thousands. */
  statusTimes: number[];
  statusValues: (string | null)[];
  publicReplies: number[];
  solved: number[];
  reopened: number[];
  met: Map<string, number> | null;
  /** The classification of the fields as they stand at the end of the walk. */
  classified: Classified;
  /** Next-reply and periodic-update cycles (only when the policy has such a Metric). */
  cycles: Cycles | null;
  /** What rules read, as the ticket stands at the end of the walk (only when the policy has rules). */
  context: Map<string, string | null> | null;
  tags: readonly string[];
  /** The rule that chose this ticket's tier, Targets or Calendar, once matched. */
  rule: CompiledRule | null;
  /** The ticket's state after each change that conditions read (only when a Metric pauses or stops on one). */
  states: { times: number[]; states: CondState[] } | null;
  /** The ticket's priority, tier field and category now, for conditions that name them. */
  fixed: { priority: string | null; tier: string | null; category: string };
}

/** What a condition reads at one moment of the ticket's life. */
interface CondState {
  tags: readonly string[];
  context: ReadonlyMap<string, string | null>;
  status: string | null;
  group: string | null;
}

/** Cycles as two parallel lists each: where each starts, and where it stopped (null: open). */
interface Cycles {
  replyStarts: number[];
  replyStops: (number | null)[];
  updateStarts: number[];
  updateStops: (number | null)[];
  /** Who owned the ticket, from creation on: each change of group or of solved, as it happened. */
  ownerTimes: number[];
  ownerGroups: (string | null)[];
  ownerSolved: boolean[];
}

/**
 * Evaluates a ticket's timeline under a policy at `now` (UTC ms or ISO). Pure: the same inputs
 * give the same decision on any machine, in any zone.
 */
export function evaluate(policy: Policy, timeline: Timeline, now: number | string): Decision {
  return withRaises(policy, timeline, now, null);
}

/** What a metric's clock ran on, kept for `explain`: the same numbers the decision came from. */
export interface ClockTrace {
  start: number;
  end: number;
  stop: number | null;
  /** Sorted, disjoint [from, to) pairs. */
  pauses: readonly number[];
  target: CompiledTarget;
  /** Each Priority the ticket had, and from when: the first entry is at creation. */
  priorities: readonly { t: number; id: string | null }[];
  /** A recurring Metric's cycles, the last one being the one this trace is of. */
  cycles?: CycleTrace[];
}

/** The decision and, per metric id (and "triage"), the clock behind it. */
export function evaluateWithTrace(policy: Policy, timeline: Timeline, now: number | string): { decision: Decision; clocks: Map<string, ClockTrace> } {
  const clocks = new Map<string, ClockTrace>();
  return { decision: withRaises(policy, timeline, now, clocks), clocks };
}

/** Raises are few (one per Priority at most); the bound only guards a pathological policy. */
const MAX_RAISES = 16;

/**
 * A ladder level with `raisePriority` is the app's own Override, one Priority up, at the level's
 * instant. It is derived here from the timeline, never read back from a host's note, so both hosts
 * and every pass agree on it without trusting any text: the note a host writes is a record. The
 * raise changes the Targets and so the later levels' instants, so the levels are walked in time
 * order, each raise applied before the next is looked for.
 */
function withRaises(policy: Policy, timeline: Timeline, now: number | string, sink: Map<string, ClockTrace> | null): Decision {
  const cp = getCompiled(policy);
  if (!cp.raises) return run(policy, timeline, now, sink);
  const done = new Set<string>();
  const raises: { key: string; override: OverrideEvent }[] = [];
  const withList = (d: Decision) => (raises.length ? { ...d, raises } : d);
  let tl = timeline;
  for (let round = 0; round < MAX_RAISES; round++) {
    const d = run(policy, tl, now, null);
    const step = firstRaise(cp, d, done);
    if (!step) return withList(sink ? run(policy, tl, now, sink) : d);
    done.add(step.key);
    const from = run(policy, tl, step.at, null).priority.id;
    const ids = Object.keys(policy.priorities);
    const i = from === null ? -1 : ids.indexOf(from);
    if (i <= 0) continue;
    const raise: OverrideEvent = { type: 'override', at: new Date(step.at).toISOString(), by: RAISED_BY, from, to: ids[i - 1], reason: `escalation ladder: ${step.metric} reached ${step.label} (level ${step.level})`, notify: false };
    raises.push({ key: `${step.id}:1:${step.level}`, override: raise });
    tl = { ...tl, events: [...tl.events, raise] };
  }
  return withList(run(policy, tl, now, sink));
}


/** The earliest level reached with a raisePriority action that has not been applied yet. */
function firstRaise(cp: CompiledPolicy, d: Decision, done: ReadonlySet<string>): { key: string; at: number; id: string; metric: string; label: string; level: number } | null {
  let best: { key: string; at: number; id: string; metric: string; label: string; level: number } | null = null;
  for (let k = 0; k < d.metrics.length; k++) {
    const m = d.metrics[k];
    const ladder = cp.ladders[k];
    if (!ladder || !m.level) continue;
    for (let i = 0; i < m.level.reached; i++) {
      if (!ladder[i].raises) continue;
      const key = `${m.metric}:${i + 1}`;
      if (!done.has(key) && (!best || m.level.at[i] < best.at)) best = { key, at: m.level.at[i], id: m.metric, metric: m.label, label: ladder[i].label, level: i + 1 };
    }
  }
  return best;
}

function run(policy: Policy, timeline: Timeline, now: number | string, sink: Map<string, ClockTrace> | null): Decision {
  const cp = getCompiled(policy);
  const nowMs = typeof now === 'number' ? now : parseInstant(now);
  const prepared = prepare(timeline);
  const created = prepared.created;
  const w = walk(cp, prepared, nowMs);
  const warnings: Warning[] = [];

  const prio = priorityOf(cp, w, warnings);
  const category = categoryOf(cp, w.fields.category, warnings);
  w.fixed = { priority: prio.id, tier: w.fields.tier, category: category.id };
  w.rule = cp.rules.length ? matchRule(cp, w, prio.id, category.id) : null;
  const tier = w.rule?.tier ? cp.tierBadges.get(w.rule.tier)! : tierOf(cp, w.fields.tier, warnings);
  entitlements(cp, timeline, tier.id, created, warnings);
  if (!category.sla) warnings.push({ code: 'no-sla', message: `${category.label}: no SLA applies` });

  const metrics: MetricDecision[] = new Array(cp.metrics.length);
  for (let i = 0; i < metrics.length; i++) metrics[i] = metricDecision(cp, w, cp.metrics[i], tier.id, category.id, created, nowMs, sink);
  const triage = cp.triage ? metricDecision(cp, w, cp.triage.metric, tier.id, category.id, created, nowMs, sink) : null;
  return {
    ticketId: timeline.id,
    now: nowMs,
    priority: prio,
    tier,
    category,
    metrics,
    triage,
    warnings,
    maintenance: maintenance(cp, nowMs),
    ...(w.rule ? { rule: { index: w.rule.index, name: w.rule.name } } : {}),
  };
}

/**
 * The first rule whose every condition holds for the ticket as it stands now (Zendesk and JSM
 * choose a policy or a goal from the ticket's current attributes too).
 */
function matchRule(cp: CompiledPolicy, w: Walked, priority: string | null, category: string): CompiledRule | null {
  const now: CondState = { tags: w.tags.map(norm), context: w.context!, status: w.fields.status, group: w.fields.group };
  for (const r of cp.rules) if (holds(r.when, now, { priority, tier: w.fields.tier, category })) return r;
  return null;
}

/** Whether every key of a condition holds in a state; priority, tier and category are the ticket's now. */
function holds(c: CompiledCondition, s: CondState, fixed: { priority: string | null; tier: string | null; category: string }): boolean {
  return c.every(([key, values]) => {
    if (key === 'tag') return s.tags.some((t) => values.has(t));
    let v: string | null;
    switch (key) {
      case 'organization':
      case 'brand':
      case 'form':
        v = s.context.get(key) ?? null;
        break;
      case 'group':
        v = s.group;
        break;
      case 'status':
        v = s.status;
        break;
      case 'priority':
      case 'tier':
        v = fixed[key];
        break;
      case 'category':
        v = fixed.category;
        break;
      default:
        v = s.context.get(`attr:${key}`) ?? null;
    }
    return v !== null && values.has(norm(v));
  });
}

/** The spans of [start, end) in which any of the conditions holds, added to `pauses`. */
function conditionPauses(w: Walked, conds: readonly CompiledCondition[], fixed: Parameters<typeof holds>[2], start: number, end: number, pauses: number[]): number[] {
  const { times, states } = w.states!;
  let out = pauses;
  for (let i = 0; i < times.length; i++) {
    if (!conds.some((c) => holds(c, states[i], fixed))) continue;
    const from = Math.max(times[i], start);
    const to = Math.min(i + 1 < times.length ? times[i + 1] : end, end);
    if (to > from) addPause((out = own(out)), from, to);
  }
  return out;
}

/** Whether any of the conditions holds at t. */
function heldAt(w: Walked, conds: readonly CompiledCondition[], t: number): boolean {
  const i = statusIndexAt(w.states!.times, t);
  return i >= 0 && conds.some((c) => holds(c, w.states!.states[i], w.fixed));
}

/** The first moment at or after `from` that the condition holds, or null. */
function firstHolding(w: Walked, c: CompiledCondition, fixed: Parameters<typeof holds>[2], from: number): number | null {
  const { times, states } = w.states!;
  for (let i = 0; i < times.length; i++) {
    const next = i + 1 < times.length ? times[i + 1] : Infinity;
    if (next <= from || !holds(c, states[i], fixed)) continue;
    return Math.max(times[i], from);
  }
  return null;
}

function walk(cp: CompiledPolicy, events: Prepared, now: number): Walked {
  const created = events.created;
  const fields: FieldValues = {
    impact: events.impact,
    urgency: events.urgency,
    priority: events.priority,
    tier: events.tier,
    category: events.category,
    status: events.status,
    group: events.group,
  };
  const solvedStatuses = cp.policy.clock.solvedStatuses;
  const w: Walked = {
    fields,
    override: null,
    priorities: NONE_YET as Walked['priorities'],
    statusTimes: [created],
    statusValues: [fields.status],
    publicReplies: NONE_YET,
    solved: NONE_YET,
    reopened: NONE_YET,
    met: null,
    classified: cp.classify(fields),
    cycles: null,
    context: cp.rules.length || cp.conditional ? new Map(events.context) : null,
    tags: events.tags,
    rule: null,
    states: null,
    fixed: { priority: null, tier: null, category: '' },
  };
  const snap = cp.conditional ? (w.states = { times: [] as number[], states: [] as CondState[] }) : null;
  const record = (t: number) => {
    snap!.times.push(t);
    snap!.states.push({ tags: w.tags.map(norm), context: new Map(w.context!), status: fields.status, group: fields.group });
  };
  if (snap) record(created);
  notePriority(cp, w, created, false);
  const startsSolved = fields.status !== null && solvedStatuses.includes(fields.status);
  const cyc = cp.recurring ? (w.cycles = { replyStarts: [], replyStops: [], updateStarts: [], updateStops: [], ownerTimes: [created], ownerGroups: [lower(fields.group)], ownerSolved: [startsSolved] }) : null;
  if (cyc && !startsSolved) openCycle(cyc.updateStarts, cyc.updateStops, created);
  let solvedNow = startsSolved;
  const owner = (t: number) => {
    cyc!.ownerTimes.push(t);
    cyc!.ownerGroups.push(lower(fields.group));
    cyc!.ownerSolved.push(solvedNow);
  };
  const { times, kinds, values } = events;
  for (let k = 0; k < times.length; k++) {
    const t = times[k];
    if (t > now) break;
    const kind = kinds[k];
    switch (kind) {
      case K_PRIORITY:
        // A requester-chosen Priority that the policy does not let the vendor reclassify changes
        // only through an Override.
        if (cp.priorityLocked) break;
        fields.priority = values[k] as string | null;
        notePriority(cp, w, t, true);
        break;
      case K_IMPACT:
      case K_URGENCY:
        fields[FIELD_OF_KIND[kind]] = values[k] as string | null;
        notePriority(cp, w, t, true);
        break;
      case K_TIER:
      case K_CATEGORY:
        fields[FIELD_OF_KIND[kind]] = values[k] as string | null;
        break;
      case K_STATUS: {
        const before = fields.status;
        const value = values[k] as string | null;
        fields.status = value;
        w.statusTimes.push(t);
        w.statusValues.push(value);
        const wasSolved = before !== null && solvedStatuses.includes(before);
        const isSolved = value !== null && solvedStatuses.includes(value);
        if (isSolved && !wasSolved) (w.solved = own(w.solved)).push(t);
        if (wasSolved && !isSolved) (w.reopened = own(w.reopened)).push(t);
        if (cyc && isSolved && !wasSolved) solveCycles(cyc, t);
        if (cyc && wasSolved && !isSolved && !isOpen(cyc.updateStops)) openCycle(cyc.updateStarts, cyc.updateStops, t);
        if (cyc && isSolved !== wasSolved) {
          solvedNow = isSolved;
          owner(t);
        }
        if (snap) record(t);
        break;
      }
      case K_CONTEXT:
        if (w.context) w.context.set((values[k] as ContextChange).key, (values[k] as ContextChange).value);
        if (snap) record(t);
        break;
      case K_TAGS:
        w.tags = values[k] as readonly string[];
        if (snap) record(t);
        break;
      case K_GROUP:
        fields.group = values[k] as string | null;
        if (snap) record(t);
        if (cyc) owner(t);
        break;
      case K_AGENT_REPLY:
        (w.publicReplies = own(w.publicReplies)).push(t);
        if (cyc) {
          closeCycle(cyc.replyStops, t);
          // An update answers the one before it and starts the wait for the next, while open.
          if (closeCycle(cyc.updateStops, t)) openCycle(cyc.updateStarts, cyc.updateStops, t);
        }
        break;
      case K_REQUESTER_MESSAGE:
        // The ticket's first message, and any before the first public reply, wait on the first
        // response; after it, the oldest message not yet answered starts the wait for the next.
        if (cyc && w.publicReplies.length && !isOpen(cyc.replyStops)) openCycle(cyc.replyStarts, cyc.replyStops, t);
        break;
      case K_SOLVED:
        (w.solved = own(w.solved)).push(t);
        if (cyc) {
          solveCycles(cyc, t);
          solvedNow = true;
          owner(t);
        }
        break;
      case K_REOPENED:
        (w.reopened = own(w.reopened)).push(t);
        if (cyc && !isOpen(cyc.updateStops)) openCycle(cyc.updateStarts, cyc.updateStops, t);
        if (cyc) {
          solvedNow = false;
          owner(t);
        }
        break;
      case K_OVERRIDE:
        w.override = values[k] as OverrideEvent;
        notePriority(cp, w, t, false);
        break;
      case K_MET: {
        const metric = values[k] as string;
        if (!w.met) w.met = new Map();
        if (!w.met.has(metric)) w.met.set(metric, t);
        break;
      }
    }
  }
  return w;
}

const lower = (v: string | null): string | null => (v === null ? null : norm(v));

/**
 * A group's ownership cycles: from each time the ticket came to the group (while not solved) to
 * its reassignment or solve; a reopening while the group holds it starts a new one. `handoffs`:
 * the cycles that ended by reassignment to another group.
 */
function ownershipCycles(c: Cycles, group: string): { starts: number[]; stops: (number | null)[]; handoffs: number } {
  const starts: number[] = [];
  const stops: (number | null)[] = [];
  let handoffs = 0;
  let owned = false;
  for (let i = 0; i < c.ownerTimes.length; i++) {
    const now = c.ownerGroups[i] === group && !c.ownerSolved[i];
    if (now === owned) continue;
    if (now) openCycle(starts, stops, c.ownerTimes[i]);
    else {
      closeCycle(stops, c.ownerTimes[i]);
      if (!c.ownerSolved[i]) handoffs++;
    }
    owned = now;
  }
  return { starts, stops, handoffs };
}

function openCycle(starts: number[], stops: (number | null)[], t: number): void {
  starts.push(t);
  stops.push(null);
}

function isOpen(stops: readonly (number | null)[]): boolean {
  return stops.length > 0 && stops[stops.length - 1] === null;
}

/** Ends the open cycle at t; false when none was open. */
function closeCycle(stops: (number | null)[], t: number): boolean {
  if (!isOpen(stops)) return false;
  stops[stops.length - 1] = t;
  return true;
}

/** Solving answers what waits: a solved ticket owes no reply and no update, until it reopens. */
function solveCycles(c: Cycles, t: number): void {
  closeCycle(c.replyStops, t);
  closeCycle(c.updateStops, t);
}

function notePriority(cp: CompiledPolicy, w: Walked, t: number, reclassify: boolean): void {
  if (reclassify) w.classified = cp.classify(w.fields);
  // An override to a priority the policy lacks is ignored here too, as priorityOf reports it.
  const id = w.override && ownKey(cp.policy.priorities, w.override.to) ? w.override.to : w.classified.priority;
  const last = w.priorities[w.priorities.length - 1];
  if (!last || last.id !== id) (w.priorities = own(w.priorities)).push({ t, id });
}

// Most tickets never see some kinds of event: they share this empty list until their first one.
const NONE_YET: never[] = [];

function own<T>(list: T[]): T[] {
  return list === NONE_YET ? [] : list;
}

/** A Tier nobody chose (none set, or one the policy lacks) is the default, marked fallback: hosts show it apart and never write it back as a choice. */
function tierOf(cp: CompiledPolicy, value: string | null | undefined, warnings: Warning[]): Decision['tier'] {
  const fallback = cp.tierBadges.get(cp.defaultTier)!;
  if (value === null || value === undefined || value === '') return { ...fallback, fallback: true };
  const id = value;
  const known = cp.tierBadges.get(id);
  if (known) return known;
  warnings.push({ code: 'unknown-tier', message: `Unknown tier "${id}": using the default tier "${fallback.label}"` });
  return { ...fallback, fallback: true };
}

function categoryOf(cp: CompiledPolicy, value: string | null | undefined, warnings: Warning[]): Decision['category'] {
  const id = value ?? cp.defaultCategory;
  const known = cp.categoryInfo.get(id);
  if (known) return known;
  const fallback = cp.categoryInfo.get(cp.defaultCategory)!;
  warnings.push({ code: 'unknown-category', message: `Unknown category "${id}": using "${fallback.label}"` });
  return fallback;
}

function priorityOf(cp: CompiledPolicy, w: Walked, warnings: Warning[]): Decision['priority'] {
  const p = cp.policy;
  const c = w.classified;
  const o = w.override && ownKey(p.priorities, w.override.to) ? w.override : null;
  if (w.override && !o) warnings.push({ code: 'unknown-priority', message: `Override to unknown priority "${w.override.to}" is ignored` });
  if (!o && c.missing.length) warnings.push({ code: 'missing-fields', message: c.reason });
  const id = o ? o.to : c.priority;
  const def = ownKey(p.priorities, id);
  return {
    id,
    label: def?.label ?? null,
    reason: o ? `Override by ${o.by}: ${o.from ?? '—'} → ${o.to} (${o.reason})` : c.reason,
    source: o ? 'override' : id ? p.classification.method : 'none',
    override: o,
    zendesk: def?.zendesk ?? null,
    jira: def?.jira ?? null,
    impact: c.impact,
    urgency: c.urgency,
  };
}

function entitlements(cp: CompiledPolicy, tl: Timeline, tier: string, created: number, warnings: Warning[]): void {
  const ent = ownKey(cp.policy.tiers, tier)?.entitlements;
  if (tl.requester?.designated === false) {
    warnings.push({ code: 'not-designated', message: 'The requester is not a designated contact' });
  }
  const count = tl.organization?.designatedContacts;
  if (ent?.designatedContacts !== undefined && count !== undefined && count > ent.designatedContacts) {
    warnings.push({ code: 'too-many-contacts', message: `The organization has ${count} designated contacts; the tier allows ${ent.designatedContacts}` });
  }
  const released = tl.product?.releasedAt;
  if (ent?.supportedVersionMonths && released) {
    const c = new Date(created);
    const limit = Date.UTC(c.getUTCFullYear(), c.getUTCMonth() - ent.supportedVersionMonths, c.getUTCDate());
    if (Date.parse(released.slice(0, 10)) < limit) {
      const v = tl.product?.version ? `Version ${tl.product.version}` : 'This version';
      warnings.push({ code: 'unsupported-version', message: `${v} was released more than ${ent.supportedVersionMonths} months ago: consultative support only` });
    }
  }
}

function firstAtOrAfter(times: readonly number[], t: number): number | null {
  for (const x of times) if (x >= t) return x;
  return null;
}

/** When the ticket first had a Priority: where its triage clock stops. */
function firstPriority(w: Walked): number | null {
  for (const p of w.priorities) if (p.id !== null) return p.t;
  return null;
}

function priorityAt(w: Walked, t: number): string | null {
  let id: string | null = null;
  for (const p of w.priorities) {
    if (p.t > t) break;
    id = p.id;
  }
  return id;
}

function metricDecision(cp: CompiledPolicy, w: Walked, metric: CompiledMetric, tier: string, category: string, created: number, now: number, sink: Map<string, ClockTrace> | null): MetricDecision {
  if (metric.stop === STOP_NEXT_REPLY || metric.stop === STOP_PERIODIC || metric.stop === STOP_GROUP) return cycleDecision(cp, w, metric, tier, category, now, sink);
  const restartOnReopen = cp.policy.clock.reopen === 'restart';
  const lastReopen = w.reopened.length ? w.reopened[w.reopened.length - 1] : null;
  let cycleStart = created;
  if (metric.stop === STOP_SOLVED && restartOnReopen && lastReopen !== null) cycleStart = lastReopen;

  // Solving stops every clock: a solved ticket owes no first reply.
  let stop: number | null;
  if (metric.stop === STOP_REPLY) stop = firstAtOrAfter(w.publicReplies, cycleStart) ?? firstAtOrAfter(w.solved, cycleStart);
  else if (metric.stop === STOP_MET) stop = w.met?.get(metric.id) ?? firstAtOrAfter(w.solved, cycleStart);
  else if (metric.stop === STOP_TRIAGE) stop = firstPriority(w) ?? firstAtOrAfter(w.solved, cycleStart);
  else if (metric.stop === STOP_CONDITION) stop = firstHolding(w, metric.stopWhen!, w.fixed, cycleStart) ?? firstAtOrAfter(w.solved, cycleStart);
  else {
    const lastSolved = w.solved.length ? w.solved[w.solved.length - 1] : null;
    stop = lastSolved !== null && (lastReopen === null || lastSolved > lastReopen) && lastSolved >= cycleStart ? lastSolved : null;
  }
  return clockDecision(cp, w, metric, tier, category, cycleStart, stop, now, sink);
}

/**
 * A recurring Metric: each cycle is a clock of its own (its Target from the Priority it ends
 * under, its pauses, its due), and the decision is the open cycle's, else the last one's, with the
 * count of cycles met and breached.
 */
function cycleDecision(cp: CompiledPolicy, w: Walked, metric: CompiledMetric, tier: string, category: string, now: number, sink: Map<string, ClockTrace> | null): MetricDecision {
  const c = w.cycles!;
  let starts: number[];
  let stops: (number | null)[];
  let handoffs: number | undefined;
  if (metric.stop === STOP_GROUP) ({ starts, stops, handoffs } = ownershipCycles(c, metric.group!));
  else if (metric.stop === STOP_NEXT_REPLY) [starts, stops] = [c.replyStarts, c.replyStops];
  else [starts, stops] = [c.updateStarts, c.updateStops];
  // From the first public reply: the cycles before it are the first response's.
  const first = metric.startsAt === 'first_public_reply' ? (w.publicReplies.length ? w.publicReplies[0] : Infinity) : -Infinity;
  let from = 0;
  while (from < starts.length && starts[from] < first) from++;
  if (from === starts.length) return notApplicable(metric, null, NOTHING_OWED[metric.stop]);
  let met = 0;
  let breached = 0;
  let shown: MetricDecision | null = null;
  const trace: CycleTrace[] | null = sink ? [] : null;
  for (let i = from; i < starts.length; i++) {
    const last = i === starts.length - 1;
    const d = clockDecision(cp, w, metric, tier, category, starts[i], stops[i], now, last ? sink : null);
    if (d.state === 'met') met++;
    else if (d.state === 'breached') breached++;
    trace?.push({ start: starts[i], stop: stops[i], due: d.due, state: d.state, target: d.target, workingMs: d.elapsedWorkingMs, priority: priorityAt(w, stops[i] ?? Math.max(now, starts[i])) });
    if (last) shown = d;
  }
  const traced = sink?.get(metric.id);
  if (traced && trace) traced.cycles = trace;
  const count = starts.length - from;
  return { ...shown!, cycles: { number: count, count, met, breached, open: stops[stops.length - 1] === null, ...(handoffs !== undefined ? { handoffs } : {}) } };
}

/** Why a recurring Metric has no cycle yet, by its kind. */
const NOTHING_OWED: Record<number, string> = {
  [STOP_NEXT_REPLY]: 'no requester message waits for a reply',
  [STOP_PERIODIC]: 'no update is due',
  [STOP_GROUP]: 'the group has not owned the ticket',
};

/** One clock of a Metric, from `cycleStart` to `stop` (null: still running at `now`). */
function clockDecision(cp: CompiledPolicy, w: Walked, metric: CompiledMetric, tier: string, category: string, cycleStart: number, stop: number | null, now: number, sink: Map<string, ClockTrace> | null): MetricDecision {
  const clock = cp.policy.clock;
  const restartOnReopen = clock.reopen === 'restart';
  const end = stop ?? Math.max(now, cycleStart);
  const priority = priorityAt(w, end);
  // A category's own promise (SCALE's findings for a data issue) needs no Priority; '' is no
  // Priority id, so the tier's rows are not consulted without one.
  const target = metric.stop === STOP_TRIAGE ? cp.triage!.target : ruled(w.rule, metric.index, cp.targetRow(tier, priority ?? '', category)?.[metric.index] ?? null);
  if (!target) return notApplicable(metric, stop, priority ? 'no target for this tier, priority and category' : 'no priority yet');

  let start = cycleStart;
  if (clock.priorityChange === 'restart' && metric.stop !== STOP_TRIAGE) {
    for (let i = 1; i < w.priorities.length; i++) {
      const p = w.priorities[i];
      if (p.t > end) break;
      if (p.t > start && w.priorities[i - 1].id !== null) start = p.t;
    }
  }

  let pauses = pausesFor(w, metric.pauseStatuses, start, end);
  if (metric.pauseWhen) pauses = conditionPauses(w, metric.pauseWhen, w.fixed, start, end, pauses);
  if (metric.stop === STOP_SOLVED && !restartOnReopen) {
    // Both lists are in time order: one pass finds each solve's reopening.
    let j = 0;
    for (let i = 0; i < w.solved.length; i++) {
      const s = w.solved[i];
      while (j < w.reopened.length && w.reopened[j] < s) j++;
      if (j === w.reopened.length) break;
      const r = w.reopened[j];
      if (r <= end && s >= start) addPause((pauses = own(pauses)), s, r);
    }
  }
  const openPause = stop === null && (isPausedAt(w, metric.pauseStatuses, end) || (metric.pauseWhen !== undefined && heldAt(w, metric.pauseWhen, end)));

  const cal = target.calendar;
  const due = dueOf(target, start, pauses);
  const elapsed = netWorking(cal, pauses, start, end);
  // The due is where net working time reaches the Target, so for a working-time Target what is
  // left is the Target less what is used; business days need the calendar.
  const remaining = target.kind === 'working' ? target.ms - elapsed : netWorking(cal, pauses, end, due);
  const total = elapsed + remaining;
  const used = total > 0 ? elapsed / total : end >= due ? 1 : 0;
  let pausedWall = 0;
  for (let i = 0; i < pauses.length; i += 2) pausedWall += Math.min(pauses[i + 1], end) - Math.max(pauses[i], start);

  if (sink) sink.set(metric.id, { start, end, stop, pauses, target, priorities: w.priorities });

  let state: MetricState;
  if (stop !== null) state = stop <= due ? 'met' : 'breached';
  else if (now >= due) state = 'breached';
  else if (openPause) state = 'paused';
  else if (isAtRisk(cp, used, remaining)) state = 'at_risk';
  else state = 'running';

  const ladder = metric.index >= 0 ? cp.ladders[metric.index] : null;
  const decided: MetricDecision = {
    metric: metric.id,
    label: metric.label,
    state,
    target: target.text,
    calendar: cal.id,
    start,
    due,
    breachAt: state === 'breached' ? due : null,
    stoppedAt: stop,
    elapsedWorkingMs: elapsed,
    remainingWorkingMs: remaining,
    elapsedWallMs: end - start - pausedWall,
    remainingWallMs: due - end,
    used,
  };
  if (ladder) decided.level = levelsOf(ladder, target, start, pauses, due, stop, now, state);
  return decided;
}

/**
 * Where each ladder level falls in this cycle: a share of the Target or working time left (on the
 * Target's Calendar, with the cycle's pauses; for business days, as a share of the wall time to
 * the due), the breach, or wall time after it. A level counts once its instant has passed, before
 * the clock stopped.
 */
function levelsOf(ladder: readonly CompiledLevel[], target: CompiledTarget, start: number, pauses: readonly number[], due: number, stop: number | null, now: number, state: MetricState): LevelState {
  const at = ladder.map((l) => {
    const a = l.at;
    if (a.kind === 'breached') return due;
    if (a.kind === 'afterBreach') return due + a.ms;
    if (target.kind === 'working') return dueOf({ ...target, ms: a.kind === 'percent' ? target.ms * a.share : Math.max(0, target.ms - a.ms) }, start, pauses);
    return a.kind === 'percent' ? start + (due - start) * a.share : due - a.ms;
  });
  const until = stop ?? now;
  let reached = 0;
  while (reached < at.length && at[reached] <= until) reached++;
  const live = stop === null && state !== 'paused';
  const next = live && reached < at.length ? at[reached] : null;
  return { reached, of: at.length, label: reached ? ladder[reached - 1].label : null, next, at };
}

/** A matched rule's own Target for a Metric replaces the row's; its Calendar counts either. */
function ruled(rule: CompiledRule | null, index: number, row: CompiledTarget | null): CompiledTarget | null {
  if (!rule) return row;
  const own = rule.targets?.[index];
  const t = own === undefined ? row : own;
  return t && rule.calendar ? { ...t, calendar: rule.calendar } : t;
}

function notApplicable(m: CompiledMetric, stoppedAt: number | null, note: string): MetricDecision {
  return {
    metric: m.id,
    label: m.label,
    state: 'not_applicable',
    target: null,
    calendar: null,
    start: null,
    due: null,
    breachAt: null,
    stoppedAt,
    elapsedWorkingMs: 0,
    remainingWorkingMs: 0,
    elapsedWallMs: 0,
    remainingWallMs: 0,
    used: 0,
    note,
  };
}

function isAtRisk(cp: CompiledPolicy, used: number, remaining: number): boolean {
  // A hair of tolerance: used is a ratio of floats, and 29% of an hour must be at risk at 29%.
  if (cp.atRiskPercent !== null) return used * 100 >= cp.atRiskPercent - 1e-9;
  return cp.atRiskRemainingMs !== null && remaining <= cp.atRiskRemainingMs;
}

function pausesFor(w: Walked, statuses: readonly string[], start: number, end: number): number[] {
  let out: number[] = NONE_YET;
  if (!statuses.length) return out;
  const times = w.statusTimes;
  const values = w.statusValues;
  // From the status in force at `start`: a ticket with many cycles must not rescan its history for each.
  for (let i = Math.max(0, statusIndexAt(times, start)); i < times.length && times[i] < end; i++) {
    const status = values[i];
    if (status === null || !statuses.includes(status)) continue;
    const from = Math.max(times[i], start);
    const to = Math.min(i + 1 < times.length ? times[i + 1] : end, end);
    if (to > from) addPause((out = own(out)), from, to);
  }
  return out;
}

/** The index of the last status set at or before t (-1 when none was). */
function statusIndexAt(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function isPausedAt(w: Walked, statuses: readonly string[], t: number): boolean {
  const i = statusIndexAt(w.statusTimes, t);
  const status = i < 0 ? null : w.statusValues[i];
  return status !== null && statuses.includes(status);
}

const NO_MAINTENANCE: Decision['maintenance'] = [];

function maintenance(cp: CompiledPolicy, now: number): Decision['maintenance'] {
  if (!cp.policy.maintenance.length) return NO_MAINTENANCE;
  return cp.policy.maintenance.map((m) => {
    const cal = cp.calendars.get(m.calendar)!;
    const iv = cal.intervalAt(now);
    return { label: m.label, active: iv !== null, until: iv ? iv.end : null, next: iv ? null : cal.nextOpen(now) };
  });
}

const URGENCY: readonly MetricState[] = ['breached', 'at_risk', 'running', 'paused', 'met', 'not_applicable'];

/** The most urgent state among a decision's metrics: what the hosts' "SLA state" field holds. */
export function worstState(d: Decision): MetricState {
  return URGENCY.find((s) => d.metrics.some((m) => m.state === s)) ?? 'not_applicable';
}

/**
 * The due instant a host keeps in its field: none while the Metric is paused. A paused Metric's
 * due is projected from now (now + what remains), so it moves with the clock alone; a saved copy
 * would be rewritten on every pass, and every write fires the host's triggers again.
 */
export function savedDue(m: MetricDecision): number | null {
  // A recurring Metric owes nothing between cycles: its field holds the open cycle's due or none.
  if (m.cycles && !m.cycles.open) return null;
  return m.state === 'paused' ? null : m.due;
}

/**
 * The instant a Metric counts towards the ticket's next breach, or null: the due of a clock that
 * runs (running or at risk), the breach instant of one already breached and still open (in the
 * past, so a breached ticket sorts before every ticket still in time), and none for a paused
 * Metric (its due moves with the clock), a met or not-applicable one, one that stopped late, or a
 * recurring Metric between cycles (the decision shows the last, closed cycle).
 */
export function breachInstant(m: MetricDecision): number | null {
  if (m.stoppedAt !== null || (m.cycles && !m.cycles.open)) return null;
  if (m.state === 'running' || m.state === 'at_risk') return m.due;
  if (m.state === 'breached') return m.breachAt ?? m.due;
  return null;
}

/**
 * The ticket's next breach: the earliest breachInstant of its Metrics and of its triage clock (the
 * wait for a Priority is a promise too, and the one a triage lead's queue is for), or null when no
 * clock runs. What the hosts' "SLA next breach" fields hold and their queues sort on, earliest
 * first; a past instant means the ticket is breached already.
 */
export function nextBreach(d: Decision): number | null {
  let next: number | null = null;
  const consider = (m: MetricDecision) => {
    const t = breachInstant(m);
    if (t !== null && (next === null || t < next)) next = t;
  };
  for (const m of d.metrics) consider(m);
  if (d.triage) consider(d.triage);
  return next;
}

/** The decision with instants as ISO-8601 UTC strings, for JSON output and host fields. */
export function decisionToJSON(d: Decision) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const metric = (m: MetricDecision) => ({ ...m, start: iso(m.start), due: iso(m.due), breachAt: iso(m.breachAt), stoppedAt: iso(m.stoppedAt) });
  return {
    ...d,
    now: iso(d.now),
    metrics: d.metrics.map(metric),
    triage: d.triage ? metric(d.triage) : null,
    maintenance: d.maintenance.map((m) => ({ ...m, until: iso(m.until), next: iso(m.next) })),
  };
}

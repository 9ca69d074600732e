import { netWorking, addPause, dueOf } from './clock';
import { classify } from './matrix';
import { CompiledPolicy, getCompiled, Policy } from './policy';
import type { OverrideEvent, Timeline, TimelineEvent } from './timeline';

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
  };
  tier: { id: string; label: string; tag: string; fallback: boolean };
  category: { id: string; label: string; sla: boolean };
  metrics: MetricDecision[];
  warnings: Warning[];
  maintenance: { label: string; active: boolean; until: number | null; next: number | null }[];
}

interface Walked {
  fields: Record<string, string | null>;
  override: OverrideEvent | null;
  /** [t, priority] whenever the effective priority changed, first entry at creation. */
  priorities: { t: number; id: string | null }[];
  statuses: { t: number; status: string | null }[];
  publicReplies: number[];
  solved: number[];
  reopened: number[];
  met: Map<string, number>;
}

/**
 * Evaluates a ticket's timeline under a policy at `now` (UTC ms or ISO). Pure: the same inputs
 * give the same decision on any machine, in any zone.
 */
export function evaluate(policy: Policy, timeline: Timeline, now: number | string): Decision {
  const cp = getCompiled(policy);
  const nowMs = typeof now === 'number' ? now : Date.parse(now);
  const created = Date.parse(timeline.createdAt);
  const w = walk(cp, timeline, created, nowMs);
  const warnings: Warning[] = [];

  const tier = tierOf(cp, w.fields.tier, warnings);
  const category = categoryOf(cp, w.fields.category, warnings);
  const prio = priorityOf(cp, w, warnings);
  entitlements(cp, timeline, tier.id, created, warnings);
  if (!category.sla) warnings.push({ code: 'no-sla', message: `${category.label}: no SLA applies` });

  const metrics = cp.metricIds.map((m) => metricDecision(cp, w, m, tier.id, category.id, created, nowMs));
  return {
    ticketId: timeline.id,
    now: nowMs,
    priority: prio,
    tier,
    category,
    metrics,
    warnings,
    maintenance: maintenance(cp, nowMs),
  };
}

function walk(cp: CompiledPolicy, tl: Timeline, created: number, now: number): Walked {
  const events = sortedEvents(tl.events, now);
  const fields: Record<string, string | null> = { ...tl.fields } as Record<string, string | null>;
  const solvedStatuses = cp.policy.clock.solvedStatuses;
  const w: Walked = {
    fields,
    override: null,
    priorities: [],
    statuses: [{ t: created, status: fields.status ?? null }],
    publicReplies: [],
    solved: [],
    reopened: [],
    met: new Map(),
  };
  const notePriority = (t: number) => {
    const id = w.override?.to ?? classify(cp.policy, fields).priority;
    const last = w.priorities[w.priorities.length - 1];
    if (!last || last.id !== id) w.priorities.push({ t, id });
  };
  notePriority(created);
  for (const { t, e } of events) {
    switch (e.type) {
      case 'field': {
        const before = fields[e.field] ?? null;
        fields[e.field] = e.value;
        if (e.field === 'status') {
          w.statuses.push({ t, status: e.value });
          const wasSolved = before !== null && solvedStatuses.includes(before);
          const isSolved = e.value !== null && solvedStatuses.includes(e.value);
          if (isSolved && !wasSolved) w.solved.push(t);
          if (wasSolved && !isSolved) w.reopened.push(t);
        }
        break;
      }
      case 'reply':
        if (e.public && e.author === 'agent') w.publicReplies.push(t);
        break;
      case 'solved':
        w.solved.push(t);
        break;
      case 'reopened':
        w.reopened.push(t);
        break;
      case 'override':
        w.override = e;
        break;
      case 'met':
        if (!w.met.has(e.metric)) w.met.set(e.metric, t);
        break;
    }
    notePriority(t);
  }
  return w;
}

function sortedEvents(events: readonly TimelineEvent[], now: number): { t: number; e: TimelineEvent }[] {
  const out: { t: number; e: TimelineEvent }[] = [];
  for (const e of events) {
    const t = Date.parse(e.at);
    if (t <= now) out.push({ t, e });
  }
  // Stable: events at the same instant keep the host's order.
  out.sort((a, b) => a.t - b.t);
  return out;
}

function tierOf(cp: CompiledPolicy, value: string | null | undefined, warnings: Warning[]): Decision['tier'] {
  const tiers = cp.policy.tiers;
  let id = value ?? cp.defaultTier;
  let fallback = false;
  if (!tiers[id]) {
    warnings.push({ code: 'unknown-tier', message: `Unknown tier "${id}": using the default tier "${tiers[cp.defaultTier].label}"` });
    id = cp.defaultTier;
    fallback = true;
  }
  return { id, label: tiers[id].label, tag: `sla_tier_${id.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`, fallback };
}

function categoryOf(cp: CompiledPolicy, value: string | null | undefined, warnings: Warning[]): Decision['category'] {
  const cats = cp.policy.categories;
  let id = value ?? cp.defaultCategory;
  if (!cats[id]) {
    warnings.push({ code: 'unknown-category', message: `Unknown category "${id}": using "${cats[cp.defaultCategory].label}"` });
    id = cp.defaultCategory;
  }
  return { id, label: cats[id].label, sla: cats[id].sla };
}

function priorityOf(cp: CompiledPolicy, w: Walked, warnings: Warning[]): Decision['priority'] {
  const p = cp.policy;
  const c = classify(p, w.fields);
  const o = w.override && p.priorities[w.override.to] ? w.override : null;
  if (w.override && !o) warnings.push({ code: 'unknown-priority', message: `Override to unknown priority "${w.override.to}" is ignored` });
  if (!o && c.missing.length) warnings.push({ code: 'missing-fields', message: c.reason });
  const id = o ? o.to : c.priority;
  const def = id ? p.priorities[id] : undefined;
  return {
    id,
    label: def?.label ?? null,
    reason: o ? `Override by ${o.by}: ${o.from ?? '—'} → ${o.to} (${o.reason})` : c.reason,
    source: o ? 'override' : id ? p.classification.method : 'none',
    override: o,
    zendesk: def?.zendesk ?? null,
    jira: def?.jira ?? null,
  };
}

function entitlements(cp: CompiledPolicy, tl: Timeline, tier: string, created: number, warnings: Warning[]): void {
  const ent = cp.policy.tiers[tier].entitlements;
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

function priorityAt(w: Walked, t: number): string | null {
  let id: string | null = null;
  for (const p of w.priorities) {
    if (p.t > t) break;
    id = p.id;
  }
  return id;
}

function metricDecision(cp: CompiledPolicy, w: Walked, metricId: string, tier: string, category: string, created: number, now: number): MetricDecision {
  const policy = cp.policy;
  const metric = policy.metrics[metricId];
  const restartOnReopen = policy.clock.reopen === 'restart';
  const lastReopen = w.reopened.length ? w.reopened[w.reopened.length - 1] : null;
  let cycleStart = created;
  if (metric.stopsAt === 'solved' && restartOnReopen && lastReopen !== null) cycleStart = lastReopen;

  // Solving stops every clock: a solved ticket owes no first reply.
  const finalSolved = w.solved.length && (lastReopen === null || w.solved[w.solved.length - 1] > lastReopen) ? w.solved[w.solved.length - 1] : null;
  let stop: number | null;
  if (metric.stopsAt === 'first_public_reply') stop = firstAtOrAfter(w.publicReplies, cycleStart) ?? firstAtOrAfter(w.solved, cycleStart);
  else if (metric.stopsAt === 'met_event') stop = w.met.get(metricId) ?? firstAtOrAfter(w.solved, cycleStart);
  else stop = finalSolved !== null && finalSolved >= cycleStart ? finalSolved : null;

  const end = stop ?? Math.max(now, cycleStart);
  const priority = priorityAt(w, end);
  const base: MetricDecision = {
    metric: metricId,
    label: metric.label,
    state: 'not_applicable',
    target: null,
    calendar: null,
    start: null,
    due: null,
    breachAt: null,
    stoppedAt: stop,
    elapsedWorkingMs: 0,
    remainingWorkingMs: 0,
    elapsedWallMs: 0,
    remainingWallMs: 0,
    used: 0,
  };
  if (!priority) return { ...base, note: 'no priority yet' };
  const target = cp.target(tier, priority, metricId, category);
  if (!target) return { ...base, note: 'no target for this tier, priority and category' };

  let start = cycleStart;
  if (policy.clock.priorityChange === 'restart') {
    for (let i = 1; i < w.priorities.length; i++) {
      const p = w.priorities[i];
      if (p.t > end) break;
      if (p.t > start && w.priorities[i - 1].id !== null) start = p.t;
    }
  }

  const pauses = pausesFor(w, policy.metrics[metricId].pauseStatuses ?? policy.clock.pauseStatuses, start, end);
  if (metric.stopsAt === 'solved' && !restartOnReopen) {
    for (let i = 0; i < w.solved.length; i++) {
      const s = w.solved[i];
      const r = firstAtOrAfter(w.reopened, s);
      if (r !== null && r <= end && s >= start) addPause(pauses, s, r);
    }
  }
  const openPause = stop === null && isPausedAt(w, policy.metrics[metricId].pauseStatuses ?? policy.clock.pauseStatuses, end);

  const cal = target.calendar;
  const due = dueOf(target, start, pauses);
  const elapsed = netWorking(cal, pauses, start, end);
  const remaining = netWorking(cal, pauses, end, due);
  const total = elapsed + remaining;
  const used = total > 0 ? elapsed / total : end >= due ? 1 : 0;
  let pausedWall = 0;
  for (let i = 0; i < pauses.length; i += 2) pausedWall += Math.min(pauses[i + 1], end) - Math.max(pauses[i], start);

  let state: MetricState;
  if (stop !== null) state = stop <= due ? 'met' : 'breached';
  else if (now >= due) state = 'breached';
  else if (openPause) state = 'paused';
  else if (isAtRisk(cp, used, remaining)) state = 'at_risk';
  else state = 'running';

  return {
    ...base,
    state,
    target: target.text,
    calendar: cal.id,
    start,
    due,
    breachAt: state === 'breached' ? due : null,
    elapsedWorkingMs: elapsed,
    remainingWorkingMs: remaining,
    elapsedWallMs: end - start - pausedWall,
    remainingWallMs: due - end,
    used,
  };
}

function isAtRisk(cp: CompiledPolicy, used: number, remaining: number): boolean {
  if (cp.atRiskPercent !== null) return used * 100 >= cp.atRiskPercent;
  return cp.atRiskRemainingMs !== null && remaining <= cp.atRiskRemainingMs;
}

function pausesFor(w: Walked, statuses: readonly string[], start: number, end: number): number[] {
  const out: number[] = [];
  const s = w.statuses;
  for (let i = 0; i < s.length; i++) {
    if (s[i].status === null || !statuses.includes(s[i].status!)) continue;
    const from = Math.max(s[i].t, start);
    const to = Math.min(i + 1 < s.length ? s[i + 1].t : end, end);
    addPause(out, from, to);
  }
  return out;
}

function isPausedAt(w: Walked, statuses: readonly string[], t: number): boolean {
  let status: string | null = null;
  for (const s of w.statuses) if (s.t <= t) status = s.status;
  return status !== null && statuses.includes(status);
}

function maintenance(cp: CompiledPolicy, now: number): Decision['maintenance'] {
  return cp.policy.maintenance.map((m) => {
    const cal = cp.calendars.get(m.calendar)!;
    const iv = cal.intervalAt(now);
    return { label: m.label, active: iv !== null, until: iv ? iv.end : null, next: iv ? null : cal.nextOpen(now) };
  });
}

/** The decision with instants as ISO-8601 UTC strings, for JSON output and host fields. */
export function decisionToJSON(d: Decision) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    ...d,
    now: iso(d.now),
    metrics: d.metrics.map((m) => ({ ...m, start: iso(m.start), due: iso(m.due), breachAt: iso(m.breachAt), stoppedAt: iso(m.stoppedAt) })),
    maintenance: d.maintenance.map((m) => ({ ...m, until: iso(m.until), next: iso(m.next) })),
  };
}

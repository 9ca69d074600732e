import { evaluateWithTrace, groupNow, nextBreach, nextTransition, outcomesOf, savedDue, ticketLevel, worstState, TimelineSchema, type Decision, type Outcome, type Policy, type Timeline } from '@sla-desk/core';
import type { JiraIssue } from './jira/client';
import { COMPONENTS, timelineOfIssue, type FieldMap, type TimelineContext } from './jira/timeline';

/** Where the app's own Jira custom fields live (found by their module keys; see site.ts). */
export interface AppFields {
  /** metric id -> the id of its due-instant datetime field, e.g. customfield_10101 */
  due: Record<string, string>;
  state?: string;
  tier?: string;
  /** When the SLA state next changes by time alone: the transition finder queries it by JQL. */
  next?: string;
  /**
   * "SLA: group ownership due": the open ownership cycle's due, for whichever group_ownership Metric
   * has one (one group owns the issue at a time), since a policy names its own groups and a
   * manifest cannot declare a field per group.
   */
  ownership?: string;
  /** "SLA level": the escalation ladder's level (core's ticketLevel), a number field for JQL. */
  level?: string;
  /** "SLA next breach": core's nextBreach, a datetime field JQL orders the queue by. */
  nextBreach?: string;
}

/** The "SLA next breach" field's name (manifest.yml, module sla-next-breach), as JQL names it. */
export const NEXT_BREACH_FIELD = 'SLA next breach';

/**
 * The queue's JQL: issues with a clock running, the soonest breach first (a breached issue's is
 * in the past, so those lead). Optionally narrowed to projects. The admin page offers it to save
 * as a filter, and boards and JSM queues take the same query.
 */
export function queueJql(projects: readonly string[] = []): string {
  const field = `"${NEXT_BREACH_FIELD}"`;
  const inProjects = projects.length ? `project in (${projects.map((p) => `"${p.replace(/["\\]/g, '')}"`).join(', ')}) AND ` : '';
  return `${inProjects}${field} is not EMPTY AND statusCategory != Done ORDER BY ${field} ASC`;
}

export interface Plan {
  decision: Decision;
  timeline: Timeline;
  /** The Jira priority to set, when the matrix gives one the issue does not have yet. */
  priority: string | null;
  /** App field values that differ from the issue's: nothing to write when empty. */
  fieldValues: { fieldId: string; value: unknown }[];
  /** The priority the policy gives, left unwritten because the project's priority scheme lacks it. */
  outsideScheme?: { priority: string; scheme: string };
  /** Each Metric's cycles as the reports count them (core's outcomesOf), kept by outcome-store.ts. */
  outcomes: Outcome[];
}


/** What an issue event should write, computed from the issue alone. Pure. */
export function plan(policy: Policy, map: FieldMap, fields: AppFields, issue: JiraIssue, now: number, ctx: TimelineContext = {}): Plan {
  const timeline = TimelineSchema.parse(timelineOfIssue(policy, map, issue, ctx));
  // With the clocks, a recurring Metric gives an Outcome per cycle, not only the one it shows.
  const { decision, clocks } = evaluateWithTrace(policy, timeline, now);
  const current = issue.fields.priority?.name ?? null;
  // With no impact or urgency yet there is no priority: leave the issue's alone.
  const priority = policy.classification.method === 'matrix' && decision.priority.jira && decision.priority.jira !== current ? decision.priority.jira : null;
  const wanted: { fieldId: string; value: unknown }[] = [];
  for (const m of decision.metrics) {
    const id = Object.hasOwn(fields.due, m.metric) ? fields.due[m.metric] : undefined;
    const due = savedDue(m);
    if (id) wanted.push({ fieldId: id, value: due === null ? null : new Date(due).toISOString() });
  }
  // A due field of a Metric this policy does not have (another preset's, before a switch) holds a
  // promise nobody makes any more: emptied, so views and JQL never sort on it.
  for (const [metric, id] of Object.entries(fields.due)) if (!decision.metrics.some((m) => m.metric === metric)) wanted.push({ fieldId: id, value: null });
  if (fields.ownership) {
    let open: number | null = null;
    for (const m of decision.metrics) {
      if (!Object.hasOwn(policy.metrics, m.metric) || policy.metrics[m.metric].stopsAt !== 'group_ownership' || Object.hasOwn(fields.due, m.metric)) continue;
      const due = savedDue(m);
      if (due !== null && (open === null || due < open)) open = due;
    }
    wanted.push({ fieldId: fields.ownership, value: open === null ? null : new Date(open).toISOString() });
  }
  if (fields.state) wanted.push({ fieldId: fields.state, value: worstState(decision) });
  // The tier the SLA counts for, a rule's included. Never into the field the issue's own Tier is
  // read from (an admin who mapped the Tier onto the app's field): the next read would take a
  // rule's tier for the issue's own, and it would stick after the rule stops holding.
  if (fields.tier && fields.tier !== map.tier) wanted.push({ fieldId: fields.tier, value: decision.tier.label });
  // Empty (null) for a policy without a ladder, 0 before the first level: JQL "SLA level" >= 2.
  if (fields.level) wanted.push({ fieldId: fields.level, value: ticketLevel(policy, decision) });
  // The queue's order: empty while no clock runs (paused, met), so the filter leaves the issue out.
  if (fields.nextBreach) {
    const at = nextBreach(decision);
    wanted.push({ fieldId: fields.nextBreach, value: at === null ? null : new Date(at).toISOString() });
  }
  if (fields.next) {
    const next = nextTransition(policy, decision);
    wanted.push({ fieldId: fields.next, value: next ? new Date(next.at).toISOString() : null });
  }
  const fieldValues = wanted.filter((w) => !same(issue.fields[w.fieldId], w.value));
  return { decision, timeline, priority, fieldValues, outcomes: outcomesOf(decision, clocks, groupNow(timeline)) };
}

function same(have: unknown, want: unknown): boolean {
  if (have === undefined || have === null) return want === null;
  if (typeof have === 'string' && typeof want === 'string' && !Number.isNaN(Date.parse(have)) && !Number.isNaN(Date.parse(want))) return Date.parse(have) === Date.parse(want);
  return have === want;
}

/**
 * Only changes to these can change a decision: anything else (the app's own fields) is ignored.
 * `conditions`: the policy reads conditions, so labels count, and `conditionFields` (config's
 * conditionFieldIds: the named attributes' fields, the components, the request type field).
 */
export function relevantChange(map: FieldMap, items: { field?: string; fieldId?: string }[] | undefined, conditions = false, conditionFields: readonly string[] = []): boolean {
  if (!items || !items.length) return true;
  const extra = conditions ? ['labels', ...conditionFields, REQUEST_TYPE_ITEM] : [];
  // Components come as "Component" items (fieldId "components" in REST v3).
  const all = [map.group, ...extra].flatMap((id) => (id === COMPONENTS ? [COMPONENTS, 'Component'] : [id]));
  const watched = new Set(['status', 'priority', 'comment', map.impact, map.urgency, map.tier, map.organizations, ...all].filter(Boolean) as string[]);
  return items.some((it) => watched.has(it.fieldId ?? '') || watched.has(it.field ?? ''));
}

/** The changelog item's `field` (its name) for JSM's request type, in case an item comes without fieldId. */
const REQUEST_TYPE_ITEM = 'Customer Request Type';

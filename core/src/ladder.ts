import type { Decision, MetricDecision } from './evaluate';
import { getCompiled, tagPart, type Policy } from './policy';
import type { OverrideEvent } from './timeline';
import { hasNoteRef, hasRaiseRef, hasStepRef, stepSentence } from './notes';

/** One of the fixed, safe things a ladder level does (schema.ts lists them). */
export type LadderAction = { note: true } | { tag: string } | { notify: string } | { raisePriority: true } | { assignGroup: string };

/** A ladder level that a Metric's current cycle has reached: what the hosts run once for it. */
export interface LadderStep {
  metric: string;
  /** The Metric's label, for notes and notifications. */
  label: string;
  /** 1-based: the Metric's cycle (1 for a Metric that does not recur). */
  cycle: number;
  /** 1-based, in the ladder's order. */
  level: number;
  levelLabel: string;
  /** When the level was reached. */
  at: number;
  actions: readonly LadderAction[];
  /** Stable across retries and restarts: the hosts' proof that this step ran ("first_response:2:3"). */
  key: string;
}

/**
 * Every level reached in each Metric's current cycle, in ladder order. A host runs the actions of
 * the steps it has no proof of yet, and only those: a level is run once per cycle, however many
 * passes see it, and a new cycle starts at level 0 again.
 */
export function reachedSteps(policy: Policy, decision: Decision): LadderStep[] {
  const cp = getCompiled(policy);
  const out: LadderStep[] = [];
  for (const m of decision.metrics) {
    const index = cp.metricIds.indexOf(m.metric);
    const ladder = index < 0 ? null : cp.ladders[index];
    if (!ladder || !m.level) continue;
    const cycle = m.cycles?.number ?? 1;
    for (let i = 0; i < m.level.reached; i++) {
      out.push({ metric: m.metric, label: m.label, cycle, level: i + 1, levelLabel: ladder[i].label, at: m.level.at[i], actions: ladder[i].actions as LadderAction[], key: `${m.metric}:${cycle}:${i + 1}` });
    }
  }
  return out;
}

/**
 * The ticket's escalation level, for the host field that views and JQL select on ("level 2 or
 * above"): the highest level any Metric's current cycle has reached, 0 for none, and null when the
 * policy has no ladder at all (the field is then left empty).
 */
export function ticketLevel(policy: Policy, decision: Decision): number | null {
  if (!getCompiled(policy).ladders.some(Boolean)) return null;
  return decision.metrics.reduce((top, m) => Math.max(top, m.level?.reached ?? 0), 0);
}

/**
 * The tag that proves a Metric's levels up to `level` ran in cycle `cycle` (Zendesk keeps one per
 * Metric, the highest): the cycle is part of it, so a new cycle's levels run again even when no
 * pass saw the one before end.
 */
export function levelTag(metric: string, cycle: number, level: number): string {
  return `sla_ladder_${tagPart(metric)}_${cycle}_${level}`;
}

const LEVEL_TAG = /^sla_ladder_(.+)_(\d+)_(\d+)$/;
/** The Metric part, cycle and level of a level tag, or null for any other tag. */
export function parseLevelTag(tag: string): { metric: string; cycle: number; level: number } | null {
  const m = LEVEL_TAG.exec(tag);
  return m ? { metric: m[1], cycle: Number(m[2]), level: Number(m[3]) } : null;
}

/** Who the ladder's Overrides are by: evaluate derives them (raisePriority), the hosts only record them. */
export { RAISED_BY as LADDER_AUTHOR } from './reads';

/**
 * The Override a raisePriority step made (evaluate applies it at the level's instant), or null
 * when the Priority was already the top one. Its note (notes.ts raiseNote) is the host's record.
 */
export function raiseOf(decision: Decision, step: LadderStep): OverrideEvent | null {
  return decision.raises?.find((r) => r.key === step.key)?.override ?? null;
}

// The ladder's notes are written in notes.ts. These are the forms written before its reference
// lines (still on tickets): a host that proves a step by its note finds either.
const RAISE_PREFIX = 'SLA Desk: the Priority is raised ';
const stepPrefix = (step: LadderStep) => `SLA Desk: ${step.label} reached ${step.levelLabel} (level ${step.level})`;

/** Whether a comment is this step's note: its reference line, or the older English form. */
export function isStepNote(text: string, step: LadderStep): boolean {
  return hasNoteRef(text) ? hasStepRef(text, step) : text.startsWith(stepPrefix(step));
}

/** Whether a comment is the note of this step's raise. */
export function isRaiseNote(text: string, step: LadderStep): boolean {
  return hasNoteRef(text) ? hasRaiseRef(text, step) : (text.startsWith(RAISE_PREFIX) && text.includes(`(level ${step.level})`) && text.includes(step.label));
}

/**
 * The body a notify action posts: Slack-compatible (`text`), with the step's key and the ticket's
 * reference so a receiver can drop a repeat. Only ids and the policy's own words, never ticket content.
 */
export function notifyBody(policy: Policy, step: LadderStep, ticket: { host: 'zendesk' | 'jira'; id: string; url?: string }, m: MetricDecision | undefined): Record<string, unknown> {
  const where = ticket.url ? `<${ticket.url}|${ticket.host === 'jira' ? ticket.id : `#${ticket.id}`}>` : ticket.host === 'jira' ? ticket.id : `#${ticket.id}`;
  return {
    text: `${where}: ${stepSentence(policy, step, m)}`,
    sla_desk: { id: `${ticket.host}:${ticket.id}:${step.key}`, ticket: ticket.id, metric: step.metric, cycle: step.cycle, level: step.level, label: step.levelLabel },
  };
}

/** Whether the decision's Tier came from a rule rather than the ticket's own Tier field. */
export function tierFromRule(policy: Policy, decision: Decision): boolean {
  return decision.rule !== undefined && policy.rules[decision.rule.index]?.tier !== undefined;
}

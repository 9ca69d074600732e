import { evaluateWithTrace, groupNow, levelTag, notifyBody, parseLevelTag, parseOverrideNote, raiseNote, raiseOf, reachedSteps, stepNote, tagPart, TimelineSchema, transitionNote, type ClockTrace, type Decision, type LadderStep, type Policy, type TimelineInput } from '@sla-desk/core';
import { timelineFromAudits } from '../../src/zaf/audits';
import type { FieldIds } from '../../src/zaf/fields';
import { slaValues } from '../../src/sla/values';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ZendeskTicket } from './zendesk';

/** What the service writes to a ticket: only the values that differ from the ticket's. */
export interface TicketUpdate {
  priority?: string;
  /** Tag edits, not the whole list: update_many takes them as they are (the backfill); a single-ticket write turns them into the whole list (singleTicketUpdate). */
  additional_tags?: string[];
  remove_tags?: string[];
  custom_fields?: { id: number; value: string }[];
  comment?: { body: string; public: false };
  /** An escalation level's assignGroup. */
  group_id?: number;
}

/** A ladder level's notify action, sent after the write that proves the level (the outbox). */
export interface LadderNotice {
  key: string;
  url: string;
  body: Record<string, unknown>;
}

export interface TicketPlan {
  decision: Decision;
  /** The clocks behind the decision: every cycle of a recurring Metric, for its Outcomes. */
  clocks: ReadonlyMap<string, ClockTrace>;
  /** The ticket's group now, kept with its Outcomes. */
  group: string | null;
  update: TicketUpdate | null;
  /** The priority a non-lead changed by hand, set back while the priority is locked. */
  reverted?: { from: string; to: string; by: number };
  /** Transitions (tags added with a note) in this update. */
  transitions?: number;
  /** The notes of the transitions in this update (the notification's lines). */
  transitionNotes?: string[];
  /** The keys of the ladder steps this update runs (their proof tags are in it). */
  ran?: string[];
  /** Whether an escalation level raised the Priority in this update (the ladder's own Override). */
  raised?: boolean;
  /** The notify actions of every level the ticket has reached in its current cycles. */
  notices?: LadderNotice[];
}

/**
 * The same decision and the same field values the sidebar writes on save (due instants as ISO text,
 * the SLA state, the tier tag, the matrix's priority), computed from the ticket and its audits.
 * Pure: the caller reads and writes.
 */
export function planTicket(policy: Policy, fieldIds: FieldIds, ticket: ZendeskTicket, audits: readonly ZendeskAudit[], users: readonly ZendeskUser[], now: number, trusted: ReadonlySet<number> = new Set(), opts: { transitions?: boolean } = {}): TicketPlan {
  return planFromTimeline(policy, fieldIds, ticket, timelineOf(policy, fieldIds, ticket.id, audits, users, trusted), now, opts);
}

/** The ticket's host-neutral timeline (plain JSON, as the service keeps it in its store). */
export function timelineOf(policy: Policy, fieldIds: FieldIds, ticketId: number, audits: readonly ZendeskAudit[], users: readonly ZendeskUser[], trusted: ReadonlySet<number> = new Set(), attributes?: Record<string, string | null>): TimelineInput {
  return timelineFromAudits({ policy, fieldIds, ticketId, users, trusted, attributes }, audits) as TimelineInput;
}

/**
 * The plan from a timeline already read: what the service does at a transition's instant, from its
 * store, without a request to Zendesk. With transitions, it also keeps one tag per Metric that is at
 * risk or breached (sla_at_risk_<metric>, sla_breached_<metric>, for admins' views and triggers),
 * and each tag it adds comes with an internal note in the same write: the tag on the ticket is the
 * proof that the note was written, so a pass that runs again never writes it twice.
 */
/** `zone`: the assignee's, which the notes give their instants in where it is one (else the policy's). */
export function planFromTimeline(policy: Policy, fieldIds: FieldIds, ticket: ZendeskTicket, timeline: TimelineInput, now: number, opts: { transitions?: boolean; zone?: string | null } = {}): TicketPlan {
  const parsed = TimelineSchema.parse(timeline);
  const { decision, clocks } = evaluateWithTrace(policy, parsed, now);
  // The same values the sidebar writes on save; only those that differ are sent.
  const want = slaValues(policy, decision, fieldIds, ticket.tags);
  // An integer field (the SLA level) may come back as a number: values compare as text.
  const have = new Map(ticket.custom_fields.map((f) => [f.id, f.value == null ? '' : String(f.value)]));
  const custom = want.fields.filter((f) => (have.get(f.id) ?? '') !== f.value);
  const update: TicketUpdate = {};
  if (custom.length) update.custom_fields = custom;
  let wantTags = want.tags;
  const notes: string[] = [];
  const transitionNotes: string[] = [];
  let ladder: LadderRun | null = null;
  if (opts.transitions) {
    const states = transitionTags(policy, decision, opts.zone);
    wantTags = wantTags.filter((t) => !isTransitionTag(t) || states.has(t));
    for (const [tag, line] of states) {
      if (wantTags.includes(tag)) continue;
      wantTags.push(tag);
      if (!ticket.tags.includes(tag)) notes.push(line), transitionNotes.push(line);
    }
    ladder = ladderRun(policy, decision, ticket.tags, opts.zone);
    wantTags = wantTags.filter((t) => !parseLevelTag(t) || ladder!.proofs.includes(t));
    for (const t of [...ladder.proofs, ...ladder.tags]) if (!wantTags.includes(t)) wantTags.push(t);
    notes.push(...ladder.notes);
    if (ladder.group !== null) update.group_id = ladder.group;
  }
  const add = wantTags.filter((t) => !ticket.tags.includes(t));
  const remove = ticket.tags.filter((t) => !wantTags.includes(t));
  if (add.length) update.additional_tags = add;
  if (remove.length) update.remove_tags = remove;
  if (notes.length) update.comment = { public: false, body: notes.join('\n') };
  // The native priority follows the policy's: from the matrix, or from the SLA priority field.
  // A ladder's raise is an Override, which sets the native priority under every method.
  const raised = (ladder?.raised ?? false) && decision.priority.zendesk !== null;
  const priority = policy.classification.method === 'matrix' || fieldIds.priority !== undefined || raised ? decision.priority.zendesk : null;
  if (priority && priority !== ticket.priority) update.priority = priority;
  const out: TicketPlan = { decision, clocks, group: groupNow(parsed), update: Object.keys(update).length ? update : null, transitions: notes.length };
  if (transitionNotes.length) out.transitionNotes = transitionNotes;
  if (ladder) Object.assign(out, { ran: ladder.ran, raised, notices: ladder.notices });
  return out;
}

interface LadderRun {
  /** The proof tag of each Metric's highest level in its current cycle. */
  proofs: string[];
  /** Tags the levels run now add (their `tag` actions). */
  tags: string[];
  notes: string[];
  group: number | null;
  raised: boolean;
  ran: string[];
  notices: LadderNotice[];
}

/**
 * The escalation ladder on a ticket: the steps its tags do not prove yet run now, in one update
 * with their proof tags (sla_ladder_<metric>_<cycle>_<level>, one per Metric, the highest). A pass
 * that runs again, or after a crash, finds the proof and runs nothing twice. Pure.
 */
function ladderRun(policy: Policy, decision: Decision, tags: readonly string[], zone?: string | null): LadderRun {
  const steps = reachedSteps(policy, decision);
  const out: LadderRun = { proofs: [], tags: [], notes: [], group: null, raised: false, ran: [], notices: [] };
  if (!steps.length) return out;
  const proven = new Map<string, number>();
  for (const t of tags) {
    const p = parseLevelTag(t);
    if (p) proven.set(`${p.metric}:${p.cycle}`, Math.max(proven.get(`${p.metric}:${p.cycle}`) ?? 0, p.level));
  }
  const top = new Map<string, LadderStep>();
  for (const step of steps) {
    const m = decision.metrics.find((x) => x.metric === step.metric);
    top.set(step.metric, step);
    for (const a of step.actions) if ('notify' in a) out.notices.push({ key: step.key, url: a.notify, body: notifyBody(policy, step, { host: 'zendesk', id: decision.ticketId }, m) });
    if ((proven.get(`${tagPart(step.metric)}:${step.cycle}`) ?? 0) >= step.level) continue;
    out.ran.push(step.key);
    for (const a of step.actions) {
      if ('note' in a) out.notes.push(stepNote(policy, step, m, zone));
      else if ('tag' in a) out.tags.push(a.tag);
      else if ('assignGroup' in a && /^\d+$/.test(a.assignGroup)) out.group = Number(a.assignGroup);
      else if ('raisePriority' in a) {
        const o = raiseOf(decision, step);
        if (o) {
          out.notes.push(raiseNote(policy, step, o));
          out.raised = true;
        }
      }
    }
  }
  for (const step of top.values()) out.proofs.push(levelTag(step.metric, step.cycle, step.level));
  return out;
}

/**
 * The body of a single-ticket update (PUT /api/v2/tickets/{id}). Zendesk documents
 * additional_tags/remove_tags for Update Many Tickets only; on Update Ticket, `tags` replaces the
 * list. So the tag edits become the whole list, computed from the version the write's
 * updated_stamp names: with safe_update, a tag someone added since makes the write a 409, the pass
 * reads again, and their tag is kept. The tag and its note stay in one update, one audit.
 */
export function singleTicketUpdate(update: TicketUpdate, tagsRead: readonly string[]): Omit<TicketUpdate, 'additional_tags' | 'remove_tags'> & { tags?: string[] } {
  const { additional_tags: add, remove_tags: remove, ...rest } = update;
  if (!add && !remove) return rest;
  const tags = tagsRead.filter((t) => !(remove ?? []).includes(t));
  for (const t of add ?? []) if (!tags.includes(t)) tags.push(t);
  return { ...rest, tags };
}

const TRANSITION_TAG = /^sla_(at_risk|breached)_/;
export function isTransitionTag(tag: string): boolean {
  return TRANSITION_TAG.test(tag);
}

/** Tag -> note line, for each Metric now at risk or breached. The note names the Metric and its due instant, nothing of the ticket's content. */
export function transitionTags(policy: Policy, decision: Decision, zone?: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of decision.metrics) {
    if (m.state === 'at_risk' || m.state === 'breached') out.set(`sla_${m.state}_${m.metric}`, transitionNote(policy, m, m.state, zone));
  }
  return out;
}

/** The author of the last audit that changed the priority, if any, and that audit's place. */
export function lastPriorityChange(audits: readonly ZendeskAudit[]): { by: number; from: string | null; to: string | null; index: number } | null {
  for (let i = audits.length - 1; i >= 0; i--) {
    const e = audits[i].events.find((x) => x.type === 'Change' && (x as { field_name?: string }).field_name === 'priority') as { value: string | null; previous_value?: string | null } | undefined;
    if (e) return { by: audits[i].author_id, from: e.previous_value ?? null, to: e.value, index: i };
  }
  return null;
}

/**
 * The place of the last audit holding a lead's override note (a private note in the override's
 * form, by a trusted author in a trusted update, as the timeline reads it), or -1.
 */
export function lastOverrideIndex(audits: readonly ZendeskAudit[], trusted: ReadonlySet<number>): number {
  for (let i = audits.length - 1; i >= 0; i--) {
    const a = audits[i];
    for (const e of a.events) {
      if (e.type !== 'Comment') continue;
      const c = e as { public?: boolean; body?: unknown; author_id?: number };
      const author = typeof c.author_id === 'number' ? c.author_id : a.author_id;
      if (c.public === false && trusted.has(author) && trusted.has(a.author_id) && typeof c.body === 'string' && parseOverrideNote(c.body)) return i;
    }
  }
  return -1;
}

/** The place of the last audit that changed what the matrix reads (Impact, Urgency, the SLA priority field), or -1. */
export function lastMatrixInputChange(audits: readonly ZendeskAudit[], fieldIds: FieldIds): number {
  const inputs = new Set([fieldIds.impact, fieldIds.urgency, fieldIds.priority].filter((x): x is number => x !== undefined).map(String));
  for (let i = audits.length - 1; i >= 0; i--) {
    if (audits[i].events.some((x) => (x.type === 'Change' || x.type === 'Create') && inputs.has(String((x as { field_name?: string }).field_name)))) return i;
  }
  return -1;
}

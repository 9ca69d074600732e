import { kvs } from '@forge/kvs';
import { isRaiseNote, isStepNote, raiseNote, raiseOf, reachedSteps, stepNote, type Decision, type LadderAction, type LadderStep, type Policy } from '@sla-desk/core';
import { assigneeZone, JiraError, type JiraClient, type JiraIssue } from './jira/client';
import { adfText } from './jira/timeline';
import { priorityInScheme } from './issue';
import { isKeyNotFound } from './config';

/**
 * The escalation ladder's actions on Jira, run by the app's own passes (issue events, the finder's
 * queued transitions, the recalculation). Each action of each step (core's LadderStep: metric,
 * cycle, level) runs exactly once per cycle. The proof is kept per issue in @forge/kvs: an action
 * is marked pending before its side effect and done after it. A pass that finds an action pending
 * (its invocation failed midway and Forge retried the event) looks at the issue before doing it
 * again: the note or Override comment the app wrote since the mark, or the label.
 */

/**
 * What the admin page says about a policy's ladders on Jira: notify and assignGroup, which only
 * Zendesk runs. The Forge app makes no call outside Atlassian (no egress: it keeps the "Runs on
 * Atlassian" badge), so it cannot post to a URL. Saved all the same (a policy may serve both
 * hosts); on Jira those actions are passed over.
 */
export function ladderWarnings(policy: Policy): string[] {
  const out: string[] = [];
  for (const [metric, m] of Object.entries(policy.metrics)) {
    (m.ladder ?? []).forEach((level, i) => {
      for (const a of level.actions as LadderAction[]) {
        const where = `metrics.${metric}.ladder[${i}]`;
        if ('notify' in a) out.push(`${where}: notify runs on Zendesk only: SLA Desk for Jira makes no call outside Atlassian (Runs on Atlassian), so on Jira this notification is not sent`);
        if ('assignGroup' in a) out.push(`${where}: assignGroup runs on Zendesk only; on Jira it does nothing`);
      }
    });
  }
  return out;
}

/** The stored proof for one issue: action keys done, and those pending since an instant (ms). */
interface Proof {
  done: string[];
  pending: Record<string, number>;
}
export const ladderKey = (issueId: string) => `sla-desk-ladder-${issueId}`;
/** One action of a step: "first_response:2:3#1" is the second action of level 3 in cycle 2. */
export const actionKey = (step: LadderStep, index: number) => `${step.key}#${index}`;
/**
 * How much earlier than a pending mark Jira may stamp the comment the marked action wrote: Forge's
 * clock and Jira's are different machines. A note of the same level in another cycle is far older.
 */
const CLOCK_SLACK_MS = 60_000;

export interface LadderOutcome {
  /** Action keys run by this pass. */
  ran: string[];
}

/**
 * Runs the actions of every reached step the issue has no proof of yet, in ladder order. A raise is
 * in the decision already (core derives it at its level's instant): its action writes the note
 * that records it and sets Jira's priority.
 */
export async function runLadder(client: JiraClient, issue: JiraIssue, policy: Policy, decision: Decision, now: number, appAccountId: string | null): Promise<LadderOutcome> {
  const out: LadderOutcome = { ran: [] };
  const steps = reachedSteps(policy, decision);
  const key = ladderKey(issue.id);
  // A read that fails is no "nothing done yet": it fails the invocation, and Forge retries it.
  const stored = (await kvs.get(key).catch((e) => {
    if (isKeyNotFound(e)) return undefined;
    throw e;
  })) as Proof | undefined;
  const proof = pruned(stored && Array.isArray(stored.done) ? stored : { done: [], pending: {} }, decision);
  if (!steps.length) {
    if (stored && (proof.done.length !== stored.done.length || Object.keys(proof.pending).length !== Object.keys(stored.pending ?? {}).length)) await kvs.set(key, proof);
    return out;
  }
  const done = new Set(proof.done);
  const save = () => kvs.set(key, { done: [...done], pending: { ...proof.pending } } satisfies Proof);
  for (const step of steps) {
    for (let i = 0; i < step.actions.length; i++) {
      const k = actionKey(step, i);
      if (done.has(k)) continue;
      const action = step.actions[i];
      const since = proof.pending[k];
      // Pending: an invocation failed between its mark and its proof. Done already if the issue says so.
      const effect: Effect = since !== undefined ? happened(action, step, issue, appAccountId, since) : { state: 'no' };
      if (effect.state !== 'yes') {
        proof.pending[k] = since ?? now;
        await save();
        await perform(client, issue, policy, decision, step, action, now, effect.state === 'noted');
        out.ran.push(k);
      }
      done.add(k);
      delete proof.pending[k];
      await save();
    }
  }
  return out;
}

/** Keys of a Metric's earlier cycles can never be reached again: dropped, so storage stays small. */
function pruned(proof: Proof, decision: Decision): Proof {
  const cycle = new Map(decision.metrics.map((m) => [m.metric, m.cycles?.number ?? 1]));
  const keep = (k: string) => {
    const [metric, c] = k.split(':');
    const now = cycle.get(metric);
    return now === undefined || Number(c) >= now;
  };
  return { done: proof.done.filter(keep), pending: Object.fromEntries(Object.entries(proof.pending ?? {}).filter(([k]) => keep(k))) };
}


/** The app's own comments, edited by nobody else, created since a pending mark, as text. */
function ownCommentsSince(issue: JiraIssue, appAccountId: string | null, since: number): string[] {
  const own = (a: { accountId: string; accountType?: string } | undefined) => !!a && (appAccountId !== null ? a.accountId === appAccountId : a.accountType === 'app');
  return (issue.fields.comment?.comments ?? [])
    .filter((c) => own(c.author) && (!c.updateAuthor || c.updateAuthor.accountId === c.author!.accountId) && Date.parse(c.created) >= since - CLOCK_SLACK_MS)
    .map((c) => adfText(c.body));
}

/** Whether a pending action's effect is on the issue: for raisePriority, 'noted' when its note is there (Jira's priority may not be set yet). */
type Effect = { state: 'yes' | 'no' | 'noted' };

/**
 * Whether a pending action's effect is on the issue already (read after the failed invocation). A
 * raise's note found means only the priority may be left to set (setting it again is harmless).
 */
function happened(action: LadderAction, step: LadderStep, issue: JiraIssue, appAccountId: string | null, since: number): Effect {
  if ('tag' in action) return { state: Array.isArray(issue.fields.labels) && (issue.fields.labels as string[]).includes(action.tag) ? 'yes' : 'no' };
  const own = ownCommentsSince(issue, appAccountId, since);
  if ('note' in action) return { state: own.some((t) => isStepNote(t, step)) ? 'yes' : 'no' };
  if ('raisePriority' in action) return { state: own.some((t) => isRaiseNote(t, step)) ? 'noted' : 'no' };
  return { state: 'no' };
}

/** The step key on the app's comments, for audit and for other tools (Set comment property). */
const stepProperty = (step: LadderStep) => [{ key: 'sla-desk-step', value: { key: step.key } }];

/** One action's side effects. `noted`: a raise whose note a failed pass wrote already. */
async function perform(client: JiraClient, issue: JiraIssue, policy: Policy, decision: Decision, step: LadderStep, action: LadderAction, now: number, noted: boolean): Promise<void> {
  const m = decision.metrics.find((x) => x.metric === step.metric);
  if ('note' in action) {
    await client.addComment(issue, stepNote(policy, step, m, assigneeZone(issue)), true, stepProperty(step));
    return;
  }
  if ('tag' in action) {
    try {
      await client.addLabel(issue.key, action.tag);
    } catch (e) {
      // Labels off the edit screen, or a workflow that refuses edits: the same answer next time.
      if (!(e instanceof JiraError) || e.status !== 400) throw e;
      console.warn(JSON.stringify({ level: 'warn', msg: 'ladder tag refused by Jira', status: 400, step: step.key }));
    }
    return;
  }
  if ('raisePriority' in action) {
    // The raise itself is the decision's (core applies it at the level's instant); here it is recorded and Jira's priority follows.
    const o = raiseOf(decision, step);
    if (!o) return; // at the top already, or no Priority yet
    const jira = Object.hasOwn(policy.priorities, o.to) ? policy.priorities[o.to].jira : undefined;
    if (!noted) await client.addComment(issue, raiseNote(policy, step, o), true, stepProperty(step));
    if (!jira || issue.fields.priority?.name === jira) return;
    if (!(await priorityInScheme(client, issue, jira, now)).ok) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'ladder raisePriority: priority not in the project\'s scheme', priority: jira, step: step.key }));
      return;
    }
    await client.setPriority(issue.key, jira);
  }
  // notify and assignGroup: Zendesk only (ladderWarnings says so on the admin page).
}


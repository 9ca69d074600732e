import { fetch } from '@forge/api';
import { kvs } from '@forge/kvs';
import { LADDER_AUTHOR, ladderOverride, notifyBody, overrideNote, parseOverrideNote, reachedSteps, stepNote, type Decision, type LadderAction, type LadderStep, type Policy } from '@sla-desk/core';
import { JiraError, type JiraClient, type JiraIssue } from './jira/client';
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
 * The hosts a notify URL may name. Forge lets a function reach only the hosts its manifest lists
 * under permissions.external.fetch.backend (runtime egress permissions; matched on the host, and
 * `*.example.com` does not cover example.com), and a refused fetch answers 403 rather than
 * throwing. These are the Slack-compatible incoming webhooks: Slack's, Microsoft Teams' (Office 365
 * connectors, and Power Automate workflows, which replace them). manifest.yml lists the same hosts;
 * a test keeps the two equal. Adding one is a manifest change, and admins consent to it again.
 */
export const NOTIFY_HOSTS = ['hooks.slack.com', '*.webhook.office.com', '*.logic.azure.com'] as const;

/** Is the URL one the app may post to: https, on a host of NOTIFY_HOSTS? */
export function notifyAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return NOTIFY_HOSTS.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) && host.length > h.length - 1 : host === h));
}

/**
 * What the admin page says about a policy's ladders on Jira: a notify URL the app cannot reach, and
 * assignGroup, which only Zendesk runs. Saved all the same (a policy may serve both hosts); the
 * action is then skipped on Jira, and the skip is logged.
 */
export function ladderWarnings(policy: Policy): string[] {
  const out: string[] = [];
  for (const [metric, m] of Object.entries(policy.metrics)) {
    (m.ladder ?? []).forEach((level, i) => {
      for (const a of level.actions as LadderAction[]) {
        const where = `metrics.${metric}.ladder[${i}]`;
        if ('notify' in a && !notifyAllowed(a.notify)) out.push(`${where}: notify ${hostOf(a.notify)} is not a host SLA Desk for Jira may post to (${NOTIFY_HOSTS.join(', ')}); on Jira this notification is skipped`);
        if ('assignGroup' in a) out.push(`${where}: assignGroup runs on Zendesk only; on Jira it does nothing`);
      }
    });
  }
  return out;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return 'an invalid URL';
  }
};

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
  /** The Priority was raised: the decision is stale, so the caller evaluates the issue again. */
  raised: boolean;
  /** A notification could not be delivered now (429, 5xx, network): a later pass tries again. */
  retry: boolean;
}

/** How a notify is posted: Forge's fetch (egress), or a test's. Resolves with the HTTP status. */
export type Post = (url: string, body: unknown) => Promise<number>;
export const forgePost: Post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).status;

/**
 * Runs the actions of every reached step the issue has no proof of yet, in ladder order. Stops after
 * a raised Priority: the rest of the ladder is decided again on the new evaluation.
 */
export async function runLadder(client: JiraClient, issue: JiraIssue, policy: Policy, decision: Decision, now: number, appAccountId: string | null, post: Post = forgePost): Promise<LadderOutcome> {
  const out: LadderOutcome = { ran: [], raised: false, retry: false };
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
        const r = await perform(client, issue, policy, decision, step, action, now, post, effect.state === 'override' ? effect.to : null);
        if (r === 'retry') {
          out.retry = true;
          continue;
        }
        if (r === 'raised') out.raised = true;
        out.ran.push(k);
      }
      done.add(k);
      delete proof.pending[k];
      await save();
      if (out.raised) return out;
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

/** The words every note of this step begins with (core's stepNote, before the due). */
const notePrefix = (step: LadderStep) => `SLA Desk: ${step.label} reached ${step.levelLabel} (level ${step.level})`;
const overrideReason = (step: LadderStep) => `escalation ladder: ${step.label} reached ${step.levelLabel} (level ${step.level})`;

/** The app's own comments, edited by nobody else, created since a pending mark, as text. */
function ownCommentsSince(issue: JiraIssue, appAccountId: string | null, since: number): string[] {
  const own = (a: { accountId: string; accountType?: string } | undefined) => !!a && (appAccountId !== null ? a.accountId === appAccountId : a.accountType === 'app');
  return (issue.fields.comment?.comments ?? [])
    .filter((c) => own(c.author) && (!c.updateAuthor || c.updateAuthor.accountId === c.author!.accountId) && Date.parse(c.created) >= since - CLOCK_SLACK_MS)
    .map((c) => adfText(c.body));
}

/** Whether a pending action's effect is on the issue: for raisePriority, the Override it wrote. */
type Effect = { state: 'yes' | 'no' } | { state: 'override'; to: string };

/**
 * Whether a pending action's effect is on the issue already (read after the failed invocation). An
 * Override found means only its note is written: Jira's priority may not be set yet, and the
 * Priority it raised to is the note's (the issue's decision includes it now, so raising from that
 * would raise twice). A notification cannot be looked up: it is sent again, with the same id in its
 * body for the receiver to drop.
 */
function happened(action: LadderAction, step: LadderStep, issue: JiraIssue, appAccountId: string | null, since: number): Effect {
  if ('tag' in action) return { state: Array.isArray(issue.fields.labels) && (issue.fields.labels as string[]).includes(action.tag) ? 'yes' : 'no' };
  const own = ownCommentsSince(issue, appAccountId, since);
  if ('note' in action) return { state: own.some((t) => t.startsWith(notePrefix(step))) ? 'yes' : 'no' };
  if ('raisePriority' in action) {
    const o = own.map((t) => parseOverrideNote(t)).find((x) => x?.by === LADDER_AUTHOR && x.reason === overrideReason(step));
    return o ? { state: 'override', to: o.to } : { state: 'no' };
  }
  return { state: 'no' };
}

/** The step key on the app's comments, for audit and for other tools (Set comment property). */
const stepProperty = (step: LadderStep) => [{ key: 'sla-desk-step', value: { key: step.key } }];

/** One action's side effects. `overrideTo`: a raisePriority whose Override a failed pass wrote already. */
async function perform(client: JiraClient, issue: JiraIssue, policy: Policy, decision: Decision, step: LadderStep, action: LadderAction, now: number, post: Post, overrideTo: string | null): Promise<'ok' | 'raised' | 'retry'> {
  const m = decision.metrics.find((x) => x.metric === step.metric);
  if ('note' in action) {
    await client.addComment(issue, stepNote(step, m), true, stepProperty(step));
    return 'ok';
  }
  if ('tag' in action) {
    try {
      await client.addLabel(issue.key, action.tag);
    } catch (e) {
      // Labels off the edit screen, or a workflow that refuses edits: the same answer next time.
      if (!(e instanceof JiraError) || e.status !== 400) throw e;
      console.warn(JSON.stringify({ level: 'warn', msg: 'ladder tag refused by Jira', status: 400, step: step.key }));
    }
    return 'ok';
  }
  if ('notify' in action) {
    if (!notifyAllowed(action.notify)) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'ladder notify skipped: host not allowed', host: hostOf(action.notify), step: step.key }));
      return 'ok';
    }
    const body = notifyBody(step, { host: 'jira', id: issue.key, url: browseUrl(issue) }, m);
    let status: number;
    try {
      status = await post(action.notify, body);
    } catch {
      status = 0; // network or timeout: perhaps not delivered
    }
    if (status >= 200 && status < 300) return 'ok';
    // Which host and status, never the body: no ticket content in logs.
    console.warn(JSON.stringify({ level: 'warn', msg: 'ladder notify not delivered', host: hostOf(action.notify), status, step: step.key }));
    // Rate limited, failing or unreachable: tried again later. Any other refusal (a deleted
    // webhook's 404, Forge's 403 for a host the manifest lacks) would answer the same again.
    return status === 0 || status === 429 || status >= 500 ? 'retry' : 'ok';
  }
  if ('raisePriority' in action) {
    const o = overrideTo === null ? ladderOverride(policy, decision, step, now) : null;
    const to = overrideTo ?? o?.to;
    if (!to) return 'ok'; // at the top already, or no Priority yet
    const jira = Object.hasOwn(policy.priorities, to) ? policy.priorities[to].jira : undefined;
    if (jira && !(await priorityInScheme(client, issue, jira, now)).ok) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'ladder raisePriority skipped: priority not in the project\'s scheme', priority: jira, step: step.key }));
      return 'ok';
    }
    // Written as a lead's Override is (the app's internal comment, which alone the timeline trusts),
    // by SLA Desk, with the level as its reason; then Jira's priority, as after a lead's.
    if (o) await client.addComment(issue, overrideNote(o, policy.locale), true, stepProperty(step));
    if (jira && issue.fields.priority?.name !== jira) await client.setPriority(issue.key, jira);
    return 'raised';
  }
  // assignGroup: Zendesk only (ladderWarnings says so on the admin page).
  return 'ok';
}

/** The issue's browse URL, from its REST `self` (https://site.atlassian.net/rest/api/3/issue/10001). */
function browseUrl(issue: JiraIssue): string | undefined {
  const self = (issue as { self?: unknown }).self;
  if (typeof self !== 'string') return undefined;
  try {
    return `${new URL(self).origin}/browse/${encodeURIComponent(issue.key)}`;
  } catch {
    return undefined;
  }
}

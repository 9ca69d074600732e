import { Queue, type AsyncEvent } from '@forge/events';
import { kvs } from '@forge/kvs';
import { readsConditions, transitionNote, type Policy } from '@sla-desk/core';
import { appFieldIds, conditionFieldIds, loadConfig, policyOf, type Config } from './config';
import { assigneeZone, JiraClient, type JiraIssue } from './jira/client';
import { relevantChange, type Plan } from './sla';
import { runLadder, type LadderOutcome } from './ladder';
import { applyPlan, planIssue } from './issue';
import { effectiveFields, policyCategories, siteFacts, type Site } from './site';
import { dropOutcomes, keepOutcomes } from './outcome-store';
import { ladderKey } from './ladder';

/** The part of a Jira issue event SLA Desk reads (created, updated and commented events). */
export interface IssueEvent {
  issue: { id: string; key: string };
  changelog?: { items?: { field?: string; fieldId?: string }[] };
}

export interface Outcome {
  skipped?: 'not-relevant' | 'invalid-policy';
  wrote: { priority: boolean; fields: number };
  notified?: boolean;
  /** The escalation ladder's actions this pass ran (their keys), when it ran any. */
  ladder?: { ran: string[] };
}

/** What settle needs to run the escalation ladder's actions. */
export interface LadderContext {
  policy: Policy;
  now: number;
  appAccountId: string | null;
}

/**
 * Reads an issue with every field an evaluation needs, the site's facts first (only the statuses
 * of the categories the policy tells apart, when the policy is given).
 */
export async function readIssue(client: JiraClient, config: Config, key: string, now: number, policy?: Policy): Promise<{ site: Site; issue: JiraIssue }> {
  const site = await siteFacts(client, now, false, policy ? policyCategories(policy) : null);
  return { site, issue: await client.getIssue(key, appFieldIds(config, site, policy)) };
}

/**
 * Writes what a plan says, and comments (internally) when the issue's SLA state turned at risk or
 * breached since it was last seen, once per state: the last state is kept in storage.
 */
export async function settle(client: JiraClient, issue: JiraIssue, p: Plan, ladder: LadderContext): Promise<{ wrote: Outcome['wrote']; notified: boolean; ladder?: LadderOutcome }> {
  const wrote = await applyPlan(client, issue, p);
  const key = stateKey(issue.id);
  const stored = await kvs.get(key).catch(() => undefined);
  // Per Metric: a second Metric's breach is news even when another one is breached already.
  const before = stored && typeof stored === 'object' ? (stored as Record<string, string>) : {};
  const after: Record<string, string> = {};
  let notified = false;
  for (const m of p.decision.metrics) {
    const state = m.state === 'breached' || m.state === 'at_risk' ? m.state : 'ok';
    after[m.metric] = state;
    if (state === 'ok' || before[m.metric] === state || m.due === null) continue;
    await client.addComment(issue, transitionNote(ladder.policy, m, state, assigneeZone(issue)), true);
    notified = true;
  }
  // After the comments: a retry may comment twice, but a transition is never lost.
  if (JSON.stringify(after) !== JSON.stringify(before)) await kvs.set(key, after);
  // The ladder's actions, each marked pending before and done after (ladder.ts): once per cycle.
  const ran = await runLadder(client, issue, ladder.policy, p.decision, ladder.now, ladder.appAccountId);
  // Last: the reports' record is rewritten whole from the issue, so a retry after a failure here
  // loses nothing, and nothing the issue shows waits on it.
  await keepOutcomes(issue, p.outcomes);
  return { wrote, notified, ladder: ran };
}

/**
 * Plans, writes and runs the ladder for one issue, the way every pass does (issue events, the
 * finder's transitions, the recalculation). A raise is in the plan's decision already (core
 * derives it), so one pass writes all that the issue should show.
 */
export async function settleIssue(client: JiraClient, config: Config, policy: Policy, issue: JiraIssue, site: Site, now: number): Promise<Outcome> {
  const r = await settle(client, issue, await planIssue(client, config, policy, issue, now, site), { policy, now, appAccountId: site.appAccountId });
  const out: Outcome = { wrote: r.wrote, notified: r.notified };
  if (r.ladder?.ran.length) out.ladder = { ran: r.ladder.ran };
  return out;
}

const stateKey = (issueId: string) => `sla-desk-state-${issueId}`;

/**
 * avi:jira:created:issue, avi:jira:updated:issue and avi:jira:commented:issue (a reply stops the
 * first-response clock at once). Loops are guarded three ways: the manifest's ignoreSelf drops
 * events the app caused, a changelog that touches nothing SLA Desk reads is ignored, and nothing is
 * written when nothing changed.
 */
export async function onIssueEvent(event: IssueEvent, client = new JiraClient('app'), now = Date.now()): Promise<Outcome> {
  const config = await loadConfig();
  const { policy, problems } = policyOf(config);
  if (!policy) {
    // Logged without ticket content: which issue, and how many problems the policy has.
    console.error(JSON.stringify({ level: 'error', msg: 'invalid SLA policy', issueId: event.issue.id, problems: problems.length }));
    return { skipped: 'invalid-policy', wrote: { priority: false, fields: 0 } };
  }
  const conditions = readsConditions(policy);
  // The fields rules read include JSM's request type, whose id is one of the site's facts.
  const conditionFields = conditions && event.changelog?.items?.length ? conditionFieldIds(policy, await siteFacts(client, now, false, policyCategories(policy))) : [];
  if (!relevantChange(config.map, event.changelog?.items, conditions, conditionFields)) return { skipped: 'not-relevant', wrote: { priority: false, fields: 0 } };
  return refreshIssue(client, config, policy, event.issue.key, now);
}

/**
 * avi:jira:deleted:issue: what the app kept of the issue goes with it: its outcomes (so the reports
 * no longer count it) and its per-issue state (the last noted SLA state, the queued transition,
 * the ladder's steps). Nothing is read from Jira, which no longer has the issue.
 */
export async function onIssueDeleted(event: { issue?: { id?: string | number } }): Promise<{ dropped: boolean }> {
  const id = event.issue?.id;
  if (id === undefined || id === null || id === '') return { dropped: false };
  const issueId = String(id);
  await dropOutcomes(issueId);
  for (const key of [stateKey(issueId), queuedKey(issueId), ladderKey(issueId)]) await kvs.delete(key);
  return { dropped: true };
}

export const TRANSITION_QUEUE = 'sla-desk-transitions';
/** How far ahead the finder looks: one run's interval and one more, so nothing falls between runs. */
export const LOOKAHEAD_MINUTES = 10;
/** Forge delays a queued event by at most 900 s. */
const MAX_DELAY_S = 900;
const queuedKey = (issueId: string) => `sla-desk-queued-${issueId}`;

export interface TransitionJob extends Record<string, unknown> {
  issueId: string;
  key: string;
  /** The instant the transition is due (ms). */
  at: number;
}

/**
 * The fiveMinute scheduled trigger. It does not walk open issues: it asks Jira, by JQL on the app's
 * own "next transition" field, which issues turn at risk or breached before the run after next, and
 * queues each to be evaluated at its instant (a delayed event). A transition so lands seconds after
 * its instant, whatever the site's size. Each issue is queued once per instant.
 */
export async function findTransitions(queue: Pick<Queue, 'push'> = new Queue({ key: TRANSITION_QUEUE }), client = new JiraClient('app'), now = Date.now(), budgetMs = 40_000): Promise<{ found: number; queued: number; complete: boolean }> {
  const started = Date.now();
  const config = await loadConfig();
  const policy = policyOf(config).policy;
  if (!policy) return { found: 0, queued: 0, complete: true };
  const categories = policyCategories(policy);
  let next = effectiveFields(await siteFacts(client, now, false, categories), config.fields).next;
  // An upgrade that added the field: look again now rather than in an hour.
  if (!next) next = effectiveFields(await siteFacts(client, now, true, categories), config.fields).next;
  const cf = next && /^customfield_(\d+)$/.exec(next)?.[1];
  if (!cf) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'no SLA next transition field on this site: transitions wait for issue events' }));
    return { found: 0, queued: 0, complete: true };
  }
  const jql = `statusCategory != Done AND cf[${cf}] <= "${LOOKAHEAD_MINUTES}m" ORDER BY cf[${cf}] ASC`;
  const out = { found: 0, queued: 0, complete: true };
  let token: string | undefined;
  do {
    if (Date.now() - started > budgetMs) return { ...out, complete: false }; // the next run goes on: the rest still match
    const page = await client.searchKeys(jql, [next!], token);
    const jobs: { body: TransitionJob; delayInSeconds: number }[] = [];
    for (const i of page.issues) {
      out.found++;
      const at = Date.parse(String(i.fields[next!]));
      if (Number.isNaN(at)) continue;
      const queued = await kvs.get(queuedKey(i.id)).catch(() => undefined);
      // Queued once per instant; one still here long after its instant was lost, so it goes again.
      if (queued === at && at >= now - LOOKAHEAD_MINUTES * 60_000) continue;
      jobs.push({ body: { issueId: i.id, key: i.key, at }, delayInSeconds: Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((at - now) / 1000))) });
    }
    // Forge takes at most 50 events per push.
    for (let k = 0; k < jobs.length; k += 50) {
      const batch = jobs.slice(k, k + 50);
      await queue.push(batch);
      for (const j of batch) await kvs.set(queuedKey(j.body.issueId), j.body.at);
      out.queued += batch.length;
    }
    token = page.nextPageToken;
  } while (token);
  return out;
}

/** The transition queue's consumer: one issue, evaluated at its instant, written and noted once. */
export async function onTransition(event: Pick<AsyncEvent<TransitionJob>, 'body'>, client = new JiraClient('app'), now = Date.now()): Promise<Outcome> {
  const config = await loadConfig();
  const { policy } = policyOf(config);
  if (!policy) return { skipped: 'invalid-policy', wrote: { priority: false, fields: 0 } };
  return refreshIssue(client, config, policy, event.body.key, now);
}

/**
 * Reads, evaluates, writes and notes one issue now: for an issue event, a due transition, and the
 * resolvers' own writes (which fire no trigger, so they refresh the SLA fields in the same pass).
 */
export async function refreshIssue(client: JiraClient, config: Config, policy: Policy, key: string, now: number): Promise<Outcome> {
  const { site, issue } = await readIssue(client, config, key, now, policy);
  return settleIssue(client, config, policy, issue, site, now);
}

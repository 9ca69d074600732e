import { kvs } from '@forge/kvs';
import { appFieldIds, loadConfig, policyOf } from './config';
import { worstState } from '@sla-desk/core';
import { JiraClient } from './jira/client';
import { relevantChange } from './sla';
import { applyPlan, planIssue } from './issue';

/** The part of a Jira issue event SLA Desk reads. */
export interface IssueEvent {
  issue: { id: string; key: string };
  changelog?: { items?: { field?: string; fieldId?: string }[] };
}

export interface Outcome {
  skipped?: 'not-relevant' | 'invalid-policy';
  wrote: { priority: boolean; fields: number };
}

/**
 * avi:jira:created:issue and avi:jira:updated:issue. Loops are guarded three ways: the manifest's
 * ignoreSelf drops events the app caused, a changelog that touches nothing SLA Desk reads is
 * ignored, and nothing is written when nothing changed. One read; at most one write for the app's
 * fields, plus one for the priority when the matrix changes it.
 */
export async function onIssueEvent(event: IssueEvent, client = new JiraClient('app'), now = Date.now()): Promise<Outcome> {
  const config = await loadConfig();
  const { policy, problems } = policyOf(config);
  if (!policy) {
    // Logged without ticket content: which issue, and what is wrong with the policy.
    console.error(JSON.stringify({ level: 'error', msg: 'invalid SLA policy', issueId: event.issue.id, problems: problems.length }));
    return { skipped: 'invalid-policy', wrote: { priority: false, fields: 0 } };
  }
  if (!relevantChange(config.map, event.changelog?.items)) return { skipped: 'not-relevant', wrote: { priority: false, fields: 0 } };
  const issue = await client.getIssue(event.issue.key, appFieldIds(config));
  const p = await planIssue(client, config, policy, issue, now);
  return { wrote: await applyPlan(client, issue, p) };
}

export const SWEEP_JQL = 'statusCategory != Done ORDER BY updated DESC';
const stateKey = (issueId: string) => `sla-desk-state-${issueId}`;

/**
 * The scheduled trigger: finds open issues whose SLA state changed since the last sweep, comments
 * (internally) when one turns at risk or breached, and refreshes the app's fields. It remembers
 * each issue's last state in storage, so a state change is reported once.
 */
export async function sweep(client = new JiraClient('app'), now = Date.now()): Promise<{ checked: number; notified: number; wrote: number }> {
  const config = await loadConfig();
  const { policy } = policyOf(config);
  const out = { checked: 0, notified: 0, wrote: 0 };
  if (!policy) return out;
  let token: string | undefined;
  do {
    const page = await client.searchIssues(SWEEP_JQL, appFieldIds(config), token);
    for (const issue of page.issues) {
      out.checked++;
      const p = await planIssue(client, config, policy, issue, now);
      const worst = worstState(p.decision);
      const state = worst === 'breached' || worst === 'at_risk' ? worst : 'ok';
      const last = await kvs.get(stateKey(issue.id)).catch(() => undefined);
      if (state !== last) {
        const metric = p.decision.metrics.find((m) => m.state === state);
        if (metric && metric.due !== null) {
          const words = state === 'breached' ? 'was breached at' : 'is at risk: due';
          await client.addComment(issue.key, `SLA Desk: ${metric.label} ${words} ${new Date(metric.due).toISOString()}.`, true);
          out.notified++;
        }
        await kvs.set(stateKey(issue.id), state);
      }
      if (p.fieldValues.length) {
        await client.setAppFieldValues(issue.id, p.fieldValues);
        out.wrote++;
      }
    }
    token = page.nextPageToken;
  } while (token);
  return out;
}

import { loadConfig, policyOf } from './config';
import { JiraClient } from './jira/client';
import { plan, relevantChange } from './sla';

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
  const appFieldIds = [...Object.values(config.fields.due), config.fields.state, config.fields.tier].filter((x): x is string => !!x);
  const watched = [config.map.impact, config.map.urgency, config.map.tier].filter((x): x is string => !!x);
  const issue = await client.getIssue(event.issue.key, [...watched, ...appFieldIds]);
  const p = plan(policy, config.map, config.fields, issue, now);
  if (p.priority) await client.setPriority(issue.key, p.priority);
  if (p.fieldValues.length) await client.setAppFieldValues(issue.id, p.fieldValues);
  return { wrote: { priority: p.priority !== null, fields: p.fieldValues.length } };
}

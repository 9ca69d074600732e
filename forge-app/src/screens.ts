import type { Policy } from '@sla-desk/core';
import type { Config } from './config';
import type { JiraIssue } from './jira/client';
import type { FieldMap } from './jira/timeline';

/** A field agents set and SLA Desk reads: its id on the site and the name the admin page gives it. */
export interface AgentField {
  id: string;
  name: 'Impact' | 'Urgency' | 'Tier';
}

/**
 * The mapped fields agents set: Impact and Urgency when the policy classifies by a matrix, and the
 * Tier field unless the tier is the organization's.
 */
export function agentFields(m: FieldMap, matrix: boolean): AgentField[] {
  const out: AgentField[] = [];
  if (matrix) {
    if (m.impact) out.push({ id: m.impact, name: 'Impact' });
    if (m.urgency) out.push({ id: m.urgency, name: 'Urgency' });
  }
  if (m.tierSource !== 'organization' && m.tier) out.push({ id: m.tier, name: 'Tier' });
  return out;
}

/** Those still empty on the issue: only for them does it matter whether an agent can set them. */
export function unsetAgentFields(config: Config, policy: Policy, issue: JiraIssue): AgentField[] {
  return agentFields(config.map, policy.classification.method === 'matrix').filter((f) => issue.fields[f.id] === undefined || issue.fields[f.id] === null);
}

/** The unset fields the issue's edit screen lacks, by name; none when Jira did not say (null). */
export function offScreen(unset: AgentField[], onScreen: Set<string> | null): AgentField['name'][] {
  return onScreen ? unset.filter((f) => !onScreen.has(f.id)).map((f) => f.name) : [];
}

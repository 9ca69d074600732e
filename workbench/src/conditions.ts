// What the ticket pages show of a policy's rules and ladders: the values its conditions name (the
// choices the forms offer for tags, attributes and the like), the rule that matched, and each
// Metric's escalation ladder with the levels reached. Everything is read from the policy and from
// the decision the workbench computes through each host's own adapter, never guessed.
import * as core from '@sla-desk/core';
import type { Decision, LadderAction, Policy } from '@sla-desk/core';

type Condition = NonNullable<Policy['rules']>[number]['when'];
type Attribute = NonNullable<Policy['attributes']>[string];
/** An attribute as one host maps it: the host's part of the policy's attribute, with the values its conditions name. */
export interface HostAttribute<H extends 'zendesk' | 'jira'> {
  name: string;
  label: string;
  map: NonNullable<Attribute[H]>;
  values: string[];
}

/** Every condition of the policy: its rules' `when`, the Metrics' pauseWhen and stopWhen, clock.pauseWhen. */
function conditions(policy: Policy): Condition[] {
  const out: (Condition | undefined)[] = [];
  for (const r of policy.rules ?? []) out.push(r.when);
  for (const m of Object.values(policy.metrics)) {
    for (const c of m.pauseWhen ?? []) out.push(c);
    if (m.stopWhen) out.push(m.stopWhen);
  }
  for (const c of policy.clock?.pauseWhen ?? []) out.push(c);
  return out.filter((c): c is Condition => !!c);
}

/** The values the policy's conditions name for a key (tag, organization, an attribute...), in order, once each. */
export function namedValues(policy: Policy, key: string): string[] {
  const seen = new Set<string>();
  for (const c of conditions(policy)) for (const v of ([] as unknown[]).concat((c as Record<string, unknown>)[key] ?? [])) seen.add(String(v));
  return [...seen];
}

/**
 * The policy's named attributes as one host maps them: { name, label, map, values }. `map` is the
 * host's part (Zendesk: ticketField, userField or organizationField; Jira: field, component or
 * requestType); an attribute the host does not map is left out.
 */
export function attributesFor<H extends 'zendesk' | 'jira'>(policy: Policy, host: H): HostAttribute<H>[] {
  return Object.entries(policy.attributes ?? {})
    .filter(([, a]) => a[host] && Object.keys(a[host]!).length)
    .map(([name, a]) => ({ name, label: a.label ?? name, map: a[host]!, values: namedValues(policy, name) }));
}

/**
 * The rule and the ladders of a decision, as the pages draw them: the rule that matched (its index
 * 1-based, its name, what it set), the ticket's level (core's ticketLevel: null when the policy has
 * no ladder) and, for each Metric with a ladder, its levels with their instants and which are
 * reached. A level ahead has the instant it comes at while the clock runs (the decision projects it).
 */
export function ladderView(policy: Policy, decision: Decision) {
  const rule = decision.rule ? policy.rules?.[decision.rule.index] : null;
  const ladders = [];
  for (const m of decision.metrics) {
    const ladder = policy.metrics[m.metric]?.ladder;
    const level = m.level;
    if (!ladder || !level) continue;
    ladders.push({
      metric: m.metric,
      label: m.label,
      state: m.state,
      cycle: m.cycles?.number ?? 1,
      reached: level.reached,
      of: level.of,
      levelLabel: level.label,
      next: iso(level.next),
      levels: ladder.map((l, i) => ({ level: i + 1, label: l.label, at: iso(level.at[i]), reached: i < level.reached, actions: (l.actions ?? []).map(actionText) })),
    });
  }
  return {
    rule: decision.rule ? { number: decision.rule.index + 1, name: decision.rule.name, tier: rule?.tier ?? null, targets: rule?.targets ? Object.keys(rule.targets) : [], calendar: rule?.calendar ?? null } : null,
    tier: { id: decision.tier.id, label: decision.tier.label, fromRule: core.tierFromRule(policy, decision) },
    priority: { id: decision.priority.id, label: decision.priority.label },
    level: core.ticketLevel(policy, decision),
    ladders,
  };
}

const iso = (t: number | null | undefined) => (t === null || t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString());

function actionText(a: LadderAction): string {
  if ('note' in a) return 'internal note';
  if ('tag' in a) return `tag ${a.tag}`;
  if ('notify' in a) return `notify ${a.notify}`;
  if ('raisePriority' in a) return 'raise the Priority one step';
  if ('assignGroup' in a) return `assign group ${a.assignGroup}`;
  return JSON.stringify(a);
}

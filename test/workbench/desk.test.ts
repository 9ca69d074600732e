import { evaluate, TimelineSchema, worstState } from '@sla-desk/core';
import { listPresets, loadPolicy } from '@sla-desk/core/dist/presets';
import { DESK_NOW as now, deskOf } from '../../workbench/src/desk';

/**
 * The workbench's sample desk: every preset and tier has a ticket in each state, and each ticket
 * really is in the state it claims at the desk's clock.
 */
const desks = Object.fromEntries(listPresets().map((p) => [p.id, deskOf(loadPolicy(p.id))]));

test.each(listPresets().map((p) => p.id))('%s: every tier has a running, at-risk, breached, paused (where a wait pauses every Metric) and met ticket, each in that state', (id) => {
  const policy = loadPolicy(id);
  const desk = desks[id];
  for (const tier of Object.keys(policy.tiers)) {
    const stories = desk.filter((t) => t.tier === tier).map((t) => t.story);
    // A Metric that never pauses (Zendesk's first reply, pauseStatuses: []) runs on while the
    // ticket waits: such a policy has no ticket whose worst state is paused.
    const pauses = Object.values(policy.metrics).every((m) => (m.pauseStatuses ?? policy.clock.pauseStatuses).length > 0);
    expect(stories).toEqual(expect.arrayContaining(['running', 'at_risk', 'breached', 'met', ...(pauses ? ['paused'] : [])]));
    if (policy.classification.method === 'matrix') expect(stories).toContain('triage');
  }
  for (const [i, t] of desk.entries()) {
    const d = evaluate(policy, TimelineSchema.parse({ id: String(i), createdAt: t.createdAt, fields: t.fields, events: t.events }), now);
    if (t.story === 'triage') expect(d.priority.id).toBeNull();
    else expect(worstState(d)).toBe(t.story);
  }
});

import fc from 'fast-check';
import { parsePolicy, reachedSteps } from '@sla-desk/core';
import type { FieldIds } from '../../zendesk-app/src/zaf/fields';
import { planFromTimeline } from '../../zendesk-app/service/src/plan';
import type { ZendeskTicket } from '../../zendesk-app/service/src/zendesk';

/**
 * Each ladder level runs exactly once per cycle, whatever the passes: passes at any instants, some
 * of whose writes are lost (a 409, a crash before the write), others that land and are followed by
 * a crash before the store records them (the ticket's tags are all the next pass knows). The steps
 * run are exactly those some landed pass saw reached, and none twice.
 */
const { policy, problems } = parsePolicy(`
sla: 1
id: ladder-property
name: Ladder property
classification: { method: requester }
priorities:
  P1: { label: P1, zendesk: urgent, jira: Highest }
metrics:
  first_response:
    label: First reply
    stopsAt: first_public_reply
    ladder:
      - { at: { percent: 50 }, actions: [{ tag: sla_watch }] }
      - { at: { remaining: 10m }, actions: [{ note: true }] }
      - { at: { afterBreach: 30m }, actions: [{ note: true }] }
  next_reply:
    label: Next reply
    stopsAt: next_public_reply
    ladder:
      - { at: { percent: 50 }, actions: [{ note: true }] }
      - { at: { breached: true }, actions: [{ note: true }] }
calendar: 24x7
tiers:
  std:
    label: Standard
    targets:
      P1: { first_response: 2h, next_reply: 1h }
defaultTier: std
`);
if (!policy) throw new Error(JSON.stringify(problems));
const fieldIds: FieldIds = { due: {}, source: 'settings', missing: [] };
const T0 = Date.parse('2026-03-02T10:00:00Z');
const min = 60_000;

const history = fc.array(fc.record({ at: fc.integer({ min: 1, max: 6 * 60 }), agent: fc.boolean() }), { maxLength: 12 });
const passes = fc.array(fc.record({ at: fc.integer({ min: 0, max: 8 * 60 * 60 }), lands: fc.boolean() }), { minLength: 1, maxLength: 40 });

test('every reached step runs once, across lost writes and crashes, in every cycle', () => {
  fc.assert(
    fc.property(history, passes, (msgs, runs) => {
      const timeline = {
        id: '1',
        createdAt: new Date(T0).toISOString(),
        fields: { priority: 'P1', status: 'open' },
        events: msgs.map((m) => ({ type: 'reply' as const, at: new Date(T0 + m.at * min).toISOString(), public: true, author: m.agent ? ('agent' as const) : ('requester' as const) })),
      };
      const ticket: ZendeskTicket = { id: 1, status: 'open', priority: 'urgent', tags: [], custom_fields: [], updated_at: timeline.createdAt };
      const ran: string[] = [];
      const seen = new Set<string>();
      for (const r of [...runs].sort((a, b) => a.at - b.at)) {
        const plan = planFromTimeline(policy, fieldIds, ticket, timeline, T0 + r.at * 1000, { transitions: true });
        if (!r.lands) continue;
        for (const s of reachedSteps(policy, plan.decision)) seen.add(s.key);
        if (!plan.update) continue;
        ran.push(...(plan.ran ?? []));
        const remove = plan.update.remove_tags ?? [];
        ticket.tags = [...ticket.tags.filter((t) => !remove.includes(t)), ...(plan.update.additional_tags ?? []).filter((t) => !ticket.tags.includes(t))];
      }
      expect(ran.length).toBe(new Set(ran).size);
      expect(new Set(ran)).toEqual(seen);
    }),
    { numRuns: 300 },
  );
});

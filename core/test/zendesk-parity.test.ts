import { evaluate } from '../src/evaluate';
import { errorsOf, iso, presetText, preset, T, timeline } from './helpers';

/**
 * The zendesk-parity preset against hand-checked cases, one urgent ticket in calendar hours (the
 * preset's 24x7), each metric on Zendesk's definition as the preset's comments quote it. Every
 * expected instant below was worked out by hand from the events, not by running the engine.
 *
 * The ticket: created 09:00 by email; agent public reply 09:40; requester 10:00 and 10:30; agent
 * 12:30; pending 13:00; on-hold 15:00; open 16:00; solved 17:00. Assigned to Support 09:10,
 * to Tier 2 at 10:00, back to Support 11:00.
 */
const policy = preset('zendesk-parity');
const at = (hhmm: string) => `2026-03-02T${hhmm}:00Z`;
const events = [
  { type: 'field', at: at('09:10'), field: 'group', value: 'Support' },
  { type: 'reply', at: at('09:40'), public: true, author: 'agent' },
  { type: 'reply', at: at('10:00'), public: true, author: 'requester' },
  { type: 'field', at: at('10:00'), field: 'group', value: 'Tier 2' },
  { type: 'reply', at: at('10:30'), public: true, author: 'requester' },
  { type: 'field', at: at('11:00'), field: 'group', value: 'Support' },
  { type: 'reply', at: at('12:30'), public: true, author: 'agent' },
  { type: 'field', at: at('13:00'), field: 'status', value: 'pending' },
  { type: 'field', at: at('15:00'), field: 'status', value: 'hold' },
  { type: 'field', at: at('16:00'), field: 'status', value: 'open' },
  { type: 'field', at: at('17:00'), field: 'status', value: 'solved' },
];
const ticket = (upTo: string) => timeline({ id: 'z', createdAt: at('09:00'), fields: { status: 'new', priority: 'urgent', tier: 'standard' }, events: events.filter((e) => e.at <= at(upTo)) as never });

test('the preset checks, with its assumptions said', () => {
  expect(errorsOf(presetText('zendesk-parity'))).toEqual([]);
  expect(policy.assumptions.map((a) => a.path)).toEqual(['tiers.standard.targets', 'metrics.support_owns', 'metrics.next_reply', 'triage']);
});

// [metric, evaluated at, state, start, due, stopped at, cycles]
const CASES: [string, string, string, string, string | null, string | null, object | undefined][] = [
  // First reply: 09:00 -> 09:40, against 1h: met; due 10:00.
  ['first_response', '18:00', 'met', '09:00', '10:00', '09:40', undefined],
  // Next reply: the oldest unanswered message is 10:00 (10:30 starts nothing); the 12:30 reply ends it: 2h30 > 2h.
  ['next_reply', '18:00', 'breached', '10:00', '12:00', '12:30', { number: 1, count: 1, met: 0, breached: 1, open: false }],
  // Periodic update, from the first reply: 09:40 -> 12:30 (2h50 of 4h) met, 12:30 -> solved 17:00 (4h30) breached at 16:30.
  ['periodic_update', '18:00', 'breached', '12:30', '16:30', '17:00', { number: 2, count: 2, met: 1, breached: 1, open: false }],
  // Pausable update: the last cycle skips pending 13:00-15:00 (on-hold counts): 16:30 + 2h = 18:30; solved 17:00, met.
  ['pausable_update', '18:00', 'met', '12:30', '18:30', '17:00', { number: 2, count: 2, met: 2, breached: 0, open: false }],
  // Requester wait: every status but pending (13:00-15:00): 09:00 + 8h + 2h = 19:00; solved 17:00, met.
  ['requester_wait', '18:00', 'met', '09:00', '19:00', '17:00', undefined],
  // Agent work: New and Open only (pending and on-hold 13:00-16:00 skipped): 09:00 + 6h + 3h = 18:00; met.
  ['agent_work', '18:00', 'met', '09:00', '18:00', '17:00', undefined],
  // Total resolution: every status, 1 day: due 09:00 the next day; solved 17:00, met.
  ['resolution', '18:00', 'met', '09:00', '2026-03-03T09:00', '17:00', undefined],
  // Group ownership (Support): 09:10 -> 10:00 (50 min of 2h) met, a handoff to Tier 2; 11:00 -> solved 17:00 breached at 13:00.
  ['support_owns', '18:00', 'breached', '11:00', '13:00', '17:00', { number: 2, count: 2, met: 1, breached: 1, open: false, handoffs: 1 }],
  // Mid-way, at 12:00: the Support cycle since 11:00 runs (1h of 2h: 50 % used, before the 75 % at-risk mark).
  ['support_owns', '12:00', 'running', '11:00', '13:00', null, { number: 2, count: 2, met: 1, breached: 0, open: true, handoffs: 1 }],
  // At 11:50 the next reply since 10:00 is at risk (1h50 of 2h, past 75 %).
  ['next_reply', '11:50', 'at_risk', '10:00', '12:00', null, { number: 1, count: 1, met: 0, breached: 0, open: true }],
];

test.each(CASES)('%s at %s: %s', (metric, now, state, start, due, stopped, cycles) => {
  const instant = (s: string) => T(s.includes('T') ? `${s}:00Z` : at(s));
  const m = evaluate(policy, ticket(now), instant(now)).metrics.find((x) => x.metric === metric)!;
  expect({ state: m.state, start: iso(m.start!), due: iso(m.due!), stoppedAt: m.stoppedAt === null ? null : iso(m.stoppedAt), cycles: m.cycles }).toEqual({
    state,
    start: iso(instant(start)),
    due: iso(instant(due!)),
    stoppedAt: stopped === null ? null : iso(instant(stopped)),
    cycles,
  });
});

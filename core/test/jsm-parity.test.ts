import { evaluate } from '../src/evaluate';
import { errorsOf, iso, preset, presetText, T, timeline } from './helpers';

/**
 * The jsm-parity preset against hand-checked cases: JSM's Time to first response and Time to
 * resolution on the "Sample 9-5 Calendar" (Monday to Friday 09:00-17:00, UTC here), goals chosen
 * by conditions top to bottom, paused while Waiting for customer, and the resolution's 4-level
 * ladder. Every expected instant was worked out by hand from the events.
 */
const policy = preset('jsm-parity');
const ticket = (created: string, priority: string, extra: { tags?: string[]; attributes?: Record<string, string>; events?: unknown[] } = {}) =>
  timeline({ id: 'j', createdAt: created, fields: { status: 'open', priority, tier: 'standard' }, tags: extra.tags ?? [], attributes: extra.attributes ?? {}, events: (extra.events ?? []) as never });
const metric = (d: ReturnType<typeof evaluate>, id: string) => d.metrics.find((m) => m.metric === id)!;
const MON_10 = '2026-03-02T10:00:00Z';

test('the preset checks, with its assumptions said', () => {
  expect(errorsOf(presetText('jsm-parity'))).toEqual([]);
  expect(policy.assumptions.map((a) => a.path)).toEqual(['tiers', 'calendars.nine_to_five', 'rules', 'triage']);
});

test('High, created Monday 10:00: first response due 14:00 (4h of 9-5), met by a reply at 11:00', () => {
  const d = evaluate(policy, ticket(MON_10, 'High', { events: [{ type: 'reply', at: '2026-03-02T11:00:00Z', public: true, author: 'agent' }] }), T('2026-03-02T12:00:00Z'));
  expect(metric(d, 'first_response')).toMatchObject({ state: 'met', due: T('2026-03-02T14:00:00Z'), stoppedAt: T('2026-03-02T11:00:00Z') });
});

test('High resolution, 8h of 9-5: Monday 10:00-17:00 is 7h, so due Tuesday 10:00; the ladder at 4h, 7h12m, the breach and an hour after', () => {
  const r = metric(evaluate(policy, ticket(MON_10, 'High'), T('2026-03-02T12:00:00Z')), 'resolution');
  expect(r.due).toBe(T('2026-03-03T10:00:00Z'));
  expect(r.level).toEqual({ reached: 0, of: 4, label: null, next: T('2026-03-02T14:00:00Z'), at: [T('2026-03-02T14:00:00Z'), T('2026-03-03T09:12:00Z'), T('2026-03-03T10:00:00Z'), T('2026-03-03T11:00:00Z')] });
  const later = metric(evaluate(policy, ticket(MON_10, 'High'), T('2026-03-03T09:30:00Z')), 'resolution');
  expect(later.level).toMatchObject({ reached: 2, label: 'Tell the team lead', next: T('2026-03-03T10:00:00Z') });
});

test('Waiting for customer from Monday 15:00 to Tuesday 09:30 pauses the resolution: 5h counted Monday, 3h from 09:30, due 12:30', () => {
  const events = [
    { type: 'field', at: '2026-03-02T15:00:00Z', field: 'status', value: 'pending' },
    { type: 'field', at: '2026-03-03T09:30:00Z', field: 'status', value: 'open' },
  ];
  expect(metric(evaluate(policy, ticket(MON_10, 'High', { events }), T('2026-03-03T10:00:00Z')), 'resolution').due).toBe(T('2026-03-03T12:30:00Z'));
});

test('goals by condition, top to bottom: a VIP tag takes the VIP goals; a Highest system problem counts 4h around the clock', () => {
  const vip = evaluate(policy, ticket(MON_10, 'High', { tags: ['vip'] }), T('2026-03-02T11:00:00Z'));
  expect(vip.rule).toEqual({ index: 0, name: 'VIP organizations' });
  expect(metric(vip, 'resolution').due).toBe(T('2026-03-02T14:00:00Z'));
  // Highest, created Monday 16:00: on 9-5, 1h Monday and 3h Tuesday (12:00); around the clock, 20:00 Monday.
  const outage = evaluate(policy, ticket('2026-03-02T16:00:00Z', 'Highest', { attributes: { request_type: 'Report a system problem' } }), T('2026-03-02T16:30:00Z'));
  expect(outage.rule?.index).toBe(1);
  expect(metric(outage, 'resolution').due).toBe(T('2026-03-02T20:00:00Z'));
  const plain = evaluate(policy, ticket('2026-03-02T16:00:00Z', 'Highest'), T('2026-03-02T16:30:00Z'));
  expect(metric(plain, 'resolution').due).toBe(T('2026-03-03T12:00:00Z'));
  // The first rule wins when both hold.
  expect(evaluate(policy, ticket('2026-03-02T16:00:00Z', 'Highest', { tags: ['vip'], attributes: { request_type: 'Report a system problem' } }), T('2026-03-02T16:30:00Z')).rule?.index).toBe(0);
  void iso;
});

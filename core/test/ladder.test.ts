import { evaluate } from '../src/evaluate';
import { isRaiseNote, isStepNote, levelTag, notifyBody, parseLevelTag, raiseOf, reachedSteps, ticketLevel, tierFromRule } from '../src/ladder';
import { parseOverrideNote } from '../src/override';
import { overrideNote, raiseNote, stepNote } from '../src/notes';
import { errorsOf, preset, presetText, T, timeline } from './helpers';

/** What both hosts run for a ladder: the steps reached in each Metric's current cycle, with stable keys. */
const jsm = preset('jsm-parity');
const MON_10 = '2026-03-02T10:00:00Z';
const ticket = (priority: string, extra: { tags?: string[]; events?: unknown[] } = {}) =>
  timeline({ id: 'j', createdAt: MON_10, fields: { status: 'open', priority, tier: 'standard' }, tags: extra.tags ?? [], events: (extra.events ?? []) as never });

test('no step before the first level; then one per level reached, in order, keyed by metric, cycle and level', () => {
  expect(reachedSteps(jsm, evaluate(jsm, ticket('High'), T('2026-03-02T13:59:59Z')))).toEqual([]);
  const d = evaluate(jsm, ticket('High'), T('2026-03-03T10:30:00Z'));
  const steps = reachedSteps(jsm, d);
  expect(steps.map((s) => [s.key, s.levelLabel, new Date(s.at).toISOString()])).toEqual([
    ['resolution:1:1', 'Tell the assignee', '2026-03-02T14:00:00.000Z'],
    ['resolution:1:2', 'Tell the team lead', '2026-03-03T09:12:00.000Z'],
    ['resolution:1:3', 'Breached', '2026-03-03T10:00:00.000Z'],
  ]);
  expect(steps[1].actions).toEqual([{ tag: 'sla_escalated' }]);
  expect(ticketLevel(jsm, d)).toBe(3);
});

test('the ticket level is 0 before any level and null for a policy without a ladder', () => {
  expect(ticketLevel(jsm, evaluate(jsm, ticket('High'), T('2026-03-02T11:00:00Z')))).toBe(0);
  const plain = preset('scalr');
  const d = evaluate(plain, timeline({ id: 'p', createdAt: MON_10, fields: {} }), T('2026-03-02T11:00:00Z'));
  expect(ticketLevel(plain, d)).toBeNull();
  expect(reachedSteps(plain, d)).toEqual([]);
});

test('a solved ticket keeps the levels its clock reached before it stopped, and reaches no more', () => {
  const solved = [{ type: 'field', at: '2026-03-02T15:00:00Z', field: 'status', value: 'solved' }];
  const d = evaluate(jsm, ticket('High', { events: solved }), T('2026-03-10T10:00:00Z'));
  expect(reachedSteps(jsm, d).map((s) => s.key)).toEqual(['resolution:1:1']);
});

test('raisePriority is the app\'s own Override, derived by evaluate at the level\'s instant: one step, once', () => {
  const d = evaluate(jsm, ticket('High'), T('2026-03-03T11:30:00Z'));
  expect(d.priority).toMatchObject({ id: 'Highest', source: 'override', override: { by: 'SLA Desk', from: 'High', to: 'Highest', at: '2026-03-03T11:00:00.000Z' } });
  expect(d.priority.override!.reason).toBe('escalation ladder: Time to resolution reached Tell the service owner (level 4)');
  // Highest's 4h of 9-5 from Monday 10:00 is Monday 14:00: the raise's own levels are all behind,
  // and the level that raised does not raise again.
  const r = d.metrics.find((m) => m.metric === 'resolution')!;
  expect(r.due).toBe(T('2026-03-02T14:00:00Z'));
  const step = reachedSteps(jsm, d).find((s) => s.level === 4)!;
  expect(raiseOf(d, step)).toEqual(d.priority.override);
  expect(d.raises).toHaveLength(1);
  // Before the level, nothing is raised; the note of the Override reads back as the same event.
  expect(evaluate(jsm, ticket('High'), T('2026-03-03T10:59:00Z')).priority).toMatchObject({ id: 'High', source: 'requester' });
  expect(parseOverrideNote(overrideNote(jsm, d.priority.override!))).toEqual(d.priority.override);
  // At the top there is nothing to raise: no Override.
  const top = evaluate(jsm, ticket('Highest'), T('2026-03-03T11:30:00Z'));
  expect(top.priority).toMatchObject({ id: 'Highest', source: 'requester' });
  expect(top.raises).toBeUndefined();
});

test('a lead\'s Override after the raise wins; one before it is raised from', () => {
  const lead = (at: string, to: string) => ({ type: 'override', at, by: 'Lead', from: 'High', to, reason: 'customer call', notify: false });
  const after = evaluate(jsm, ticket('High', { events: [lead('2026-03-03T11:10:00Z', 'Low')] }), T('2026-03-03T11:30:00Z'));
  expect(after.priority).toMatchObject({ id: 'Low', override: { by: 'Lead' } });
  const before = evaluate(jsm, ticket('High', { events: [lead('2026-03-02T10:05:00Z', 'Medium')] }), T('2026-03-06T12:00:00Z'));
  // Medium's 3d of 9-5 (24h) from Monday 10:00 is due Thursday 10:00, an hour later: raised to High.
  expect(before.priority).toMatchObject({ id: 'High', override: { by: 'SLA Desk', from: 'Medium', at: '2026-03-05T11:00:00.000Z' } });
});

test('level tags name the metric and level and read back; other tags are not level tags', () => {
  expect(levelTag('resolution', 3, 2)).toBe('sla_ladder_resolution_3_2');
  expect(parseLevelTag('sla_ladder_resolution_3_2')).toEqual({ metric: 'resolution', cycle: 3, level: 2 });
  expect(parseLevelTag('sla_breached_resolution')).toBeNull();
});

test('the note and the notify body carry ids and the policy\'s words only', () => {
  const d = evaluate(jsm, ticket('High'), T('2026-03-03T09:30:00Z'));
  const step = reachedSteps(jsm, d)[1];
  const m = d.metrics.find((x) => x.metric === 'resolution');
  const due = 'Tue 3 Mar, 10:00 UTC';
  expect(stepNote(jsm, step, m)).toBe(`SLA Desk: Time to resolution reached Tell the team lead (level 2), due ${due}.\n[sla-desk step resolution:1:2]`);
  expect(isStepNote(stepNote(jsm, step, m), step)).toBe(true);
  expect(isStepNote(stepNote(jsm, step, m), { ...step, key: 'resolution:2:2' })).toBe(false);
  expect(notifyBody(jsm, step, { host: 'zendesk', id: '42', url: 'https://acme.zendesk.com/agent/tickets/42' }, m)).toEqual({
    text: `<https://acme.zendesk.com/agent/tickets/42|#42>: Time to resolution reached Tell the team lead (level 2), due ${due}.`,
    sla_desk: { id: 'zendesk:42:resolution:1:2', ticket: '42', metric: 'resolution', cycle: 1, level: 2, label: 'Tell the team lead' },
  });
});

test('tierFromRule: only a matched rule that sets a tier', () => {
  expect(tierFromRule(jsm, evaluate(jsm, ticket('High', { tags: ['vip'] }), T('2026-03-02T11:00:00Z')))).toBe(true);
  expect(tierFromRule(jsm, evaluate(jsm, ticket('High'), T('2026-03-02T11:00:00Z')))).toBe(false);
});

test('sla check refuses raisePriority on a Metric that recurs, at the action\'s path', () => {
  const text = presetText('jsm-parity').replace('    stopsAt: solved\n    pauseStatuses: [pending]\n    ladder:', '    stopsAt: next_public_reply\n    ladder:');
  expect(errorsOf(text)).toEqual([expect.stringMatching(/^metrics\.resolution\.ladder\[3\]\.actions\[0\]: raisePriority is for a Metric that does not recur/)]);
});

test('ladder notes written before the reference line are still found, and only for their step', () => {
  const d = evaluate(jsm, ticket('High'), T('2026-03-03T09:30:00Z'));
  const step = reachedSteps(jsm, d)[1];
  expect(isStepNote('SLA Desk: Time to resolution reached Tell the team lead (level 2) (due 2026-03-03T10:00:00.000Z).', step)).toBe(true);
  expect(isStepNote('SLA Desk: Time to resolution reached Tell the team lead (level 3) (due 2026-03-03T10:00:00.000Z).', step)).toBe(false);
  expect(isRaiseNote('SLA Desk: the Priority is raised Medium → High (escalation ladder: Time to resolution reached Tell the team lead (level 2)).', step)).toBe(true);
  // The new note is found by its reference line, in either language.
  for (const locale of ['en', 'fr']) {
    const note = raiseNote({ ...jsm, locale }, step, { from: 'Medium', to: 'High' });
    expect(isRaiseNote(note, step)).toBe(true);
    expect(isStepNote(stepNote({ ...jsm, locale }, step, undefined), step)).toBe(true);
    expect(isRaiseNote(note, { ...step, key: 'resolution:1:3', level: 3 })).toBe(false);
  }
  expect(raiseNote(jsm, step, { from: 'Medium', to: 'High' })).toBe('SLA Desk raised the Priority from Medium to High: Time to resolution reached Tell the team lead (level 2).\n[sla-desk raise resolution:1:2]');
});

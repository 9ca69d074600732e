import fc from 'fast-check';
import { evaluate, type MetricDecision } from '../src/evaluate';
import { parsePolicy } from '../src/parse';
import { errorsOf, HOUR, iso, MIN, T, timeline } from './helpers';

/**
 * Recurring Metrics (issue 19): next reply (each requester message no public agent reply has
 * answered yet, until the next one), periodic update (the time between public agent replies while
 * the ticket is open) and its pausable variant. Hand-checked cases, then a minute-stepping
 * reference over random conversations.
 */
const POLICY = `
sla: 1
id: cycles
name: Cycles
classification: { method: severity }
priorities:
  P1: { label: P1, zendesk: urgent, jira: Highest }
  P2: { label: P2, zendesk: normal, jira: Medium }
metrics:
  first_response: { label: First reply, stopsAt: first_public_reply }
  next_reply: { label: Next reply, stopsAt: next_public_reply, pauseStatuses: [pending] }
  update: { label: Periodic update, stopsAt: periodic_update, pauseStatuses: [] }
  pausable: { label: Pausable update, stopsAt: periodic_update, pauseStatuses: [pending] }
  update_after: { label: Update after the first reply, stopsAt: periodic_update, startsAt: first_public_reply, pauseStatuses: [] }
  engineering: { label: Engineering owns it, stopsAt: group_ownership, group: Engineering, pauseStatuses: [] }
tiers:
  std:
    label: Standard
    targets:
      P1: { first_response: 1h, next_reply: 2h, update: 4h, pausable: 4h, update_after: 4h, engineering: 3h }
      P2: { first_response: 4h, next_reply: 8h, update: 1d, pausable: 1d, update_after: 1d, engineering: 1d }
`;
const policy = (() => {
  const { policy: p, problems } = parsePolicy(POLICY);
  if (!p) throw new Error(problems.map((x) => `${x.path}: ${x.message}`).join('\n'));
  return p;
})();

const C = T('2026-03-02T09:00:00Z');
const at = (min: number) => iso(C + min * MIN);
const requester = (min: number) => ({ type: 'reply' as const, at: at(min), public: true, author: 'requester' as const });
const agent = (min: number, isPublic = true) => ({ type: 'reply' as const, at: at(min), public: isPublic, author: 'agent' as const });
const status = (min: number, value: string) => ({ type: 'field' as const, at: at(min), field: 'status' as const, value });
const group = (min: number, value: string | null) => ({ type: 'field' as const, at: at(min), field: 'group' as const, value });
const ticket = (events: unknown[], priority = 'P1') => timeline({ id: 't', createdAt: iso(C), fields: { status: 'open', priority, tier: 'std' }, events: events as never });
const metric = (d: ReturnType<typeof evaluate>, id: string) => d.metrics.find((m) => m.metric === id)!;

describe('next reply', () => {
  test('the first message waits on the first reply; each later message starts a cycle until the next public agent reply', () => {
    // 09:00 created; 09:30 agent replies (first reply met); 10:00 and 10:20 the requester writes
    // twice; 11:30 the agent replies: one cycle from 10:00 (the oldest unanswered) to 11:30, met.
    const d = evaluate(policy, ticket([agent(30), requester(60), requester(80), agent(150)]), C + 200 * MIN);
    const m = metric(d, 'next_reply');
    expect({ state: m.state, start: m.start, stoppedAt: m.stoppedAt, due: m.due, cycles: m.cycles }).toEqual({
      state: 'met',
      start: C + 60 * MIN,
      stoppedAt: C + 150 * MIN,
      due: C + 180 * MIN,
      cycles: { number: 1, count: 1, met: 1, breached: 0, open: false },
    });
    expect(metric(d, 'first_response').state).toBe('met');
  });

  test('an open cycle shows its own countdown; an internal note answers nothing; "1 of 2 met"', () => {
    const events = [agent(10), requester(20), agent(200), requester(300), agent(320, false)];
    const d = evaluate(policy, ticket(events), C + 330 * MIN);
    const m = metric(d, 'next_reply');
    // The first cycle (20 -> 200) took 3 h against 2 h: breached. The second is open since 300.
    expect(m.state).toBe('running');
    expect(m.start).toBe(C + 300 * MIN);
    expect(m.due).toBe(C + 420 * MIN);
    expect(m.cycles).toEqual({ number: 2, count: 2, met: 0, breached: 1, open: true });
  });

  test('no message after the first reply: nothing waits', () => {
    const m = metric(evaluate(policy, ticket([requester(5), agent(30)]), C + 60 * MIN), 'next_reply');
    expect(m.state).toBe('not_applicable');
    expect(m.note).toBe('no requester message waits for a reply');
    expect(m.cycles).toBeUndefined();
  });

  test('solving answers the open cycle; the Target is the Priority the cycle ends under', () => {
    const d = evaluate(policy, ticket([agent(10), requester(20), { type: 'field', at: at(30), field: 'priority', value: 'P2' }, status(100, 'solved')]), C + 120 * MIN);
    const m = metric(d, 'next_reply');
    expect(m.state).toBe('met');
    expect(m.stoppedAt).toBe(C + 100 * MIN);
    expect(m.target).toBe('8h');
  });
});

describe('periodic update', () => {
  test('from creation, each public agent reply ends one cycle and starts the next', () => {
    // 4 h between updates: 0 -> 60 met, 60 -> 400 breached (340 min), 400 -> open.
    const d = evaluate(policy, ticket([agent(60), agent(400)]), C + 500 * MIN);
    const m = metric(d, 'update');
    expect(m.cycles).toEqual({ number: 3, count: 3, met: 1, breached: 1, open: true });
    expect(m.start).toBe(C + 400 * MIN);
    expect(m.due).toBe(C + 640 * MIN);
  });

  test('startsAt: first_public_reply drops the wait before the first reply', () => {
    const m = metric(evaluate(policy, ticket([agent(300), agent(400)]), C + 500 * MIN), 'update_after');
    expect(m.cycles).toEqual({ number: 2, count: 2, met: 1, breached: 0, open: true });
    expect(metric(evaluate(policy, ticket([]), C + 500 * MIN), 'update_after').note).toBe('no update is due');
  });

  test('the pausable variant stops counting while pending; the plain one does not', () => {
    const d = evaluate(policy, ticket([agent(10), status(20, 'pending'), status(200, 'open')]), C + 300 * MIN);
    expect(metric(d, 'update').state).toBe('breached'); // 290 min since 10 against 240
    const p = metric(d, 'pausable');
    expect(p.state).toBe('running');
    expect(p.due).toBe(C + (10 + 240 + 180) * MIN);
  });

  test('a solved ticket owes no update until it reopens; the reopening starts a cycle', () => {
    const d = evaluate(policy, ticket([agent(10), status(50, 'solved'), status(600, 'open')]), C + 610 * MIN);
    const m = metric(d, 'update');
    expect(m.cycles).toEqual({ number: 3, count: 3, met: 2, breached: 0, open: true });
    expect(m.start).toBe(C + 600 * MIN);
  });
});

describe('group ownership', () => {
  test('from assignment to the group until reassignment or solve; a reopening with the group starts a new cycle; handoffs counted', () => {
    // Engineering 30 -> 100 (met, 70 min of 3 h), Support 100 -> 200, Engineering 200 -> solved
    // 300 (met), reopened 400 with Engineering still on it: open since 400.
    const events = [group(30, 'engineering'), group(100, 'Support'), group(200, 'Engineering'), status(300, 'solved'), status(400, 'open')];
    const m = metric(evaluate(policy, ticket(events), C + 450 * MIN), 'engineering');
    expect(m.cycles).toEqual({ number: 3, count: 3, met: 2, breached: 0, open: true, handoffs: 1 });
    expect(m.start).toBe(C + 400 * MIN);
    expect(m.due).toBe(C + 580 * MIN);
  });

  test('a ticket created in the group owns from creation; one never in it owes nothing', () => {
    const t = timeline({ id: 't', createdAt: iso(C), fields: { status: 'open', priority: 'P1', tier: 'std', group: 'Engineering' }, events: [] });
    const m = metric(evaluate(policy, t, C + 200 * MIN), 'engineering');
    expect(m.state).toBe('breached');
    expect(m.start).toBe(C);
    const none = metric(evaluate(policy, ticket([group(10, 'Support')]), C + 200 * MIN), 'engineering');
    expect(none.state).toBe('not_applicable');
    expect(none.note).toBe('the group has not owned the ticket');
  });

  test('a group_ownership metric names its group, and only it has one', () => {
    expect(errorsOf(POLICY.replace('stopsAt: group_ownership, group: Engineering,', 'stopsAt: group_ownership,'))).toEqual(['metrics.engineering.group: a group_ownership metric names its group (the id or name the host gives)']);
    expect(errorsOf(POLICY.replace('update: { label: Periodic update, stopsAt: periodic_update,', 'update: { label: Periodic update, stopsAt: periodic_update, group: Support,'))).toEqual(['metrics.update.group: only a group_ownership metric has a group']);
  });
});

test('startsAt belongs to periodic updates alone, and is named where it is wrong', () => {
  const text = POLICY.replace('next_reply: { label: Next reply, stopsAt: next_public_reply, pauseStatuses: [pending] }', 'next_reply: { label: Next reply, stopsAt: next_public_reply, startsAt: created }');
  expect(errorsOf(text)).toEqual(['metrics.next_reply.startsAt: only a periodic_update metric has startsAt (created or first_public_reply)']);
});

/**
 * The reference: minute by minute on a 24x7 calendar, what an agent with a stopwatch would count.
 * Messages and statuses land on whole minutes; a cycle's clock counts the minutes it is open and
 * not paused; it is breached at the first minute it is still open with its whole Target counted
 * (paused or not), and met when it stops before that.
 */
type Step = { min: number; kind: 'requester' | 'agent' | 'pending' | 'open' | 'solved' | 'engineering' | 'support' };
function reference(steps: Step[], now: number, kind: 'next_reply' | 'update' | 'pausable' | 'engineering', targetMin: number) {
  const byMin = new Map<number, Step[]>();
  for (const s of steps) byMin.set(s.min, [...(byMin.get(s.min) ?? []), s]);
  let status = 'open';
  let replied = false;
  let owner: string | null = null;
  type Cyc = { start: number; stop: number | null; counted: number; breached?: boolean; handoff?: boolean };
  const cycles: Cyc[] = kind === 'next_reply' || kind === 'engineering' ? [] : [{ start: 0, stop: null, counted: 0 }];
  const owned = () => owner === 'engineering' && status !== 'solved';
  const open = () => (cycles.length && cycles[cycles.length - 1].stop === null ? cycles[cycles.length - 1] : null);
  for (let m = 0; m <= now; m++) {
    for (const s of byMin.get(m) ?? []) {
      const o = open();
      if (kind === 'engineering') {
        // Who owns it, as a lead with a stopwatch per group sees it.
        const before = owned();
        if (s.kind === 'engineering' || s.kind === 'support') owner = s.kind;
        else if (s.kind === 'solved' || s.kind === 'open' || s.kind === 'pending') status = s.kind === 'solved' ? 'solved' : status === 'solved' ? 'open' : s.kind;
        if (!before && owned()) cycles.push({ start: m, stop: null, counted: 0 });
        if (before && !owned() && o) Object.assign(o, { stop: m, handoff: status !== 'solved' });
        continue;
      }
      if (s.kind === 'engineering' || s.kind === 'support') continue;
      if (s.kind === 'agent') {
        replied = true;
        if (o) o.stop = m;
        if (o && kind !== 'next_reply') cycles.push({ start: m, stop: null, counted: 0 });
      } else if (s.kind === 'requester') {
        if (kind === 'next_reply' && replied && !o) cycles.push({ start: m, stop: null, counted: 0 });
      } else if (s.kind === 'solved') {
        if (status !== 'solved' && o) o.stop = m;
        status = 'solved';
      } else {
        if (status === 'solved' && kind !== 'next_reply' && !o) cycles.push({ start: m, stop: null, counted: 0 });
        status = s.kind;
      }
    }
    const o = open();
    // The Target used up while the cycle is open (paused or not) is a breach, at that minute.
    if (o && o.counted >= targetMin) o.breached = true;
    if (m === now) break;
    if (o && !(kind !== 'update' && kind !== 'engineering' && status === 'pending')) o.counted++;
  }
  return cycles.map((c) => ({ start: c.start, stop: c.stop, handoff: c.handoff === true, state: c.breached ? 'breached' : c.stop !== null ? 'met' : 'open' }));
}

test('property: cycles, their counts and the open cycle agree with the minute-stepping reference', () => {
  const step = fc.record({ min: fc.integer({ min: 1, max: 1500 }), kind: fc.constantFrom<Step['kind']>('requester', 'requester', 'agent', 'agent', 'pending', 'open', 'solved', 'engineering', 'support') });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 25 }), fc.integer({ min: 0, max: 1600 }), (raw, now) => {
      // One event a minute: at the same instant the order of two events would be the host's.
      const steps = [...new Map(raw.map((s) => [s.min, s])).values()].sort((a, b) => a.min - b.min);
      const events = steps.map((s) => (s.kind === 'requester' ? requester(s.min) : s.kind === 'agent' ? agent(s.min) : s.kind === 'engineering' ? group(s.min, 'Engineering') : s.kind === 'support' ? group(s.min, 'Support') : status(s.min, s.kind)));
      const d = evaluate(policy, ticket(events), C + now * MIN);
      for (const [id, target] of [['next_reply', 120], ['update', 240], ['pausable', 240], ['engineering', 180]] as const) {
        const want = reference(steps, now, id, target);
        const m: MetricDecision = metric(d, id);
        if (!want.length) {
          expect(m.state).toBe('not_applicable');
          continue;
        }
        const last = want[want.length - 1];
        const { handoffs, ...counted } = m.cycles!;
        expect(counted).toEqual({ number: want.length, count: want.length, met: want.filter((c) => c.state === 'met').length, breached: want.filter((c) => c.state === 'breached').length, open: last.stop === null });
        if (id === 'engineering') expect(handoffs).toBe(want.filter((c) => c.stop !== null && c.handoff).length);
        expect(m.start).toBe(C + last.start * MIN);
        expect(m.stoppedAt).toBe(last.stop === null ? null : C + last.stop * MIN);
        if (last.state !== 'open') expect(m.state).toBe(last.state);
        else expect(['running', 'at_risk', 'paused']).toContain(m.state);
      }
    }),
    { numRuns: 400 },
  );
});

test('speed sanity: 10,000 messages and replies evaluate, and each cycle is counted once', () => {
  const events = [];
  for (let i = 0; i < 5_000; i++) events.push(requester(2 * i + 1), agent(2 * i + 2));
  const d = evaluate(policy, ticket(events), C + 10_001 * MIN);
  expect(metric(d, 'next_reply').cycles).toEqual({ number: 4_999, count: 4_999, met: 4_999, breached: 0, open: false });
  expect(metric(d, 'update').cycles?.count).toBe(5_001);
  void HOUR;
});

test('the view says how many ended cycles were met, in each language, and what is owed when nothing waits', async () => {
  const { ticketView } = await import('../src/view');
  const d = evaluate(policy, ticket([agent(10), requester(20), agent(200), requester(300)]), C + 330 * MIN);
  const en = ticketView(d, 'en', 'UTC', policy).metrics.find((m) => m.metric === 'next_reply')!;
  expect(en.cyclesText).toBe('0 of 1 met');
  expect(en.line).toMatch(/ · 0 of 1 met$/);
  expect(ticketView(d, 'fr', 'UTC', policy).metrics.find((m) => m.metric === 'next_reply')!.cyclesText).toBe('0 sur 1 respectés');
  const none = ticketView(evaluate(policy, ticket([agent(10)]), C + 30 * MIN), 'en', 'UTC', policy).metrics.find((m) => m.metric === 'next_reply')!;
  expect(none.text).toBe('Nothing owed now');
  expect(none.cyclesText).toBeUndefined();
});

test('sla explain lists each cycle, then walks the last one span by span', async () => {
  const { explain, explanationText } = await import('../src/explain');
  const t = ticket([agent(10), requester(20), agent(200), requester(300)]);
  const text = explanationText(explain(policy, t, C + 330 * MIN, 'next_reply'), 'en', 'UTC');
  expect(text).toContain('Cycle 1: Mon 2 Mar, 09:20 UTC → Mon 2 Mar, 12:20 UTC, breached (due Mon 2 Mar, 11:20 UTC)');
  expect(text).toContain('Cycle 2: Mon 2 Mar, 14:00 UTC → open, on track (due Mon 2 Mar, 16:00 UTC)');
  expect(text).toContain('Cycle 2, span by span:');
  // Many cycles: the first and last ten, and how many in between.
  const events = [];
  for (let i = 0; i < 30; i++) events.push(requester(100 * i + 50), agent(100 * i + 60));
  const many = explain(policy, ticket([agent(5), ...events]), C + 4000 * MIN, 'next_reply').metrics[0];
  expect(many.cycles).toHaveLength(20);
  expect(many.cyclesOmitted).toBe(10);
  expect(explanationText(explain(policy, ticket([agent(5), ...events]), C + 4000 * MIN, 'next_reply'))).toContain('Cycle 30: ');
});

test('the report counts cycles as well as tickets, and handoffs for group ownership', async () => {
  const { ReportBuilder } = await import('../src/report');
  const b = new ReportBuilder();
  b.add(evaluate(policy, ticket([agent(10), requester(20), agent(200), requester(300), agent(310)]), C + 400 * MIN));
  b.add(evaluate(policy, ticket([agent(10), requester(20), agent(30), group(40, 'Engineering'), group(90, 'Support')]), C + 400 * MIN));
  const rows = b.rows();
  const reply = rows.find((r) => r.metric === 'next_reply')!;
  expect(reply.tickets).toBe(2);
  expect(reply.cycles).toEqual({ count: 3, met: 2, breached: 1 });
  expect(rows.find((r) => r.metric === 'engineering')!.cycles).toEqual({ count: 1, met: 1, breached: 0, handoffs: 1 });
  expect(rows.find((r) => r.metric === 'first_response')!.cycles).toBeUndefined();
});

test('a group id written unquoted (a number in YAML) names the same group', () => {
  const { policy: p } = parsePolicy(POLICY.replace('group: Engineering,', 'group: 360003235353,'));
  const m = metric(evaluate(p!, ticket([group(10, '360003235353')]), C + 20 * MIN), 'engineering');
  expect(m.state).toBe('running');
});

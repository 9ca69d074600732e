import { breachInstant, evaluate, nextBreach, worstState } from '../src/evaluate';
import * as core from '../src/index';
import { parsePolicy } from '../src/parse';
import { HOUR, iso, MIN, preset, T, timeline } from './helpers';

/**
 * A decision's next breach (issue 22, "A queue by next breach"): the earliest due instant of any
 * running or at-risk Metric, the open cycle's for a recurring one, a breached and still open
 * Metric's breach instant (in the past, so it sorts first), nothing for paused, met or
 * not-applicable Metrics. The hosts' "SLA next breach" fields hold it.
 */
const POLICY = `
sla: 1
id: next-breach
name: Next breach
classification: { method: severity }
clock: { pauseStatuses: [pending] }
priorities:
  P1: { label: P1, zendesk: urgent, jira: Highest }
  P2: { label: P2, zendesk: normal, jira: Medium }
metrics:
  first_response: { label: First reply, stopsAt: first_public_reply }
  resolution: { label: Resolution, stopsAt: solved }
  next_reply: { label: Next reply, stopsAt: next_public_reply }
tiers:
  std:
    label: Standard
    targets:
      P1: { first_response: 1h, resolution: 8h, next_reply: 2h }
      P2: { first_response: 4h, resolution: 3d, next_reply: 8h }
`;
const policy = (() => {
  const { policy: p, problems } = parsePolicy(POLICY);
  if (!p) throw new Error(problems.map((x) => `${x.path}: ${x.message}`).join('\n'));
  return p;
})();

const C = T('2026-03-02T09:00:00Z');
const at = (min: number) => iso(C + min * MIN);
const requester = (min: number) => ({ type: 'reply' as const, at: at(min), public: true, author: 'requester' as const });
const agent = (min: number) => ({ type: 'reply' as const, at: at(min), public: true, author: 'agent' as const });
const status = (min: number, value: string) => ({ type: 'field' as const, at: at(min), field: 'status' as const, value });
const ticket = (events: unknown[], priority = 'P1') => timeline({ id: 't', createdAt: iso(C), fields: { status: 'open', priority, tier: 'std' }, events: events as never });
const decide = (events: unknown[], nowMin: number, priority = 'P1') => evaluate(policy, ticket(events, priority), C + nowMin * MIN);
const metric = (d: ReturnType<typeof evaluate>, id: string) => d.metrics.find((m) => m.metric === id)!;

test('core exports it', () => {
  expect(core.nextBreach).toBe(nextBreach);
  expect(core.breachInstant).toBe(breachInstant);
});

test('a new ticket: the first response, the earliest of the running clocks', () => {
  const d = decide([], 10);
  expect(nextBreach(d)).toBe(C + HOUR);
  // The next reply owes nothing before the first reply: no cycle, no instant.
  expect(metric(d, 'next_reply').state).toBe('not_applicable');
  expect(breachInstant(metric(d, 'next_reply'))).toBeNull();
});

test('an at-risk clock counts with its due', () => {
  const d = decide([], 55);
  expect(metric(d, 'first_response').state).toBe('at_risk');
  expect(nextBreach(d)).toBe(C + HOUR);
});

test('a met Metric has none: once replied to, the resolution is next', () => {
  const d = decide([agent(20)], 30);
  expect(metric(d, 'first_response').state).toBe('met');
  expect(breachInstant(metric(d, 'first_response'))).toBeNull();
  expect(nextBreach(d)).toBe(C + 8 * HOUR);
});

test('a breached Metric still open counts as its breach instant, in the past, so the ticket sorts first', () => {
  const late = decide([], 90);
  expect(metric(late, 'first_response').state).toBe('breached');
  expect(nextBreach(late)).toBe(C + HOUR);
  expect(nextBreach(late)!).toBeLessThan(late.now);
  // A ticket still in time, created earlier, with a later next breach, sorts after it.
  const inTime = evaluate(policy, timeline({ id: 'u', createdAt: iso(C + 60 * MIN), fields: { status: 'open', priority: 'P1', tier: 'std' }, events: [agent(70)] as never }), C + 90 * MIN);
  expect(worstState(inTime)).toBe('running');
  expect(nextBreach(late)!).toBeLessThan(nextBreach(inTime)!);
});

test('a Metric that stopped late (breached, no longer open) has none: it can breach no more', () => {
  const d = decide([agent(90)], 100);
  expect(metric(d, 'first_response').state).toBe('breached');
  expect(metric(d, 'first_response').stoppedAt).toBe(C + 90 * MIN);
  expect(breachInstant(metric(d, 'first_response'))).toBeNull();
  expect(nextBreach(d)).toBe(C + 8 * HOUR);
});

test('paused Metrics have no instant: a ticket waiting on the requester has no next breach', () => {
  const d = decide([status(20, 'pending')], 120);
  expect(d.metrics.filter((m) => m.state === 'paused').map((m) => m.metric).sort()).toEqual(['first_response', 'resolution']);
  expect(nextBreach(d)).toBeNull();
  // Back to open at 2h: the pause (20 min to 2h) moves both dues by 1h40m.
  const resumed = decide([status(20, 'pending'), status(120, 'open')], 125);
  expect(nextBreach(resumed)).toBe(C + HOUR + 100 * MIN);
});

test('a breached Metric paused later stays breached and counts', () => {
  const d = decide([status(90, 'pending')], 120);
  expect(metric(d, 'first_response').state).toBe('breached');
  expect(nextBreach(d)).toBe(C + HOUR);
});

describe('recurring cycles', () => {
  test('the open cycle\'s due counts: a requester message waits for its reply', () => {
    // Replied at 0:20; the requester writes at 1:00: the next reply is due at 3:00, before the resolution at 8:00.
    const d = decide([agent(20), requester(60)], 70);
    const m = metric(d, 'next_reply');
    expect(m.cycles).toMatchObject({ open: true, count: 1 });
    expect(nextBreach(d)).toBe(C + 180 * MIN);
  });

  test('between cycles nothing is owed: the last cycle, met, has no instant', () => {
    const d = decide([agent(20), requester(60), agent(90)], 100);
    const m = metric(d, 'next_reply');
    expect(m.cycles).toMatchObject({ open: false, count: 1, met: 1 });
    expect(breachInstant(m)).toBeNull();
    expect(nextBreach(d)).toBe(C + 8 * HOUR);
  });

  test('a later cycle breached and still open counts as its breach; an earlier breached cycle does not', () => {
    // Cycle 1: 1:00 -> replied 3:30, breached (due 3:00). Cycle 2 from 4:00, due 6:00, open at 6:30: breached.
    const d = decide([agent(20), requester(60), agent(210), requester(240)], 390);
    const m = metric(d, 'next_reply');
    // Both cycles count as breached, the open one too.
    expect(m.cycles).toMatchObject({ open: true, count: 2, breached: 2 });
    expect(m.state).toBe('breached');
    expect(nextBreach(d)).toBe(C + 360 * MIN);
    // Before cycle 2 breaches it is running, due 6:00; cycle 1's breach is history.
    const before = decide([agent(20), requester(60), agent(210), requester(240)], 300);
    expect(nextBreach(before)).toBe(C + 360 * MIN);
  });

  test('a paused open cycle has no instant', () => {
    const d = decide([agent(20), requester(60), status(70, 'pending')], 100);
    expect(metric(d, 'next_reply').state).toBe('paused');
    expect(nextBreach(d)).toBeNull();
  });
});

test('a solved ticket has no next breach', () => {
  expect(nextBreach(decide([agent(20), status(40, 'solved')], 60))).toBeNull();
});

test('the triage clock counts while the ticket waits for a Priority', () => {
  const kiwi = preset('kiwi-stage-plus');
  const created = T('2026-11-18T15:00:00Z');
  const tier = Object.keys(kiwi.tiers)[0];
  const d = evaluate(kiwi, timeline({ id: 'x', createdAt: iso(created), fields: { status: 'open', tier }, events: [] }), created + 10 * MIN);
  expect(d.triage).not.toBeNull();
  expect(d.triage!.state).toMatch(/running|at_risk/);
  expect(d.metrics.every((m) => breachInstant(m) === null)).toBe(true);
  expect(nextBreach(d)).toBe(d.triage!.due);
});

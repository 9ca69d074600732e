import fc from 'fast-check';
import { addPause } from '../src/clock';
import { evaluate } from '../src/evaluate';
import { preset, timeline, unionOf } from './helpers';

/** Pauses are added in O(1) when they come in time order, and merged correctly in any order. */

test('pauses added in any order merge into sorted disjoint spans', () => {
  const span = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })).map(([a, len]) => [a, a + len] as [number, number]);
  fc.assert(
    fc.property(fc.array(span, { maxLength: 30 }), (spans) => {
      const pauses: number[] = [];
      for (const [a, b] of spans) addPause(pauses, a, b);
      expect(pauses).toEqual(unionOf(spans));
    }),
  );
});

test('pauses in time order cost O(1) each: 2,000 of them read the list a bounded number of times, not 2,000 times', () => {
  let reads = 0;
  const target: number[] = [];
  const pauses = new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(t, key, receiver);
    },
  });
  const n = 2_000;
  for (let i = 0; i < n; i++) addPause(pauses, i * 10, i * 10 + 5);
  expect(target.length).toBe(2 * n);
  // Sorting every pair again on each call read about n^2 = 4,000,000 entries.
  expect(reads).toBeLessThan(10 * n);
});

test('a ticket solved and reopened 2,000 times pauses resolution from each solve to its reopening', () => {
  const kiwi = preset('kiwi-stage-plus');
  const created = Date.parse('2026-01-05T14:00:00Z');
  const events: object[] = [];
  // Solved for a minute, then open for a minute, 2,000 times: 2,000 minutes of it paused.
  for (let i = 0; i < 2000; i++) {
    events.push({ type: 'solved', at: new Date(created + (2 * i + 1) * 60_000).toISOString() });
    events.push({ type: 'reopened', at: new Date(created + (2 * i + 2) * 60_000).toISOString() });
  }
  const tl = timeline({ id: '1', createdAt: new Date(created).toISOString(), fields: { impact: '1', urgency: '1', tier: 'plus' }, events: events as never });
  const d = evaluate(kiwi, tl, created + 4000 * 60_000);
  const resolution = d.metrics.find((m) => m.metric === 'resolution')!;
  expect(resolution.elapsedWallMs).toBe(2000 * 60_000);
});

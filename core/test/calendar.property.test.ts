import fc from 'fast-check';
import { dueWithPauses } from '../src/clock';
import { cal, MIN, unionOf } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference: typeof import('../../test/reference/minute-calendar.cjs') = require('../../test/reference/minute-calendar.cjs');

/**
 * The engine against a slow reference that steps minute by minute and asks luxon for the wall
 * clock at each one. Every boundary (zone offsets, windows) falls on a whole minute, so stepping
 * by minutes is exact. The reference shares no code with the engine.
 */
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Denver', 'Pacific/Chatham'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Spec {
  zone: string;
  weekly: [number, number][][];
  holidays: string[];
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function toPolicyForm(s: Spec) {
  const hours: Record<string, string[]> = {};
  s.weekly.forEach((ws, d) => {
    hours[DAYS[d]] = ws.map(([a, b]) => `${hhmm(a)}-${b === 1440 ? '24:00' : hhmm(b % 1440)}`);
  });
  return { zone: s.zone, hours, holidays: s.holidays };
}

const windowArb = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1439 }))
  .map(([start, len]) => [start, start + len] as [number, number]);

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    weekly: fc.array(fc.array(windowArb, { maxLength: 2 }), { minLength: 7, maxLength: 7 }),
    holidayOffsets: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }),
    anchor: fc.constantFrom('2026-03-01', '2026-10-20', '2026-03-25', '2100-01-01', '2027-12-20'),
  })
  // At least 5 working hours a week, so the reference never steps past its 120-day horizon.
  .filter((r) => r.weekly.flat().reduce((sum, [a, b]) => sum + b - a, 0) >= 300)
  .map((r) => ({
    zone: r.zone,
    weekly: r.weekly,
    holidays: r.holidayOffsets.map((o) => new Date(Date.parse(r.anchor) + o * 86_400_000).toISOString().slice(0, 10)),
    anchor: r.anchor,
  }));

const caseArb = specArb.chain((spec) =>
  fc.record({
    spec: fc.constant(spec),
    startMin: fc.integer({ min: 0, max: 30 * 1440 }),
    minutes: fc.integer({ min: 1, max: 1500 }),
    pauses: fc.array(fc.tuple(fc.integer({ min: -600, max: 6000 }), fc.integer({ min: 1, max: 2000 })), { maxLength: 3 }),
  }),
);

function pausesOf(start: number, raw: [number, number][]): number[] {
  return unionOf(raw.map(([o, len]) => [start + o * MIN, start + (o + len) * MIN]));
}

describe('calendar engine vs minute-stepping reference', () => {
  test('due times with pauses', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, startMin, minutes, pauses }) => {
        const anchor = Date.parse((spec as Spec & { anchor: string }).anchor);
        const start = anchor + startMin * MIN;
        const p = pausesOf(start, pauses);
        const engine = cal(toPolicyForm(spec));
        expect(new Date(dueWithPauses(engine, start, minutes * MIN, p)).toISOString()).toBe(new Date(reference.due(spec, start, minutes, p)).toISOString());
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });

  test('working time between two instants', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 20 * 1440 }), fc.integer({ min: 0, max: 3 * 1440 }), (spec, startMin, span) => {
        const start = Date.parse((spec as Spec & { anchor: string }).anchor) + startMin * MIN;
        const ref = reference.workingBetween(spec, start, start + span * MIN);
        expect(cal(toPolicyForm(spec)).workingBetween(start, start + span * MIN)).toBe(ref);
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });

  test('business days', () => {
    const longWindows = specArb.filter((s) => s.weekly.flat().every(([a, b]) => b - a >= 120));
    fc.assert(
      fc.property(longWindows, fc.integer({ min: 0, max: 20 * 1440 }), fc.integer({ min: 1, max: 8 }), (spec, startMin, days) => {
        const start = Date.parse((spec as Spec & { anchor: string }).anchor) + startMin * MIN;
        const engine = cal(toPolicyForm(spec)).addBusinessDays(start, days);
        expect(new Date(engine).toISOString()).toBe(new Date(reference.businessDays(spec, start, days)).toISOString());
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });
});

import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { Calendar } from '../src/calendar';
import { decisionToJSON, evaluate } from '../src/evaluate';
import { validatePolicyText } from '../src/lint';
import { getCompiled, hoursOfSpec, type Policy } from '../src/policy';
import { CalendarSchema } from '../src/schema';
import { WallWorking } from '../src/week';
import { offsetLookups, segmentsForYear, yearStart } from '../src/zone';
import { timeline } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { hostilePolicy1901, ticket1901: OLD } = require('./fixtures/old-ticket.cjs') as { hostilePolicy1901(): object; ticket1901: Record<string, unknown> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference: typeof import('../../test/reference/minute-calendar.cjs') = require('../../test/reference/minute-calendar.cjs');

/**
 * Issue 17, point 10: one ticket created in 1901 under a policy that checks used to build every
 * Calendar year by year up to now, on the event loop, for seconds. Evaluation now builds the years
 * a Clock starts and ends in and counts the years between from the Calendar's week. The work is
 * counted here (years built, zone offsets read), never timed; `npm run bench` times it.
 */

const DAY = 86_400_000;
const NOW = '2026-11-20T15:00:00Z';
const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const dateOf = (t: number) => new Date(t).toISOString().slice(0, 10);

const TEXT = JSON.stringify(hostilePolicy1901());
const policy = (): Policy => validatePolicyText(TEXT).policy!;

/** The years each calendar built, by calendar. */
const built = (p: Policy) => new Map([...getCompiled(p).calendars].map(([id, c]) => [id, c.compiledYears()]));

/** The engine as it was: every year a span crosses built as a table, to count what lies between. */
function everyYearBuilt<T>(run: () => T): T {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const spy = jest.spyOn(Calendar.prototype as any, 'yearTotal').mockImplementation(function (this: any, y: unknown) {
    return this.year(y).total;
  });
  try {
    return run();
  } finally {
    spy.mockRestore();
  }
}

describe('a ticket from 1901 under a large policy', () => {
  test('the policy passes sla check and is of the size an admin can paste', () => {
    const { policy, problems } = validatePolicyText(TEXT);
    expect(problems.filter((p) => p.level === 'error')).toEqual([]);
    expect(policy).toBeDefined();
    expect(TEXT.length).toBeGreaterThan(40_000);
  });

  test('reads each zone-year once: a second policy object (a tenant reload) reads no zone again', () => {
    const before = offsetLookups();
    evaluate(policy(), timeline(OLD as never), NOW);
    const first = offsetLookups() - before;
    // 9 zones x 126 years, each read every 2 days and bisected at its transitions.
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(9 * 127 * 260);
    const again = offsetLookups();
    evaluate(policy(), timeline(OLD as never), NOW);
    expect(offsetLookups() - again).toBe(0);
  });

  test('the decision is the one every year built gives, to the millisecond', () => {
    const p = policy();
    const expected = everyYearBuilt(() => decisionToJSON(evaluate(p, timeline(OLD as never), NOW)));
    // The reference really built the century: cal0's resolution clock runs from 1901 to now.
    expect(built(p).get('cal0+cal9')!.length).toBeGreaterThan(120);
    const actual = decisionToJSON(evaluate(policy(), timeline(OLD as never), NOW));
    expect(actual).toEqual(expected);
    const workaround = actual.metrics.find((m) => m.metric === 'workaround')!;
    expect(workaround).toMatchObject({ state: 'breached', calendar: 'cal0+cal9', start: '1901-01-01T00:00:00.000Z', stoppedAt: null });
    expect(workaround.elapsedWorkingMs).toBeGreaterThan(125 * 52 * 40 * 3_600_000);
  });

  test('builds only the years the Clocks start and end in, as for a ticket from last year', () => {
    const years = (createdAt: string) => {
      const p = policy();
      evaluate(p, timeline({ ...OLD, createdAt, events: [] } as never), NOW);
      return built(p);
    };
    for (const [id, list] of years('1901-01-01T00:00:00Z')) {
      expect([id, list.filter((y) => y > 1902 && y < 2025)]).toEqual([id, []]);
      expect(list.length).toBeLessThanOrEqual(3);
    }
    const old = [...years('1901-01-01T00:00:00Z').values()].reduce((n, l) => n + l.length, 0);
    const recent = [...years('2025-01-01T00:00:00Z').values()].reduce((n, l) => n + l.length, 0);
    expect(old).toBeLessThanOrEqual(recent + 2);
  });

  test('its 1901 due times match the minute-stepping reference', () => {
    // New York kept whole-minute offsets in 1901 (the reference steps by minutes).
    const spec = { zone: 'America/New_York', weekly: [[], [[540, 1020]], [[540, 1020]], [[540, 1020]], [[540, 1020]], [[540, 1020]], []] as [number, number][][], holidays: ['1901-01-02'] };
    const c = new Calendar('ny', spec.zone, hoursOfSpec(CalendarSchema.parse({ zone: spec.zone, hours: { weekdays: ['09:00-17:00'] }, holidays: spec.holidays })).windowsOf);
    const start = Date.parse('1901-01-01T00:00:00Z');
    expect(new Date(c.addBusinessDays(start, 2)).toISOString()).toBe(new Date(reference.businessDays(spec, start, 2)).toISOString());
    expect(new Date(c.addWorking(start, 10 * 3_600_000)).toISOString()).toBe(new Date(reference.due(spec, start, 600)).toISOString());
  });
});

const SPEC_ZONES = ['UTC', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'Europe/Dublin', 'Africa/Freetown', 'America/Recife', 'Asia/Gaza'];
const minutes = fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1439 })).map(([s, len]) => [s, s + len] as const);
const window = minutes.map(([s, e]) => `${hhmm(s)}-${e === 1440 ? '24:00' : hhmm(e % 1440)}`).filter((w) => w.slice(0, 5) !== w.slice(6));
const calendarArb = (year: fc.Arbitrary<number>) =>
  fc.record({
    zone: fc.constantFrom(...SPEC_ZONES),
    year,
    hours: fc.record({ mon: fc.array(window, { maxLength: 2 }), wed: fc.array(window, { maxLength: 2 }), sat: fc.array(window, { maxLength: 1 }), sun: fc.array(window, { maxLength: 1 }) }),
    holidayDays: fc.array(fc.integer({ min: -3, max: 368 }), { maxLength: 8 }),
    holidayHours: fc.array(window, { maxLength: 1 }),
  });

describe('a year counted from the week is the year its table holds', () => {
  test('in any zone and year, with holidays, holiday hours and windows past midnight', () => {
    fc.assert(
      fc.property(calendarArb(fc.integer({ min: 1902, max: 2199 })), ({ zone, year, hours, holidayDays, holidayHours }) => {
        const holidays = [...new Set(holidayDays.map((d) => dateOf(Date.UTC(year, 0, 1) + d * DAY)))];
        const { windowsOf, week } = hoursOfSpec(CalendarSchema.parse({ zone, hours, holidays, holidayHours }));
        const fromWeek = new Calendar('w', zone, windowsOf, week);
        const tables = new Calendar('t', zone, windowsOf);
        // The year between is counted from the week by one calendar and built by the other.
        const [a, b] = [yearStart(year) - 5 * 3_600_000, yearStart(year + 1) + 7 * 3_600_000];
        expect(fromWeek.workingBetween(a, b)).toBe(tables.workingBetween(a, b));
        expect(fromWeek.compiledYears()).toEqual([year - 1, year + 1]);
        expect(tables.compiledYears()).toEqual([year - 1, year, year + 1]);
      }),
      { numRuns: 80, seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });

  test('on the wall clock, against the minute-stepping reference', () => {
    const weekly = fc.array(fc.array(minutes, { maxLength: 2 }), { minLength: 7, maxLength: 7 });
    fc.assert(
      fc.property(weekly, fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }), fc.integer({ min: 0, max: 3 * 1440 }), fc.integer({ min: 0, max: 9 * 1440 }), (w, offsets, from, span) => {
        const anchor = Date.UTC(2030, 2, 1);
        const spec = { zone: 'UTC', weekly: w.map((d) => d.map(([s, e]) => [s, e] as [number, number])), holidays: offsets.map((o) => dateOf(anchor + o * DAY)) };
        const special = [...new Set(spec.holidays.map((h) => Date.parse(h) / DAY))].sort((a, b) => a - b);
        const windowsOf = (day: number, weekday: number) => (special.includes(day) ? [] : spec.weekly[weekday].flat());
        const wall = new WallWorking(windowsOf, { weekly: spec.weekly.map((d) => d.flat()), special });
        const a = anchor + from * 60_000;
        expect(wall.between(a, a + span * 60_000)).toBe(reference.workingBetween(spec, a, a + span * 60_000));
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });
});

describe("a zone's offsets read every two days are those read every three hours", () => {
  // The shortest offsets tzdb has: Freetown's 4 days in 1939, Brazil's week in 2000, Gaza's in 2040.
  test.each([
    ['Africa/Freetown', 1939],
    ['America/Recife', 2000],
    ['Asia/Gaza', 2040],
    ['America/St_Johns', 1901],
    ['Australia/Lord_Howe', 2026],
  ])('%s in %i', (zone, year) => {
    const z = IANAZone.create(zone);
    const offset = (t: number) => Math.round(z.offset(t) * 60_000);
    const expected: number[] = [];
    const from = Date.UTC(year - 1, 11, 24);
    for (let t = from, o = offset(from); t <= Date.UTC(year + 1, 0, 8); t += 3 * 3_600_000) {
      if (offset(t) === o) continue;
      let [lo, hi] = [t - 3 * 3_600_000, t];
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (offset(mid) === o) lo = mid;
        else hi = mid;
      }
      expected.push(hi, offset(hi));
      o = offset(hi);
    }
    const seg = segmentsForYear(zone, year);
    expect([...seg.starts.slice(1)].flatMap((s, i) => [s, seg.offsets[i + 1]])).toEqual(expected);
    expect(seg.offsets[0]).toBe(offset(from));
  });
});

import fc from 'fast-check';
import { DateTime } from 'luxon';
import { evaluate, evaluateWithTrace } from '../src/evaluate';
import { groupNow, outcomesOf, type Outcome } from '../src/outcome';
import { isoWeek, ReportBuilder, reportCsv, weekIndex, worseFirst, type OutcomeGroup, type ReportScope, type WorstOutcome } from '../src/report';
import { HOUR, iso, MIN, preset, T, timeline } from './helpers';

/** Issue 22: a ticket's Outcomes (one per cycle) and the report built from them, per Outcome or aggregated. */
// Calendar hours; urgent: first reply 1h, next reply 2h.
const policy = preset('zendesk-parity');
const C = T('2026-03-02T09:00:00Z');
const at = (min: number) => iso(C + min * MIN);
const requester = (min: number) => ({ type: 'reply' as const, at: at(min), public: true, author: 'requester' as const });
const agent = (min: number) => ({ type: 'reply' as const, at: at(min), public: true, author: 'agent' as const });
const ticket = (id: string, events: unknown[], priority = 'urgent') => timeline({ id, createdAt: iso(C), fields: { status: 'open', priority, tier: 'standard' }, events: events as never });

describe('outcomesOf', () => {
  test('one Outcome per cycle of a recurring Metric, one for a Metric that does not recur', () => {
    // First reply at 09:10 (met); next reply: 09:20 -> 12:20 (3h, over 2h: breached), 14:00 -> 14:10 (met), 15:00 still open.
    const { decision, clocks } = evaluateWithTrace(policy, ticket('7', [agent(10), requester(20), agent(200), requester(300), agent(310), requester(360)]), C + 400 * MIN);
    const out = outcomesOf(decision, clocks, 'support').filter((o) => o.metric === 'first_response' || o.metric === 'next_reply');
    expect(out.map((o) => [o.metric, o.cycle, o.state, o.startedAt, o.endedAt, o.workingMs])).toEqual([
      ['first_response', 1, 'met', C, C + 10 * MIN, 10 * MIN],
      ['next_reply', 1, 'breached', C + 20 * MIN, C + 200 * MIN, 180 * MIN],
      ['next_reply', 2, 'met', C + 300 * MIN, C + 310 * MIN, 10 * MIN],
      ['next_reply', 3, 'open', C + 360 * MIN, null, 40 * MIN],
    ]);
    expect(out.every((o) => o.ticketId === '7' && o.tier === 'standard' && o.priority === 'urgent' && o.group === 'support')).toBe(true);
    expect(out[1].dueAt).toBe(C + 140 * MIN);
  });

  test('without the trace a recurring Metric gives the cycle the decision shows', () => {
    const d = evaluate(policy, ticket('7', [agent(10), requester(20), agent(200), requester(300)]), C + 400 * MIN);
    const reply = outcomesOf(d).filter((o) => o.metric === 'next_reply');
    // The second cycle, 14:00 -> 15:40, has used 100 min of its 2h: open.
    expect(reply.map((o) => [o.cycle, o.state])).toEqual([[2, 'open']]);
  });

  test('a clock past its due and still running is breached; a Metric with no Target gives none', () => {
    const d = evaluate(policy, ticket('8', []), C + 2 * HOUR);
    const out = outcomesOf(d);
    expect(out.find((o) => o.metric === 'first_response')).toEqual({ ticketId: '8', metric: 'first_response', cycle: 1, state: 'breached', workingMs: 2 * HOUR, tier: 'standard', priority: 'urgent', group: null, startedAt: C, endedAt: null, dueAt: C + HOUR });
    // No requester message waits, no agent has replied, the ticket never was Support's: nothing owed.
    expect(out.map((o) => o.metric).sort()).toEqual(['agent_work', 'first_response', 'requester_wait', 'resolution']);
  });
});

test('groupNow: the last group change, in time order, else the group at creation', () => {
  const g = (min: number, value: string | null) => ({ type: 'field' as const, at: at(min), field: 'group' as const, value });
  expect(groupNow(timeline({ id: '1', createdAt: iso(C), fields: { group: 'L1' }, events: [] }))).toBe('L1');
  expect(groupNow(timeline({ id: '1', createdAt: iso(C), fields: { group: 'L1' }, events: [g(20, 'L3'), g(10, 'L2')] }))).toBe('L3');
  expect(groupNow(timeline({ id: '1', createdAt: iso(C), fields: { group: 'L1' }, events: [g(10, null)] }))).toBeNull();
});

describe('ISO weeks', () => {
  test('weeks are ISO 8601 in UTC: 2026-01-01 is in 2026-W01, 2027-01-01 in 2026-W53', () => {
    expect(isoWeek(weekIndex(T('2026-01-01T00:00:00Z')))).toBe('2026-W01');
    expect(isoWeek(weekIndex(T('2027-01-01T12:00:00Z')))).toBe('2026-W53');
    expect(isoWeek(weekIndex(T('2025-12-29T00:00:00Z')))).toBe('2026-W01');
    expect(isoWeek(weekIndex(T('2025-12-28T23:59:59Z')))).toBe('2025-W52');
  });

  test('any instant: the same week as luxon says, whatever the machine zone', () => {
    fc.assert(
      fc.property(fc.integer({ min: T('1990-01-01T00:00:00Z'), max: T('2100-01-01T00:00:00Z') }), (t) => {
        const d = DateTime.fromMillis(t, { zone: 'utc' });
        expect(isoWeek(weekIndex(t))).toBe(`${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`);
      }),
    );
  });
});

describe('the Outcome report', () => {
  const o = (p: Partial<Outcome>): Outcome => ({ ticketId: '1', metric: 'first_response', cycle: 1, state: 'met', workingMs: HOUR, tier: 'std', priority: 'P1', group: null, startedAt: C, endedAt: C + HOUR, dueAt: C + 2 * HOUR, ...p });

  test('the period is by start, [from, to); weeks without Outcomes are there with no data; the worst are the latest', () => {
    const b = new ReportBuilder({ period: { from: C, to: C + 21 * 24 * HOUR }, now: C + 30 * 24 * HOUR });
    b.addOutcome(o({ ticketId: 'a' }));
    b.addOutcome(o({ ticketId: 'b', state: 'breached', endedAt: C + 5 * HOUR, workingMs: 5 * HOUR }));
    b.addOutcome(o({ ticketId: 'c', state: 'breached', endedAt: null, startedAt: C + 14 * 24 * HOUR, dueAt: C + 14 * 24 * HOUR + HOUR }));
    b.addOutcome(o({ ticketId: 'before', startedAt: C - 1 }));
    b.addOutcome(o({ ticketId: 'after', startedAt: C + 21 * 24 * HOUR }));
    const r = b.outcomeReport();
    expect(r.rows).toEqual([{ tier: 'std', priority: 'P1', metric: 'first_response', tickets: 3, met: 1, breached: 2, open: 0, metPercent: 100 / 3, medianWorkingMs: 3 * HOUR }]);
    expect(r.weeks.map((w) => [w.week, w.met, w.breached, w.metPercent])).toEqual([
      ['2026-W10', 1, 1, 50],
      ['2026-W11', 0, 0, null],
      ['2026-W12', 0, 1, 0],
      // The period ends on Monday 23 March, 09:00: its last week is there too.
      ['2026-W13', 0, 0, null],
    ]);
    expect(r.weeks[0].start).toBe(T('2026-03-02T00:00:00Z'));
    // c is open and breached: late until the report's now.
    expect(r.worst.map((w) => [w.ticketId, w.lateMs])).toEqual([
      ['c', 16 * 24 * HOUR - HOUR],
      ['b', 3 * HOUR],
    ]);
  });

  test("a ticket counts in the period its Metric's first cycle started in; each cycle counts as an Outcome", () => {
    const b = new ReportBuilder({ period: { from: C, to: null } });
    b.addOutcome(o({ ticketId: 'a', metric: 'next_reply', cycle: 1 }));
    b.addOutcome(o({ ticketId: 'a', metric: 'next_reply', cycle: 2, startedAt: C + HOUR }));
    b.addOutcome(o({ ticketId: 'old', metric: 'next_reply', cycle: 1, startedAt: C - HOUR }));
    b.addOutcome(o({ ticketId: 'old', metric: 'next_reply', cycle: 2, state: 'breached', startedAt: C + HOUR }));
    expect(b.outcomeReport().rows).toMatchObject([{ metric: 'next_reply', tickets: 1, met: 2, breached: 1 }]);
  });

  test('CSV: no data is an empty cell, not 0; a cell that reads as a formula is quoted', () => {
    const b = new ReportBuilder();
    b.addOutcome(o({ state: 'open', endedAt: null }));
    b.addOutcome(o({ tier: '=cmd', state: 'met' }));
    expect(reportCsv(b.outcomeReport().rows)).toBe('tier,priority,metric,tickets,met,breached,open,met_percent,median_working_ms\n' + "'=cmd,P1,first_response,1,1,0,0,100.0,3600000\n" + 'std,P1,first_response,1,0,0,1,,\n');
  });

  test('a group given aggregated is final: adding its Outcomes is an error naming it', () => {
    const b = new ReportBuilder();
    b.addGroup({ tier: 'std', priority: 'P1', metric: 'first_response', tickets: 1, met: 1, breached: 0, open: 0, medianWorkingMs: HOUR });
    expect(() => b.addOutcome(o({}))).toThrow('std x P1 x first_response');
    const c = new ReportBuilder();
    c.addMedian({ tier: 'std', priority: 'P1', metric: 'resolution', medianWorkingMs: HOUR });
    expect(() => c.addMedian({ tier: 'std', priority: 'P1', metric: 'resolution', medianWorkingMs: HOUR })).toThrow('median given twice');
    expect(() => c.addOutcome(o({ metric: 'resolution' }))).toThrow('std x P1 x resolution');
  });

  /** What a store's SQL does: GROUP BY tier, priority, metric; by week; ORDER BY lateness LIMIT. */
  function aggregated(outcomes: Outcome[], period: { from: number | null; to: number | null }, now: number, scope: ReportScope = {}, by: 'groups' | 'cells' = 'groups'): ReportBuilder {
    const b = new ReportBuilder({ period, scope, now });
    const kept = outcomes.filter(
      (x) => (period.from === null || x.startedAt >= period.from) && (period.to === null || x.startedAt < period.to) && (scope.tier ?? x.tier) === x.tier && (scope.priority ?? x.priority) === x.priority && (scope.metric ?? x.metric) === x.metric,
    );
    if (by === 'cells') {
      // GROUP BY tier, priority, metric, week; then the medians of those that stopped, per group.
      const cells = new Map<string, Outcome[]>();
      for (const x of kept) {
        const k = `${x.tier}|${x.priority}|${x.metric}|${weekIndex(x.startedAt)}`;
        cells.set(k, [...(cells.get(k) ?? []), x]);
      }
      for (const xs of cells.values()) {
        const n = (s: Outcome['state']) => xs.filter((x) => x.state === s).length;
        b.addCell({ tier: xs[0].tier, priority: xs[0].priority, metric: xs[0].metric, week: weekIndex(xs[0].startedAt), tickets: xs.filter((x) => x.cycle === 1).length, met: n('met'), breached: n('breached'), open: n('open') });
      }
      const stopped = new Map<string, Outcome[]>();
      for (const x of kept.filter((y) => y.endedAt !== null)) stopped.set(`${x.tier}|${x.priority}|${x.metric}`, [...(stopped.get(`${x.tier}|${x.priority}|${x.metric}`) ?? []), x]);
      for (const xs of stopped.values()) {
        const v = xs.map((x) => x.workingMs).sort((p, q) => p - q);
        b.addMedian({ tier: xs[0].tier, priority: xs[0].priority, metric: xs[0].metric, medianWorkingMs: v[(v.length - 1) >> 1] + (v[v.length >> 1] - v[(v.length - 1) >> 1]) * 0.5 });
      }
    }
    const groups = new Map<string, Outcome[]>();
    for (const x of kept) groups.set(`${x.tier}|${x.priority}|${x.metric}`, [...(groups.get(`${x.tier}|${x.priority}|${x.metric}`) ?? []), x]);
    for (const xs of by === 'cells' ? [] : groups.values()) {
      const ended = xs.filter((x) => x.endedAt !== null).map((x) => x.workingMs).sort((a, b) => a - b);
      const n = ended.length;
      const g: OutcomeGroup = {
        tier: xs[0].tier,
        priority: xs[0].priority,
        metric: xs[0].metric,
        tickets: xs.filter((x) => x.cycle === 1).length,
        met: xs.filter((x) => x.state === 'met').length,
        breached: xs.filter((x) => x.state === 'breached').length,
        open: xs.filter((x) => x.state === 'open').length,
        // percentile_cont(0.5): interpolates between the two middle values.
        medianWorkingMs: n ? ended[(n - 1) >> 1] + (ended[n >> 1] - ended[(n - 1) >> 1]) * 0.5 : null,
      };
      b.addGroup(g);
    }
    const weeks = new Map<number, { met: number; breached: number; open: number }>();
    for (const x of kept) {
      const w = weeks.get(weekIndex(x.startedAt)) ?? { met: 0, breached: 0, open: 0 };
      w[x.state]++;
      weeks.set(weekIndex(x.startedAt), w);
    }
    if (by === 'groups') for (const [week, c] of weeks) b.addWeek({ week, ...c });
    const worst: WorstOutcome[] = kept
      .filter((x) => x.state === 'breached' && x.dueAt !== null)
      .map((x) => ({ ticketId: x.ticketId, metric: x.metric, cycle: x.cycle, tier: x.tier, priority: x.priority, dueAt: x.dueAt!, endedAt: x.endedAt, lateMs: (x.endedAt ?? now) - x.dueAt! }))
      .sort(worseFirst)
      .slice(0, 10);
    for (const w of worst) b.addWorst(w);
    return b;
  }

  test('property: the aggregated path gives the figures the per-Outcome path gives', () => {
    const outcome = fc
      .record({
        ticketId: fc.constantFrom('1', '2', '10', '11', 'A', 'b'),
        metric: fc.constantFrom('first_response', 'resolution', 'next_reply'),
        cycle: fc.integer({ min: 1, max: 4 }),
        state: fc.constantFrom('met' as const, 'breached' as const, 'open' as const),
        workingMs: fc.integer({ min: 0, max: 2 ** 40 }),
        tier: fc.constantFrom('std', 'gold'),
        priority: fc.constantFrom('P1', 'P2', ''),
        startedAt: fc.integer({ min: C, max: C + 60 * 24 * HOUR }),
        length: fc.integer({ min: 0, max: 10 * 24 * HOUR }),
        ended: fc.boolean(),
        dueIn: fc.option(fc.integer({ min: 0, max: 5 * 24 * HOUR })),
      })
      .map(({ length, ended, dueIn, ...x }): Outcome => ({ ...x, group: null, endedAt: ended || x.state === 'met' ? x.startedAt + length : null, dueAt: dueIn === null ? null : x.startedAt + dueIn }));
    const bound = fc.option(fc.integer({ min: C - 7 * 24 * HOUR, max: C + 70 * 24 * HOUR }));
    // A drill-down, or none.
    const scopes = fc.record({ tier: fc.constantFrom('std', 'gold'), priority: fc.constantFrom('P1', ''), metric: fc.constantFrom('resolution') }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 60 }), bound, bound, scopes, fc.constantFrom('groups' as const, 'cells' as const), (outcomes, a, z, scope, by) => {
        const period = { from: a, to: z };
        const now = C + 80 * 24 * HOUR;
        const each = new ReportBuilder({ period, scope, now });
        for (const x of outcomes) each.addOutcome(x);
        expect(aggregated(outcomes, period, now, scope, by).outcomeReport()).toEqual(each.outcomeReport());
      }),
      { numRuns: 300 },
    );
  });

  test('the figures do not depend on the order Outcomes come in', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ t: fc.constantFrom('1', '2', '3'), s: fc.constantFrom('met' as const, 'breached' as const), ms: fc.integer({ min: 0, max: 10 * HOUR }) }), { maxLength: 30 }), (xs) => {
        const list = xs.map((x, i) => o({ ticketId: x.t, cycle: i + 1, state: x.s, workingMs: x.ms, endedAt: C + x.ms }));
        const fwd = new ReportBuilder({ now: C });
        const back = new ReportBuilder({ now: C });
        list.forEach((x) => fwd.addOutcome(x));
        [...list].reverse().forEach((x) => back.addOutcome(x));
        expect(back.outcomeReport()).toEqual(fwd.outcomeReport());
      }),
    );
  });
});

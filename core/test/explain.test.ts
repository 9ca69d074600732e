import fc from 'fast-check';
import { evaluate } from '../src/evaluate';
import { explain, explanationText } from '../src/explain';
import { HOUR, MIN, T, iso, preset, timeline, variant } from './helpers';

const kiwi = preset('kiwi-stage-plus');

describe('why this due time', () => {
  test('a weekend, a pause and a holiday are named, and the counted spans make the Target', () => {
    // Plus P2 resolution is 8h on Toronto's 08:30-16:30 weekdays. Created Thursday 24 Dec 15:30
    // Toronto: Christmas, then the weekend, are skipped; a pause on Monday pushes the due.
    const p = variant('kiwi-stage-plus', (r) => {
      r.tiers.plus.targets.P2.resolution = '8h';
    });
    const tl = timeline({
      id: '9',
      createdAt: '2026-12-24T20:30:00Z',
      fields: { impact: '2', urgency: '2', tier: 'plus' },
      events: [
        { type: 'field', at: '2026-12-28T14:30:00Z', field: 'status', value: 'pending' },
        { type: 'field', at: '2026-12-28T15:30:00Z', field: 'status', value: 'open' },
      ],
    });
    const e = explain(p, tl, '2026-12-28T16:00:00Z', 'resolution');
    const m = e.metrics[0];
    expect(m.targetMs).toBe(8 * HOUR);
    expect(m.countedMs).toBe(8 * HOUR);
    expect(m.pausedMs).toBe(HOUR);
    expect(m.due).toBe(evaluate(p, tl, '2026-12-28T16:00:00Z').metrics[1].due);
    const closed = m.spans.filter((s) => s.kind === 'closed');
    expect(closed[0]).toMatchObject({ why: 'holiday', holidays: ['Christmas Day'] });
    // Christmas runs into the weekend: one closed span from Thursday 16:30 to Monday 08:30.
    expect(iso(closed[0].from)).toBe('2026-12-24T21:30:00.000Z');
    expect(iso(closed[0].to)).toBe('2026-12-28T13:30:00.000Z');
    expect(m.spans.find((s) => s.kind === 'paused')).toMatchObject({ from: T('2026-12-28T14:30:00Z'), to: T('2026-12-28T15:30:00Z'), ms: HOUR, why: 'pending' });
    const text = explanationText(e, 'en', 'America/Vancouver');
    expect(text).toContain('not counted (holiday: Christmas Day)');
    expect(text).toContain('paused (pending), 1h 00m not counted');
    expect(text).toContain('Priority P2: Important × High → P2.');
    expect(text).toContain('Counted 8h 00m = the Target 8h.');
    expect(text).toMatch(/Due Mon 28 Dec, \d\d:\d\d Vancouver\./);
    const fr = explanationText(e, 'fr', 'America/Toronto');
    expect(fr).toContain('non compté (jour férié : Christmas Day)'.replace(' : ', ': '));
    expect(fr).toContain('Pourquoi cette échéance ? Resolution');
  });

  test('an override shows in the priority changes', () => {
    const tl = timeline({
      id: '3',
      createdAt: '2026-11-20T14:00:00Z',
      fields: { impact: '3', urgency: '3', tier: 'plus' },
      events: [{ type: 'override', at: '2026-11-20T15:00:00Z', by: 'Lea', from: 'P4', to: 'P2', reason: 'CEO is blocked' }],
    });
    const e = explain(kiwi, tl, '2026-11-20T16:00:00Z');
    expect(e.priorities.map((p) => p.id)).toEqual(['P4', 'P2']);
    expect(e.priorities[1].override).toEqual({ by: 'Lea', reason: 'CEO is blocked' });
    expect(explanationText(e, 'en')).toContain('Priority P4 → P2 at Fri 20 Nov, 15:00 UTC. Override by Lea: CEO is blocked.');
  });

  test('coverage calendars are named, and a ticket classified at creation has no triage to explain', () => {
    const bespoke = preset('bespoke-s1-s5');
    const tl = timeline({ id: 'b1', createdAt: '2026-12-24T18:00:00Z', fields: { priority: 'S1' } });
    const e = explain(bespoke, tl, '2026-12-26T10:00:00Z');
    expect(e.metrics.map((m) => m.metric)).not.toContain('triage');
    const m = e.metrics[0];
    expect(m.coverage).toBe(true);
    expect(m.calendar!.label).toBe('Office hours + Out of hours + Weekends + Bank holidays, London');
    expect(m.countedMs).toBe(m.targetMs);
  });

  test('an unknown metric is refused with the known ones', () => {
    const tl = timeline({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { impact: '2', urgency: '2' } });
    expect(() => explain(kiwi, tl, '2026-11-20T15:00:00Z', 'nope')).toThrow('unknown metric "nope" (known: triage, first_response, resolution)');
  });

  /**
   * The property the feature rests on: whatever the start, the pauses and the Target, the counted
   * spans add up to the Target exactly, the spans tile [start, due) with no gap, and the due is the
   * evaluation's own.
   */
  test('the counted spans add up to the Target exactly, and end at the evaluated due', () => {
    const zones = ['America/Toronto', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 60 * 24 * 120 }),
        fc.integer({ min: 0, max: 40 * 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 * 24 * 20 }), fc.integer({ min: 1, max: 60 * 48 })), { maxLength: 4 }),
        (zone, startMin, targetMin, pauses) => {
          const p = variant('kiwi-stage-plus', (r) => {
            r.calendars.business.zone = zone;
            r.tiers.plus.targets.P2.resolution = `${targetMin}m`;
          });
          const created = T('2026-01-05T00:00:00Z') + startMin * MIN;
          const events: any[] = [];
          let t = created;
          for (const [gap, len] of pauses) {
            t += gap * MIN;
            events.push({ type: 'field', at: iso(t), field: 'status', value: 'hold' });
            t += len * MIN;
            events.push({ type: 'field', at: iso(t), field: 'status', value: 'open' });
          }
          const tl = timeline({ id: 'x', createdAt: iso(created), fields: { impact: '2', urgency: '2', tier: 'plus' }, events });
          const now = t + HOUR;
          const e = explain(p, tl, now, 'resolution');
          const m = e.metrics[0];
          const d = evaluate(p, tl, now).metrics[1];
          expect(m.due).toBe(d.due);
          expect(m.countedMs).toBe(targetMin * MIN);
          const sum = m.spans.filter((s) => s.kind === 'counted').reduce((a, s) => a + s.ms, 0);
          if (!m.omitted) expect(sum).toBe(targetMin * MIN);
          if (m.spans.length && !m.omitted) {
            expect(m.spans[0].from).toBe(m.start);
            expect(m.spans[m.spans.length - 1].to).toBe(m.due);
            for (let i = 1; i < m.spans.length; i++) expect(m.spans[i].from).toBe(m.spans[i - 1].to);
          }
          for (const s of m.spans) if (s.kind !== 'closed') expect(s.ms).toBe(s.to - s.from);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('every ticket on a clock', () => {
  test('a ticket with no Impact or Urgency runs the policy triage clock until it has a Priority', () => {
    const p = variant('kiwi-stage-plus', (r) => {
      r.triage = { in: '1h' };
    });
    const open = timeline({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { tier: 'plus' } });
    const d = evaluate(p, open, '2026-11-20T14:30:00Z');
    expect(d.metrics.every((m) => m.state === 'not_applicable')).toBe(true);
    expect(d.triage).toMatchObject({ metric: 'triage', label: 'Triage', state: 'running', due: T('2026-11-20T15:00:00Z'), remainingWorkingMs: 30 * MIN });
    const late = evaluate(p, open, '2026-11-20T15:30:00Z');
    expect(late.triage!.state).toBe('breached');
    const triaged = timeline({
      id: '1',
      createdAt: '2026-11-20T14:00:00Z',
      fields: { tier: 'plus' },
      events: [
        { type: 'field', at: '2026-11-20T14:20:00Z', field: 'impact', value: '2' },
        { type: 'field', at: '2026-11-20T14:40:00Z', field: 'urgency', value: '2' },
      ],
    });
    expect(evaluate(p, triaged, '2026-11-20T16:00:00Z').triage).toMatchObject({ state: 'met', stoppedAt: T('2026-11-20T14:40:00Z') });
    // A policy without triage has no such clock, and its metrics are as they were.
    const none = variant('kiwi-stage-plus', (r) => {
      delete r.triage;
    });
    expect(evaluate(none, open, '2026-11-20T14:30:00Z').triage).toBeNull();
  });

  test('every preset states its triage clock as an assumption to confirm', () => {
    for (const id of ['kiwi-stage-plus', 'scale', 'interopion', 'scalr', 'bespoke-s1-s5']) {
      const p = preset(id);
      expect(p.triage).toBeDefined();
      expect(p.assumptions.some((a) => a.path === 'triage')).toBe(true);
    }
  });

  test('a category with its own promise needs no priority: a SCALE data issue gets its findings clock', () => {
    const scale = preset('scale');
    const tl = timeline({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { category: 'data_issue' } });
    const d = evaluate(scale, tl, '2026-11-20T15:00:00Z');
    expect(d.priority.id).toBeNull();
    expect(d.metrics.find((m) => m.metric === 'findings')).toMatchObject({ state: 'running', due: T('2026-11-22T14:00:00Z') });
  });

  test('a zero-minute target with a pause is due at its start', () => {
    const p = variant('kiwi-stage-plus', (r) => {
      r.tiers.plus.targets.P2.first_response = '0m';
    });
    const tl = timeline({
      id: '1',
      createdAt: '2026-11-20T14:00:00Z',
      fields: { impact: '2', urgency: '2', tier: 'plus' },
      events: [
        { type: 'field', at: '2026-11-20T14:10:00Z', field: 'status', value: 'pending' },
        { type: 'field', at: '2026-11-20T14:20:00Z', field: 'status', value: 'open' },
      ],
    });
    const d = evaluate(p, tl, '2026-11-20T15:00:00Z');
    expect(d.metrics[0]).toMatchObject({ due: T('2026-11-20T14:00:00Z'), state: 'breached' });
    expect(explain(p, tl, '2026-11-20T15:00:00Z', 'first_response').metrics[0]).toMatchObject({ countedMs: 0, spans: [] });
  });
});

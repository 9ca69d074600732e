import { evaluate, worstState } from '../src/evaluate';
import { TimelineSchema } from '../src/timeline';
import { HOUR, iso, MIN, preset, T, timeline, variant } from './helpers';

const kiwi = preset('kiwi-stage-plus');
// Toronto is UTC-5 in November: business hours 08:30-16:30 local are 13:30-21:30Z.
const FRI_9 = '2026-11-20T14:00:00Z';

const metric = (d: ReturnType<typeof evaluate>, id: string) => {
  const m = d.metrics.find((x) => x.metric === id);
  if (!m) throw new Error(`no metric ${id}`);
  return m;
};

describe('priority', () => {
  test('from the impact x urgency matrix, with its reason', () => {
    const d = evaluate(kiwi, timeline({ id: '1', createdAt: FRI_9, fields: { impact: '2', urgency: '1', tier: 'plus' } }), FRI_9);
    expect(d.priority).toMatchObject({ id: 'P2', source: 'matrix', reason: 'Impact 2 x Urgency 1 → P2', zendesk: 'high', jira: 'High' });
    expect(d.tier).toEqual({ id: 'plus', label: 'Plus', tag: 'sla_tier_plus', fallback: false });
  });

  test('missing urgency leaves no priority and says what to fill in', () => {
    const d = evaluate(kiwi, timeline({ id: '1', createdAt: FRI_9, fields: { impact: '2' } }), FRI_9);
    expect(d.priority.id).toBeNull();
    expect(d.warnings).toContainEqual({ code: 'missing-fields', message: 'Fill in Urgency' });
    expect(d.metrics.every((m) => m.state === 'not_applicable')).toBe(true);
  });

  test('an override wins, and is reported with who, from, to and why', () => {
    const d = evaluate(
      kiwi,
      timeline({
        id: '1',
        createdAt: FRI_9,
        fields: { impact: '1', urgency: '2' },
        events: [{ type: 'override', at: '2026-11-20T14:10:00Z', by: 'lead@kiwi', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources' }],
      }),
      '2026-11-20T15:00:00Z',
    );
    expect(d.priority).toMatchObject({ id: 'P3', source: 'override', reason: 'Override by lead@kiwi: P2 → P3 (Client unable to provide the resources)' });
  });

  test('an override to a priority the policy lacks is ignored with a warning', () => {
    const d = evaluate(
      kiwi,
      timeline({ id: '1', createdAt: FRI_9, fields: { impact: '1', urgency: '2' }, events: [{ type: 'override', at: FRI_9, by: 'x', to: 'P9', reason: 'typo' }] }),
      FRI_9,
    );
    expect(d.priority.id).toBe('P2');
    expect(d.warnings.map((w) => w.code)).toContain('unknown-priority');
  });

  test('requester-chosen priority that the vendor reclassifies (Interopion)', () => {
    const p = preset('interopion');
    const d = evaluate(
      p,
      timeline({ id: '1', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P1' }, events: [{ type: 'field', at: '2026-03-02T15:20:00Z', field: 'priority', value: 'P2' }] }),
      '2026-03-02T15:30:00Z',
    );
    expect(d.priority).toMatchObject({ id: 'P2', source: 'requester' });
    // P2 is 4 business hours (07:00-18:00 Mountain, MST = UTC-7), recomputed from creation.
    expect(iso(metric(d, 'first_response').due!)).toBe('2026-03-02T19:00:00.000Z');
  });

  test('with reclassify: false the requester\'s Priority changes only through an Override', () => {
    const p = variant('interopion', (r) => (r.classification.reclassify = false));
    const events = [{ type: 'field' as const, at: '2026-03-02T15:20:00Z', field: 'priority' as const, value: 'P3' }];
    const tl = timeline({ id: '1', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P1' }, events });
    expect(evaluate(p, tl, '2026-03-02T15:30:00Z').priority.id).toBe('P1');
    const overridden = timeline({ id: '2', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P1' }, events: [...events, { type: 'override', at: '2026-03-02T15:25:00Z', by: 'lead', from: 'P1', to: 'P3', reason: 'Not an outage' }] });
    expect(evaluate(p, overridden, '2026-03-02T15:30:00Z').priority).toMatchObject({ id: 'P3', source: 'override' });
  });

  test('an unknown tier falls back to the default tier with a warning', () => {
    const d = evaluate(kiwi, timeline({ id: '1', createdAt: FRI_9, fields: { impact: '1', urgency: '1', tier: 'gold' } }), FRI_9);
    expect(d.tier).toMatchObject({ id: 'basic', fallback: true });
    expect(d.warnings).toContainEqual({ code: 'unknown-tier', message: 'Unknown tier "gold": using the default tier "Basic"' });
  });
});

describe('clock', () => {
  const base = { id: '1', createdAt: FRI_9, fields: { impact: '2', urgency: '2', tier: 'basic' } };

  test('running: due, elapsed and remaining in working and wall time', () => {
    const d = evaluate(kiwi, timeline(base), '2026-11-20T15:00:00Z');
    const fr = metric(d, 'first_response');
    expect(fr).toMatchObject({ state: 'running', target: '2h', calendar: 'business', elapsedWorkingMs: HOUR, remainingWorkingMs: HOUR, elapsedWallMs: HOUR, remainingWallMs: HOUR });
    expect(iso(fr.due!)).toBe('2026-11-20T16:00:00.000Z');
    // 2 business days from Friday 09:00 is Tuesday 09:00 local.
    expect(iso(metric(d, 'resolution').due!)).toBe('2026-11-24T14:00:00.000Z');
  });

  test('the first public agent reply stops the response clock; private and requester replies do not', () => {
    const d = evaluate(
      kiwi,
      timeline({
        ...base,
        events: [
          { type: 'reply', at: '2026-11-20T14:20:00Z', public: false, author: 'agent' },
          { type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'requester' },
          { type: 'reply', at: '2026-11-20T14:45:00Z', public: true, author: 'agent' },
        ],
      }),
      '2026-11-20T18:00:00Z',
    );
    expect(metric(d, 'first_response')).toMatchObject({ state: 'met', stoppedAt: T('2026-11-20T14:45:00Z'), elapsedWorkingMs: 45 * MIN });
  });

  test('at risk once 75% of the target is used', () => {
    expect(metric(evaluate(kiwi, timeline(base), '2026-11-20T15:29:00Z'), 'first_response').state).toBe('running');
    expect(metric(evaluate(kiwi, timeline(base), '2026-11-20T15:30:00Z'), 'first_response').state).toBe('at_risk');
  });

  test('an at-risk threshold as time left', () => {
    const p = variant('kiwi-stage-plus', (r) => (r.clock.atRisk = { remaining: '20m' }));
    expect(metric(evaluate(p, timeline(base), '2026-11-20T15:39:00Z'), 'first_response').state).toBe('running');
    expect(metric(evaluate(p, timeline(base), '2026-11-20T15:40:00Z'), 'first_response').state).toBe('at_risk');
  });

  test('breached at the due instant, with the breach time', () => {
    const d = evaluate(kiwi, timeline(base), '2026-11-20T16:00:00Z');
    expect(metric(d, 'first_response')).toMatchObject({ state: 'breached', breachAt: T('2026-11-20T16:00:00Z'), remainingWorkingMs: 0 });
  });

  test('a pending status pauses the clock and pushes the due', () => {
    const tl = timeline({
      ...base,
      events: [
        { type: 'field', at: '2026-11-20T14:30:00Z', field: 'status', value: 'pending' },
        { type: 'field', at: '2026-11-20T15:30:00Z', field: 'status', value: 'open' },
      ],
    });
    const paused = metric(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'), 'first_response');
    expect(paused).toMatchObject({ state: 'paused', elapsedWorkingMs: 30 * MIN, remainingWorkingMs: 90 * MIN });
    const resumed = metric(evaluate(kiwi, tl, '2026-11-20T16:00:00Z'), 'first_response');
    expect(resumed).toMatchObject({ state: 'running', elapsedWorkingMs: HOUR, elapsedWallMs: HOUR });
    expect(iso(resumed.due!)).toBe('2026-11-20T17:00:00.000Z');
  });

  test('solved late is a breach; solved in time is met', () => {
    const late = evaluate(kiwi, timeline({ ...base, events: [{ type: 'field', at: '2026-11-25T14:00:00Z', field: 'status', value: 'solved' }] }), '2026-11-26T00:00:00Z');
    expect(metric(late, 'resolution')).toMatchObject({ state: 'breached', breachAt: T('2026-11-24T14:00:00Z'), stoppedAt: T('2026-11-25T14:00:00Z') });
    const ok = evaluate(kiwi, timeline({ ...base, events: [{ type: 'solved', at: '2026-11-23T14:00:00Z' }] }), '2026-11-26T00:00:00Z');
    expect(metric(ok, 'resolution').state).toBe('met');
  });

  describe('reopening', () => {
    const events = [
      { type: 'solved' as const, at: '2026-11-20T15:00:00Z' },
      { type: 'reopened' as const, at: '2026-11-23T14:00:00Z' },
    ];
    test('resume (default): the time while solved does not count', () => {
      const m = metric(evaluate(kiwi, timeline({ ...base, events }), '2026-11-23T15:00:00Z'), 'resolution');
      expect(m).toMatchObject({ state: 'running', elapsedWorkingMs: 2 * HOUR, stoppedAt: null });
    });
    test('restart: a fresh clock from the reopening', () => {
      const p = variant('kiwi-stage-plus', (r) => (r.clock.reopen = 'restart'));
      const m = metric(evaluate(p, timeline({ ...base, events }), '2026-11-23T15:00:00Z'), 'resolution');
      expect(m).toMatchObject({ start: T('2026-11-23T14:00:00Z'), elapsedWorkingMs: HOUR });
    });
  });

  describe('a priority change', () => {
    const events = [{ type: 'field' as const, at: '2026-11-20T15:00:00Z', field: 'urgency' as const, value: '1' }];
    test('recompute (default): the new target counts from creation', () => {
      const m = metric(evaluate(kiwi, timeline({ ...base, fields: { ...base.fields, impact: '1', urgency: '2' }, events }), '2026-11-20T15:10:00Z'), 'first_response');
      // Now P1: 1h from 09:00 local, already breached at 10:00.
      expect(m).toMatchObject({ state: 'breached', start: T(FRI_9), target: '1h' });
    });
    test('restart: the new target counts from the change', () => {
      const p = variant('kiwi-stage-plus', (r) => (r.clock.priorityChange = 'restart'));
      const m = metric(evaluate(p, timeline({ ...base, fields: { ...base.fields, impact: '1', urgency: '2' }, events }), '2026-11-20T15:10:00Z'), 'first_response');
      expect(m).toMatchObject({ state: 'running', start: T('2026-11-20T15:00:00Z'), target: '1h' });
    });
  });

  test('events after "now" are not seen', () => {
    const tl = timeline({ ...base, events: [{ type: 'reply', at: '2026-11-20T15:30:00Z', public: true, author: 'agent' }] });
    expect(metric(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'), 'first_response').state).toBe('running');
    expect(metric(evaluate(kiwi, tl, '2026-11-20T16:00:00Z'), 'first_response').state).toBe('met');
  });

  test('Plus P1 runs on 24x7 while Basic P1 waits for business hours', () => {
    const sat = '2026-11-21T12:00:00Z';
    const plus = evaluate(kiwi, timeline({ id: '1', createdAt: sat, fields: { impact: '1', urgency: '1', tier: 'plus' } }), sat);
    expect(iso(metric(plus, 'first_response').due!)).toBe('2026-11-21T12:30:00.000Z');
    const basic = evaluate(kiwi, timeline({ id: '1', createdAt: sat, fields: { impact: '1', urgency: '1', tier: 'basic' } }), sat);
    expect(iso(metric(basic, 'first_response').due!)).toBe('2026-11-23T14:30:00.000Z');
  });
});

describe('categories', () => {
  test('a feature request carries no SLA', () => {
    const d = evaluate(kiwi, timeline({ id: '1', createdAt: FRI_9, fields: { impact: '1', urgency: '1', category: 'feature_request' } }), FRI_9);
    expect(d.metrics.map((m) => m.state)).toEqual(['not_applicable', 'not_applicable']);
    expect(d.warnings).toContainEqual({ code: 'no-sla', message: 'Feature request: no SLA applies' });
  });

  test('SCALE data issues: findings within 48 hours, met by a met event', () => {
    const scale = preset('scale');
    const tl = timeline({ id: '1', createdAt: '2026-03-02T10:00:00Z', fields: { priority: 'normal', category: 'data_issue' }, events: [{ type: 'met', at: '2026-03-03T10:00:00Z', metric: 'findings' }] });
    const before = evaluate(scale, tl, '2026-03-02T12:00:00Z');
    expect(iso(metric(before, 'findings').due!)).toBe('2026-03-04T10:00:00.000Z');
    expect(metric(before, 'findings').state).toBe('running');
    expect(metric(evaluate(scale, tl, '2026-03-05T00:00:00Z'), 'findings').state).toBe('met');
    expect(metric(before, 'resolution').state).toBe('not_applicable');
  });

  test('SCALE urgent bugs: resolved within 24 hours', () => {
    const d = evaluate(preset('scale'), timeline({ id: '1', createdAt: '2026-03-02T10:00:00Z', fields: { priority: 'urgent' } }), '2026-03-02T12:00:00Z');
    expect(iso(metric(d, 'resolution').due!)).toBe('2026-03-03T10:00:00.000Z');
  });
});

describe('coverage (seed 004)', () => {
  const p = preset('bespoke-s1-s5');
  const sat = '2026-03-07T10:00:00Z';
  test('S1 is worked at the weekend', () => {
    const d = evaluate(p, timeline({ id: '1', createdAt: sat, fields: { priority: 'S1' } }), sat);
    expect(iso(metric(d, 'first_response').due!)).toBe('2026-03-07T11:00:00.000Z');
  });
  test('S3 submitted on Saturday is held over to Monday office hours', () => {
    const d = evaluate(p, timeline({ id: '1', createdAt: sat, fields: { priority: 'S3' } }), sat);
    expect(iso(metric(d, 'first_response').due!)).toBe('2026-03-09T13:00:00.000Z');
  });
  test('S2 is worked out of hours on a weekday night, not at the weekend', () => {
    const d = evaluate(p, timeline({ id: '1', createdAt: '2026-03-03T22:00:00Z', fields: { priority: 'S2' } }), '2026-03-03T22:00:00Z');
    expect(iso(metric(d, 'first_response').due!)).toBe('2026-03-04T00:00:00.000Z');
  });
  test('S1 on a bank holiday is worked; S3 waits', () => {
    const easter = '2026-04-06T10:00:00Z';
    expect(iso(metric(evaluate(p, timeline({ id: '1', createdAt: easter, fields: { priority: 'S1' } }), easter), 'first_response').due!)).toBe('2026-04-06T11:00:00.000Z');
    // Easter Monday is a bank holiday; Tuesday office opens 09:00 BST (08:00Z), +4h.
    expect(iso(metric(evaluate(p, timeline({ id: '1', createdAt: easter, fields: { priority: 'S3' } }), easter), 'first_response').due!)).toBe('2026-04-07T12:00:00.000Z');
  });
});

describe('maintenance windows and entitlements', () => {
  test('the Interopion maintenance window is reported while it is on', () => {
    const p = preset('interopion');
    const tl = timeline({ id: '1', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P3' } });
    // 20:00 Mountain (MST, UTC-7) is 03:00Z; the window ends at 04:00 local, 11:00Z.
    const on = evaluate(p, tl, '2026-03-03T03:00:00Z').maintenance[0];
    expect(on).toMatchObject({ active: true, until: T('2026-03-03T11:00:00Z') });
    const off = evaluate(p, tl, '2026-03-03T18:00:00Z').maintenance[0];
    expect(off).toMatchObject({ active: false, next: T('2026-03-04T02:00:00Z') });
  });

  test('Scalr: too many designated contacts, an undesignated requester, an old version', () => {
    const d = evaluate(
      preset('scalr'),
      timeline({
        id: '1',
        createdAt: '2026-03-02T15:00:00Z',
        fields: { priority: 'Sev2', tier: 'standard' },
        requester: { designated: false },
        organization: { designatedContacts: 3 },
        product: { version: '8.1', releasedAt: '2025-01-15' },
      }),
      '2026-03-02T15:00:00Z',
    );
    expect(d.warnings.map((w) => w.code)).toEqual(['not-designated', 'too-many-contacts', 'unsupported-version']);
    expect(d.warnings[1].message).toBe('The organization has 3 designated contacts; the tier allows 2');
    expect(d.warnings[2].message).toBe('Version 8.1 was released more than 12 months ago: consultative support only');
  });
});

describe('timeline validation', () => {
  test('an instant without an offset is refused: it would be read in the machine zone', () => {
    const r = TimelineSchema.safeParse({ id: '1', createdAt: '2026-03-02T10:00:00' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['createdAt'], message: expect.stringContaining('with a zone offset') });
  });

  test('an override without a reason is refused', () => {
    const r = TimelineSchema.safeParse({ id: '1', createdAt: FRI_9, events: [{ type: 'override', at: FRI_9, by: 'x', to: 'P1', reason: '  ' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['events', 0, 'reason'], message: 'an override needs a reason' });
  });
});

test('evaluate is deterministic', () => {
  const tl = timeline({ id: '1', createdAt: FRI_9, fields: { impact: '2', urgency: '2' } });
  expect(evaluate(kiwi, tl, '2026-11-20T15:00:00Z')).toEqual(evaluate(kiwi, tl, T('2026-11-20T15:00:00Z')));
});

test('a timeline that gains events after an evaluation is evaluated afresh', () => {
  const tl = timeline({ id: '1', createdAt: FRI_9, fields: { impact: '2', urgency: '2' } });
  expect(metric(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'), 'first_response').state).toBe('running');
  tl.events.push({ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' });
  expect(metric(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'), 'first_response').state).toBe('met');
});

test('events given out of order are taken in time order', () => {
  const tl = timeline({
    id: '1',
    createdAt: FRI_9,
    fields: { impact: '2', urgency: '2' },
    events: [
      { type: 'field', at: '2026-11-20T14:40:00Z', field: 'status', value: 'open' },
      { type: 'field', at: '2026-11-20T14:10:00Z', field: 'status', value: 'pending' },
    ],
  });
  expect(metric(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'), 'first_response').elapsedWorkingMs).toBe(30 * MIN);
});

test('worstState is the most urgent metric state, what the hosts write as the SLA state', () => {
  const tl = timeline({ id: '1', createdAt: FRI_9, fields: { impact: '2', urgency: '2' } });
  expect(worstState(evaluate(kiwi, tl, '2026-11-20T15:00:00Z'))).toBe('running');
  expect(worstState(evaluate(kiwi, tl, '2026-11-20T16:00:00Z'))).toBe('breached');
  expect(worstState(evaluate(kiwi, timeline({ id: '2', createdAt: FRI_9 }), FRI_9))).toBe('not_applicable');
});

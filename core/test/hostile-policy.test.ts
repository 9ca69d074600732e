import { Calendar } from '../src/calendar';
import { parseDuration } from '../src/duration';
import { decisionToJSON, evaluate, worstState } from '../src/evaluate';
import { LIMITS, MAX_ID_LENGTH, MAX_POLICY_BYTES } from '../src/limits';
import { checkPolicyText } from '../src/lint';
import { parsePolicy } from '../src/parse';
import { compilePolicy } from '../src/policy';
import { ticketView } from '../src/view';
import { errorsOf, preset, timeline, variantText } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { largestPolicy } = require('./fixtures/largest-policy.cjs') as { largestPolicy(limits: typeof LIMITS): Record<string, any> };

/** Policies that pass `sla check` must be safe to run: issue 12's hostile inputs. */

const kiwi = (change: (p: any) => void) => variantText('kiwi-stage-plus', change);

describe('absurd targets are bounded and refused with their path', () => {
  test.each([
    ['1e308 (a number)', 1e308],
    ['"99999999999999h"', '99999999999999h'],
    ['1e15 (a number)', 1e15],
    ['one hour past 10 years', `${10 * 365 * 24 + 1}h`],
    ['one day past 10 years of business days', `${10 * 365 + 1}d`],
  ])('%s', (_, value) => {
    const errors = errorsOf(kiwi((p) => (p.tiers.plus.targets.P1.resolution = value)));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^tiers\.plus\.targets\.P1\.resolution: /);
  });

  test('10 years is the longest target, and it evaluates', () => {
    const text = kiwi((p) => (p.tiers.plus.targets.P1.resolution = { in: `${10 * 365 * 24}h`, calendar: '24x7' }));
    expect(errorsOf(text)).toEqual([]);
    const d = evaluate(parsePolicy(text).policy!, timeline({ id: '1', createdAt: '2026-01-05T14:00:00Z', fields: { impact: '1', urgency: '1', tier: 'plus' } }), '2026-01-06T00:00:00Z');
    expect(d.metrics.find((m) => m.metric === 'resolution')!).toMatchObject({ state: 'running', due: Date.parse('2036-01-03T14:00:00Z') });
  });

  test('a target needing more than 10 years of its calendar\'s working time is refused with its path', () => {
    const sparse = (p: any) => (p.calendars.sparse = { zone: 'UTC', hours: { mon: ['09:00-09:10'] } });
    expect(errorsOf(kiwi((p) => (sparse(p), (p.tiers.plus.targets.P1.resolution = { in: '100h', calendar: 'sparse' }))))).toEqual([
      'tiers.plus.targets.P1.resolution: 100h would take about 12 years on calendar sparse, which has 9 working hours a year; the most a target may take is 10 years',
    ]);
    expect(errorsOf(kiwi((p) => (sparse(p), (p.categories = { incident: { label: 'I', targets: { resolution: { in: '600d', calendar: 'sparse' } } } }))))).toEqual([
      expect.stringMatching(/^categories\.incident\.targets\.resolution: 600d would take about 12 years on calendar sparse, which has 52 working days a year/),
    ]);
    expect(errorsOf(kiwi((p) => (sparse(p), (p.tiers.plus.targets.P1.resolution = { in: '80h', calendar: 'sparse' }))))).toEqual([]);
  });

  test('the same bound holds inside { in: ... } and for atRisk.remaining', () => {
    expect(errorsOf(kiwi((p) => (p.tiers.plus.targets.P1.resolution = { in: '99999999999999h' })))).toEqual([
      expect.stringMatching(/^tiers\.plus\.targets\.P1\.resolution(\.in)?: .*longer than the longest target/),
    ]);
    expect(errorsOf(kiwi((p) => (p.clock = { atRisk: { remaining: '99999999999999h' } })))[0]).toMatch(/^clock\.atRisk/);
  });

  test('a too-long target that got past sla check stops evaluation after a dozen years, not at 2200', () => {
    // parsePolicy alone (as the Zendesk service reads SLA_POLICY) does not lint.
    const { policy } = parsePolicy(kiwi((p) => {
      p.calendars.sparse = { zone: 'UTC', hours: { mon: ['09:00-09:10'] } };
      p.tiers.plus.targets.P1.resolution = { in: '87600h', calendar: 'sparse' };
    }));
    const tl = timeline({ id: '1', createdAt: '2026-01-05T14:00:00Z', fields: { impact: '1', urgency: '1', tier: 'plus' } });
    expect(() => evaluate(policy!, tl, '2026-01-06T00:00:00Z')).toThrow('the target takes more than 12 years on calendar "sparse"');
  });

  test('a unit is required: "1 hour" and a bare 60 are refused', () => {
    expect(errorsOf(kiwi((p) => (p.tiers.plus.targets.P1.resolution = '1 hour')))).toEqual([
      'tiers.plus.targets.P1.resolution: expected a duration like 30m, 4h, 1h30m, 2d, none or agreement; got "1 hour"',
    ]);
    expect(errorsOf(kiwi((p) => (p.tiers.plus.targets.P1.resolution = 60)))).toEqual([
      'tiers.plus.targets.P1.resolution: expected a duration with a unit, like 30m or 4h; got the bare number 60',
    ]);
    expect(parseDuration(60)).toBeNull();
    expect(parseDuration('2 business days')).toMatchObject({ kind: 'days', days: 2 });
  });

  test.each([
    ['designated contacts', (p: any) => (p.tiers.plus.entitlements = { designatedContacts: 1e15 }), 'tiers.plus.entitlements.designatedContacts'],
    ['supported months', (p: any) => (p.tiers.plus.entitlements = { supportedVersionMonths: 1e9 }), 'tiers.plus.entitlements.supportedVersionMonths'],
    ['a speed claim factor', (p: any) => (p.tiers.plus.claims = { fasterThan: 'basic', factor: 1e308 }), 'tiers.plus.claims.factor'],
    ['holiday years', (p: any) => (p.calendars[Object.keys(p.calendars)[0]].holidaysFrom = { region: 'US', years: [99999] }), 'holidaysFrom.years[0]'],
  ])('counts are capped too: %s', (_, change, path) => {
    const errors = errorsOf(kiwi(change));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${path}: `);
  });
});

const BUILT_INS = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** A policy whose every id is `n`: tier, category, priority, metric, calendar, levels, coverage. */
const allNamed = (n: string) => ({
  sla: 1,
  id: 'p',
  name: 'p',
  classification: { method: 'matrix', impact: [{ id: n, label: 'I' }], urgency: [{ id: n, label: 'U' }], matrix: { [n]: { [n]: n } } },
  priorities: { [n]: { label: 'P', zendesk: 'high', jira: 'High' } },
  metrics: { [n]: { label: 'M', stopsAt: 'solved' } },
  calendars: { [n]: { zone: 'UTC', hours: { weekdays: ['09:00-17:00'] } } },
  calendar: n,
  categories: { [n]: { label: 'C' } },
  defaultCategory: n,
  tiers: { [n]: { label: 'T', calendar: n, claims: { fasterThan: n, factor: 1 }, targets: { [n]: { [n]: { in: '4h', calendar: n } } } } },
  defaultTier: n,
  coverage: { [n]: [n] },
  maintenance: [{ label: 'm', calendar: n }],
});

describe('built-in property names as ids never reach Object.prototype', () => {
  // Each id-bearing field pointing at a name the policy does not define: an "unknown" error with
  // the field's path, never a pass (Object.prototype has them all) and never a crash.
  const references: [string, (p: any, n: string) => void, string][] = [
    ['defaultTier', (p, n) => (p.defaultTier = n), 'defaultTier'],
    ['defaultCategory', (p, n) => (p.defaultCategory = n), 'defaultCategory'],
    ['claims.fasterThan', (p, n) => (p.tiers.plus.claims = { fasterThan: n, factor: 2 }), 'tiers.plus.claims.fasterThan'],
    ['a tier calendar', (p, n) => (p.tiers.plus.calendar = n), 'tiers.plus.calendar'],
    ['the policy calendar', (p, n) => (p.calendar = n), 'calendar'],
    ['a target calendar', (p, n) => (p.tiers.plus.targets.P1.resolution = { in: '4h', calendar: n }), 'tiers.plus.targets.P1.resolution.calendar'],
    ['a target priority', (p, n) => (p.tiers.plus.targets[n] = { resolution: '4h' }), `tiers.plus.targets.NAME`],
    ['a target metric', (p, n) => (p.tiers.plus.targets.P1[n] = '4h'), 'tiers.plus.targets.P1.NAME'],
    ['a category target metric', (p, n) => (p.categories = { incident: { label: 'I', targets: { [n]: '4h' } } }), 'categories.incident.targets.NAME'],
    ['a coverage priority', (p, n) => (p.coverage = { [n]: ['24x7'] }), 'coverage.NAME'],
    ['a coverage calendar', (p, n) => (p.coverage = { P1: [n] }), 'coverage.P1'],
    ['a matrix priority', (p, n) => (p.classification.matrix['1']['1'] = n), 'classification.matrix.1.1'],
    ['a matrix impact', (p, n) => (p.classification.matrix[n] = { '1': 'P1' }), 'classification.matrix.NAME'],
    ['a maintenance calendar', (p, n) => (p.maintenance = [{ label: 'm', calendar: n }]), 'maintenance[0].calendar'],
  ];
  describe.each(BUILT_INS)('%s', (n) => {
    test.each(references)('as %s that is not defined: refused with its path', (_, change, path) => {
      let result!: ReturnType<typeof checkPolicyText>;
      expect(() => (result = checkPolicyText(kiwi((p) => change(p, n))))).not.toThrow();
      const errors = result.problems.filter((p) => p.level === 'error').map((p) => p.path);
      expect(errors).toContain(path.replace('NAME', n));
    });

    test('as every id at once: checks, compiles, evaluates and renders', () => {
      const { policy, problems } = checkPolicyText(JSON.stringify(allNamed(n)));
      expect(problems.filter((p) => p.level === 'error')).toEqual([]);
      compilePolicy(policy!);
      const d = evaluate(policy!, timeline({ id: '1', createdAt: '2026-01-05T10:00:00Z', fields: { impact: n, urgency: n, tier: n, category: n } }), '2026-01-05T12:00:00Z');
      expect(d.priority.id).toBe(n);
      expect(d.tier.id).toBe(n);
      expect(d.category.id).toBe(n);
      expect(d.metrics[0]).toMatchObject({ metric: n, state: 'running', target: '4h', calendar: n });
      expect(ticketView(d, 'en').metrics).toHaveLength(1);
      expect(decisionToJSON(d).metrics[0].due).toBe('2026-01-05T14:00:00.000Z');
    });

    test('as ticket field values the policy does not know: warnings, not a crash', () => {
      const d = evaluate(preset('kiwi-stage-plus'), timeline({
        id: '1',
        createdAt: '2026-01-05T10:00:00Z',
        fields: { impact: n, urgency: n, tier: n, category: n, priority: n },
        events: [{ type: 'override', at: '2026-01-05T10:30:00Z', by: 'lead', to: n, reason: 'r' }],
      }), '2026-01-05T12:00:00Z');
      expect(d.priority.id).toBeNull();
      expect(d.tier).toMatchObject({ id: 'basic', fallback: true });
      expect(d.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['unknown-tier', 'unknown-category', 'unknown-priority']));
      expect(worstState(d)).toBe('not_applicable');
    });
  });

  test.each(BUILT_INS)('an override to %s is ignored: the priority and its clocks stay', (n) => {
    const d = evaluate(preset('kiwi-stage-plus'), timeline({
      id: '1',
      createdAt: '2026-01-05T14:00:00Z',
      fields: { impact: '1', urgency: '1', tier: 'plus' },
      events: [{ type: 'override', at: '2026-01-05T14:10:00Z', by: 'lead', to: n, reason: 'r' }],
    }), '2026-01-05T14:20:00Z');
    expect(d.priority.id).toBe('P1');
    expect(d.metrics.map((m) => m.state)).not.toContain('not_applicable');
  });

  test('"__proto__" as a name is refused with its path, not dropped', () => {
    const text = kiwi((p) => Object.defineProperty(p.tiers, '__proto__', { value: { label: 'x' }, enumerable: true }));
    expect(text).toContain('"__proto__"');
    expect(errorsOf(text)).toEqual(['tiers.__proto__: "__proto__" cannot be a name in a policy']);
  });
});

describe('policy size is capped at 1 MB', () => {
  test('a policy over 1 MB is refused before it is parsed, in bytes not characters', () => {
    const padding = (n: number, ch: string) => `\n# ${ch.repeat(n)}\n`;
    const base = kiwi(() => undefined);
    expect(parsePolicy(base + padding(MAX_POLICY_BYTES, 'x')).problems).toEqual([
      { level: 'error', path: '', message: 'the policy is larger than 1 MB, the most SLA Desk accepts' },
    ]);
    // 400,000 euro signs are 1.2 MB in UTF-8 though only 400,000 characters.
    expect(checkPolicyText(base + padding(400_000, '€')).problems[0].message).toContain('larger than 1 MB');
    expect(parsePolicy(base + padding(300_000, '€')).problems).toEqual([]);
  });
});

describe('lint cost is bounded by what the schema accepts', () => {
  const largest = () => largestPolicy(LIMITS);

  test('the largest policy the schema accepts is accepted, and fits in 1 MB', () => {
    const text = JSON.stringify(largest());
    expect(text.length).toBeLessThan(MAX_POLICY_BYTES);
    expect(parsePolicy(text).problems).toEqual([]);
  });

  test('a check builds each calendar once, not once per target', () => {
    const spy = jest.spyOn(Calendar.prototype, 'averageDayMs');
    try {
      const { problems } = checkPolicyText(JSON.stringify(largest()));
      expect(problems.filter((p) => p.level === 'error')).toEqual([]);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(LIMITS.calendars + 1);
    } finally {
      spy.mockRestore();
    }
  });

  const over: [string, (p: any) => void, string][] = [
    ['tiers', (p) => (p.tiers.extra = { label: 'x' }), `tiers: at most ${LIMITS.tiers} tiers`],
    ['priorities', (p) => (p.priorities.extra = { label: 'x', zendesk: 'low', jira: 'Low' }), `priorities: at most ${LIMITS.priorities} priorities`],
    ['metrics', (p) => (p.metrics.extra = { label: 'x', stopsAt: 'solved' }), `metrics: at most ${LIMITS.metrics} metrics`],
    ['calendars', (p) => (p.calendars.extra = '24x7'), `calendars: at most ${LIMITS.calendars} calendars`],
    ['categories', (p) => (p.categories.extra = { label: 'x' }), `categories: at most ${LIMITS.categories} categories`],
    ['windows a day', (p) => (p.calendars.cal0.hours.daily = ['23:50-23:55']), `calendars.cal0.hours: at most ${LIMITS.windowsPerDay} windows a day`],
    ['holidays', (p) => p.calendars.cal0.holidays.push(...Array.from({ length: 501 }, () => '2030-01-01')), `calendars.cal0.holidays: at most ${LIMITS.holidaysPerCalendar} holidays`],
    ['impact levels', (p) => (p.classification.impact = [...p.classification.impact, { id: 'x', label: 'x' }]), 'classification.impact: '],
  ];
  test.each(over)('one more than the cap on %s is refused with its path', (_, change, expected) => {
    const raw = largest();
    change(raw);
    const errors = parsePolicy(JSON.stringify(raw)).problems.map((p) => `${p.path}: ${p.message}`);
    expect(errors).toEqual([expect.stringContaining(expected)]);
  });
});

describe('ids are at most MAX_ID_LENGTH characters, refused with their path', () => {
  const long = 'm'.repeat(MAX_ID_LENGTH + 1);
  test('a Metric id one character too long', () => {
    const errors = errorsOf(
      kiwi((p) => {
        p.metrics[long] = p.metrics.first_response;
        delete p.metrics.first_response;
      }),
    );
    expect(errors.some((e) => e.startsWith(`metrics.${long}: `) && e.includes(`at most ${MAX_ID_LENGTH} characters`))).toBe(true);
  });

  test('a key that is no id says why, not only that it is invalid', () => {
    const errors = errorsOf(kiwi((p) => (p.tiers['plus tier'] = { ...p.tiers.basic, label: 'Spaced' })));
    expect(errors).toEqual(['tiers.plus tier: expected an id: letters, digits, _ . -']);
  });

  test('an id of exactly MAX_ID_LENGTH characters is a tier like any other', () => {
    const tier = 't'.repeat(MAX_ID_LENGTH);
    expect(errorsOf(kiwi((p) => (p.tiers[tier] = { ...p.tiers.basic, label: 'Long' })))).toEqual([]);
  });
});

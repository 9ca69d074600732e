import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { evaluate } from '../src/evaluate';
import * as core from '../src/index';
import { checkPolicyText, validatePolicyText } from '../src/lint';
import { parsePolicy } from '../src/parse';
import { PolicyError } from '../src/policy';
import { listPresets, loadPolicy } from '../src/presets';
import { errorsOf, presetRaw, timeline, variantText } from './helpers';

/** Issue 17, points 7, 20 and 21: one validation for every entry point, and what it now refuses. */

const kiwi = (change: (p: any) => void) => variantText('kiwi-stage-plus', change);

describe('validatePolicyText: the one validation', () => {
  test('a lint error (defaultTier: constructor) gives problems and no policy', () => {
    const r = validatePolicyText(kiwi((p) => (p.defaultTier = 'constructor')));
    expect(r.policy).toBeUndefined();
    expect(r.problems.filter((p) => p.level === 'error')).toEqual([expect.objectContaining({ path: 'defaultTier', code: 'unknown-tier' })]);
    // The schema alone accepts it: that is what let it through before.
    expect(parsePolicy(kiwi((p) => (p.defaultTier = 'constructor'))).policy).toBeDefined();
  });

  test('warnings and assumptions keep the policy and are all listed', () => {
    const r = validatePolicyText(kiwi((p) => delete p.tiers.basic.targets.P4));
    expect(r.policy).toBeDefined();
    expect(r.problems.map((p) => p.level)).toEqual(expect.arrayContaining(['warning', 'assumption']));
    expect(r.problems.some((p) => p.level === 'error')).toBe(false);
  });

  test('schema errors come back as they did, without a policy', () => {
    const r = validatePolicyText(kiwi((p) => (p.sla = 2)));
    expect(r).toEqual({ problems: [expect.objectContaining({ level: 'error', path: 'sla' })] });
  });

  test('checkPolicyText is the same function, and both are exported from the core', () => {
    expect(checkPolicyText).toBe(validatePolicyText);
    expect(core.validatePolicyText).toBe(validatePolicyText);
    expect(core.checkPolicyText).toBe(validatePolicyText);
  });

  test('loadPolicy (the CLI\'s --policy) refuses a lint error with the file and the path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sla-load-')), 'p.json');
    writeFileSync(file, kiwi((p) => (p.defaultTier = 'constructor')));
    let error: unknown;
    try {
      loadPolicy(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ source: file, problems: [expect.objectContaining({ path: 'defaultTier' })] });
  });

  test.each(listPresets().map((p) => p.id))('the preset %s still loads', (id) => {
    expect(loadPolicy(id).id).toBe(id);
  });
});

describe('a Clock on calendars that never work weekly is an error (point 20)', () => {
  const feasts = { zone: 'Europe/London', hours: {}, holidays: ['2026-12-25', { date: '2026-12-26', name: 'Boxing Day' }], holidayHours: ['00:00-24:00'] };
  const message = 'calendars.feasts works only on its 2 holiday(s) (holidayHours), the last on 2026-12-26';

  test.each([
    ['a tier calendar', (p: any) => (p.tiers.plus.calendar = 'feasts'), 'tiers.plus.calendar'],
    ['the default calendar', (p: any) => (p.calendar = 'feasts'), 'calendar'],
    ['a target calendar', (p: any) => (p.tiers.plus.targets.P1.resolution = { in: '4h', calendar: 'feasts' }), 'tiers.plus.targets.P1.resolution.calendar'],
    ['a coverage of its own', (p: any) => (p.coverage = { P1: ['feasts'] }), 'coverage.P1'],
    ['a maintenance window', (p: any) => (p.maintenance = [{ label: 'm', calendar: 'feasts' }]), 'maintenance[0].calendar'],
    ['the triage clock', (p: any) => (p.triage = { in: '1h', calendar: 'feasts' }), 'triage.calendar'],
  ])('used as %s: refused with its path and the calendar\'s', (_, use, path) => {
    const errors = errorsOf(kiwi((p) => ((p.calendars.feasts = feasts), use(p))));
    expect(errors).toEqual([expect.stringContaining(`${path}: ${message}`)]);
  });

  test('such a calendar used alone does fail every evaluation after its last holiday', () => {
    const { policy } = parsePolicy(kiwi((p) => ((p.calendars.feasts = feasts), (p.maintenance = [{ label: 'm', calendar: 'feasts' }]))));
    expect(() => evaluate(policy!, timeline({ id: '1', createdAt: '2027-03-01T10:00:00Z' }), '2027-03-01T11:00:00Z')).toThrow('no working time within 8 years');
  });

  test('in a coverage union beside a weekly calendar it is what it is for, and evaluates', () => {
    const text = kiwi((p) => {
      p.calendars.feasts = feasts;
      p.calendars.office = { zone: 'Europe/London', hours: { weekdays: ['09:00-17:00'] } };
      p.tiers.plus.targets.P1.resolution = { in: '4h', calendar: ['office', 'feasts'] };
    });
    expect(errorsOf(text)).toEqual([]);
    // A Monday in 2027, after the last holiday: the office's hours carry the Clock.
    const d = evaluate(validatePolicyText(text).policy!, timeline({ id: '1', createdAt: '2027-03-01T10:00:00Z', fields: { impact: '1', urgency: '1', tier: 'plus' } }), '2027-03-01T10:05:00Z');
    expect(d.priority.id).toBe('P1');
    expect(d.metrics.find((m) => m.metric === 'resolution')).toMatchObject({ calendar: 'office+feasts', state: 'running', due: Date.parse('2027-03-01T14:00:00Z') });
  });

  test('unused, or with no working time at all and unused, it stays a warning at most', () => {
    expect(errorsOf(kiwi((p) => (p.calendars.feasts = feasts)))).toEqual([]);
    expect(errorsOf(kiwi((p) => (p.calendars.spare = { zone: 'UTC', hours: {} })))).toEqual([]);
    expect(errorsOf(kiwi((p) => ((p.calendars.spare = { zone: 'UTC', hours: {} }), (p.tiers.plus.calendar = 'spare'))))).toContainEqual(
      expect.stringContaining('tiers.plus.calendar: calendars.spare has no working time: a Clock on it alone runs out of working time'),
    );
  });
});

describe('ids that are one tag or one due field on the hosts are refused (point 21)', () => {
  test.each([
    ['tiers plus and Plus', (p: any) => (p.tiers.Plus = { label: 'P', targets: {} }), 'tiers.Plus: tier "Plus" is the same tag sla_tier_plus as tiers.plus'],
    ['tiers plus-x and plus_x', (p: any) => ((p.tiers['plus-x'] = { label: 'a' }), (p.tiers.plus_x = { label: 'b' })), 'tiers.plus_x: tier "plus_x" is the same tag sla_tier_plus_x as tiers.plus-x'],
    ['tiers plus.x and plus_x', (p: any) => ((p.tiers['plus.x'] = { label: 'a' }), (p.tiers.plus_x = { label: 'b' })), 'tiers.plus_x: tier "plus_x" is the same tag sla_tier_plus_x as tiers.plus.x'],
    ['metrics first_response and First-Response', (p: any) => (p.metrics['First-Response'] = { label: 'F', stopsAt: 'solved' }), 'metrics.First-Response: metric "First-Response" is the same due field sla_due_first_response as metrics.first_response'],
    ['priorities P1 and p1', (p: any) => (p.priorities.p1 = { ...p.priorities.P1 }), 'priorities.p1: priority "p1" is the same tag sla_priority_p1 as priorities.P1'],
    ['categories', (p: any) => (p.categories = { bug: { label: 'a' }, BUG: { label: 'b' } }), 'categories.BUG: category "BUG" is the same tag sla_category_bug as categories.bug'],
    ['impact levels', (p: any) => p.classification.impact.push({ id: String(p.classification.impact[0].id), label: 'again' }), `is the same tag sla_impact_`],
    ['urgency levels x-1 and X_1', (p: any) => p.classification.urgency.push({ id: 'x-1', label: 'a' }, { id: 'X_1', label: 'b' }), `urgency "X_1" is the same tag sla_urgency_x_1 as classification.urgency[`],
  ])('%s', (_, change, expected) => {
    const errors = errorsOf(kiwi(change)).filter((e) => e.includes('on the hosts'));
    expect(errors).toEqual([expect.stringContaining(expected)]);
    expect(errors[0]).toContain('on the hosts: ids must differ in more than case and - . _');
  });

  test('the presets have none', () => {
    for (const { id } of listPresets()) expect([id, errorsOf(JSON.stringify(presetRaw(id)))]).toEqual([id, []]);
  });
});

import { parsePolicy } from '../src/parse';
import { checkPolicyText, lintPolicy } from '../src/lint';
import { listPresets, loadPolicy, DEFAULT_PRESET } from '../src/presets';
import { parseDuration } from '../src/duration';
import { preset, presetRaw, presetText } from './helpers';

const problemsOf = (change: (p: any) => void) => {
  const raw: any = presetRaw('kiwi-stage-plus');
  change(raw);
  return parsePolicy(JSON.stringify(raw)).problems.map((p) => `${p.path}: ${p.message}`);
};

const lintOf = (change: (p: any) => void) => {
  const raw: any = presetRaw('kiwi-stage-plus');
  change(raw);
  const { policy, problems } = parsePolicy(JSON.stringify(raw));
  if (!policy) throw new Error(problems.map((p) => p.message).join());
  return lintPolicy(policy);
};

describe('durations', () => {
  test.each([
    ['30m', { kind: 'working', ms: 30 * 60_000 }],
    ['4h', { kind: 'working', ms: 4 * 3_600_000 }],
    ['4hr', { kind: 'working', ms: 4 * 3_600_000 }],
    ['1h30m', { kind: 'working', ms: 90 * 60_000 }],
    ['2d', { kind: 'days', days: 2 }],
    ['none', { kind: 'none' }],
    ['agreement', { kind: 'agreement' }],
  ])('%s', (text, expected) => {
    expect(parseDuration(text)).toMatchObject(expected);
  });

  test.each(['', 'soon', '2w', '-1h', '1.5d'])('rejects %p', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('schema errors name their path', () => {
  test('a bad target', () => {
    expect(problemsOf((p) => (p.tiers.plus.targets.P1.resolution = 'fast'))).toEqual([
      'tiers.plus.targets.P1.resolution: expected a duration like 30m, 4h, 1h30m, 2d, none or agreement; got "fast"',
    ]);
  });

  test('a bad zone, window, date and enum', () => {
    expect(
      problemsOf((p) => {
        p.calendars.business.zone = 'Mars/Base';
        p.calendars.business.hours.weekdays = ['25:00-26:00'];
        p.calendars.business.holidays[0] = '2026-02-30';
        p.priorities.P1.zendesk = 'critical';
      }),
    ).toEqual(
      expect.arrayContaining([
        'calendars.business.zone: expected an IANA time zone like Europe/Berlin',
        'calendars.business.hours.weekdays[0]: "25:00-26:00" is not a time of day between 00:00 and 24:00',
        'calendars.business.holidays[0]: "2026-02-30" is not a real date',
        'priorities.P1.zendesk: expected a Zendesk priority: low, normal, high or urgent',
      ]),
    );
  });

  test('an unknown field is named', () => {
    expect(problemsOf((p) => (p.tiers.plus.targets.P2.resolution = { in: '3h', calender: 'business' }))).toEqual([
      'tiers.plus.targets.P2.resolution.calender: unknown field',
    ]);
  });

  test('broken YAML gives its line and column', () => {
    const { problems } = parsePolicy('sla: 1\ntiers: [a,\n');
    expect(problems[0].path).toMatch(/^line \d+, column \d+$/);
    expect(problems[0].message).toMatch(/^not valid YAML or JSON/);
  });

  test('JSON is accepted as well as YAML', () => {
    const json = JSON.stringify(presetRaw('scale'));
    expect(parsePolicy(json).problems).toEqual([]);
  });
});

describe('lint', () => {
  test('KIWI: the P3 resolution shorter than its response, and the broken "2X faster"', () => {
    const found = lintPolicy(preset('kiwi-stage-plus')).filter((p) => p.level === 'warning');
    expect(found.map((p) => [p.code, p.path])).toEqual([
      ['resolution-before-response', 'tiers.basic.targets.P3.resolution'],
      ['speed-claim-broken', 'tiers.plus.targets.P3.resolution'],
    ]);
  });

  test('an incomplete matrix', () => {
    const found = lintOf((p) => delete p.classification.matrix['3']['4']);
    expect(found).toContainEqual(expect.objectContaining({ level: 'warning', code: 'incomplete-matrix', path: 'classification.matrix.3.4' }));
  });

  test('a matrix cell naming an unknown priority is an error', () => {
    const found = lintOf((p) => (p.classification.matrix['1']['1'] = 'P0'));
    expect(found).toContainEqual(expect.objectContaining({ level: 'error', path: 'classification.matrix.1.1', message: expect.stringContaining('unknown priority "P0"') }));
  });

  test('a priority without targets', () => {
    const found = lintOf((p) => delete p.tiers.basic.targets.P4);
    expect(found).toContainEqual(expect.objectContaining({ code: 'priority-without-targets', path: 'tiers.basic.targets.P4' }));
  });

  test('a calendar with no working time', () => {
    const found = lintOf((p) => (p.calendars.spare = { zone: 'UTC', hours: {} }));
    expect(found).toContainEqual(expect.objectContaining({ code: 'no-working-time', path: 'calendars.spare' }));
  });

  test('unknown calendars and tiers are errors with their paths', () => {
    const found = lintOf((p) => {
      p.tiers.plus.calendar = 'nights';
      p.defaultTier = 'gold';
      p.tiers.plus.claims.fasterThan = 'silver';
    });
    const errors = found.filter((f) => f.level === 'error').map((f) => f.path);
    expect(errors).toEqual(expect.arrayContaining(['tiers.plus.calendar', 'defaultTier', 'tiers.plus.claims.fasterThan']));
  });

  test('values left "defined in agreement" and assumed values', () => {
    const found = lintOf((p) => (p.tiers.basic.targets.P1.first_response = 'agreement'));
    expect(found).toContainEqual(expect.objectContaining({ code: 'defined-in-agreement', path: 'tiers.basic.targets.P1.first_response' }));
    const bespoke = lintPolicy(preset('bespoke-s1-s5'));
    expect(bespoke.filter((p) => p.code === 'assumed-value')).toHaveLength(5);
  });

  test('a coverage union across zones is refused', () => {
    const raw: any = presetRaw('bespoke-s1-s5');
    raw.calendars.weekends.zone = 'Europe/Paris';
    const { problems } = checkPolicyText(JSON.stringify(raw));
    expect(problems).toContainEqual(expect.objectContaining({ level: 'error', code: 'mixed-zones', path: 'coverage.S1' }));
  });
});

describe('presets', () => {
  test('five presets from the seeds and Zendesk\'s parity preset, KIWI is the default', () => {
    const list = listPresets();
    expect(list.map((p) => p.id).sort()).toEqual(['bespoke-s1-s5', 'interopion', 'jsm-parity', 'kiwi-stage-plus', 'scale', 'scalr', 'zendesk-parity']);
    expect(list.filter((p) => p.isDefault).map((p) => p.id)).toEqual([DEFAULT_PRESET]);
  });

  test.each(['bespoke-s1-s5', 'interopion', 'jsm-parity', 'kiwi-stage-plus', 'scale', 'scalr', 'zendesk-parity'])('%s checks with no errors', (id) => {
    const { problems } = checkPolicyText(presetText(id));
    expect(problems.filter((p) => p.level === 'error')).toEqual([]);
  });

  test('presets where the seed leaves values open list assumptions to confirm', () => {
    for (const id of ['kiwi-stage-plus', 'scalr', 'bespoke-s1-s5']) {
      expect(lintPolicy(preset(id)).some((p) => p.level === 'assumption')).toBe(true);
    }
  });

  test('every target value carries a comment naming its seed sentence', () => {
    for (const id of ['kiwi-stage-plus', 'scale', 'interopion']) {
      const lines = presetText(id).split('\n').filter((l) => /^\s+(first_response|resolution|critical_notice|findings): /.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/#\s*"/);
    }
  });

  test('an unknown preset says which ones exist', () => {
    expect(() => loadPolicy('nope')).toThrow(/neither a preset \(bespoke-s1-s5, interopion, jsm-parity, kiwi-stage-plus, scale, scalr, zendesk-parity\) nor a readable file/);
  });
});

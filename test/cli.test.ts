import { spawnSync } from 'child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The sla command line as users run it: the built core/bin/sla.js in a child process. */
const ROOT = join(__dirname, '..');
const SAMPLES = join(ROOT, 'core', 'samples', 'tickets.json');
const NOW = '2026-11-20T15:00:00Z';

function sla(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { input, encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'sla-cli-'));

describe('sla presets', () => {
  test('lists the five presets and marks the default', () => {
    const r = sla(['presets']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\* kiwi-stage-plus\s+KIWI STAGE\+/m);
    for (const id of ['scale', 'interopion', 'scalr', 'bespoke-s1-s5', 'jsm-parity', 'zendesk-parity']) expect(r.out).toMatch(new RegExp(`^  ${id}\\s`, 'm'));
  });
});

describe('sla check', () => {
  test('warnings and assumptions only: exit 0', () => {
    const r = sla(['check', 'kiwi-stage-plus']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('warnings (2)\n  tiers.basic.targets.P3.resolution: resolution target (4h) is shorter than the initial response target (8h)');
    expect(r.out).toContain('assumptions to confirm (4)');
    expect(r.out).toMatch(/0 error\(s\), 2 warning\(s\), 4 assumption\(s\) to confirm/);
  });

  test('a schema error: exit 1, with its path', () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8').replace('resolution: 8h ', 'resolution: soon'));
    const r = sla(['check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^errors \(1\)\n  tiers\.basic\.targets\.P1\.resolution: expected a duration/);
  });

  test('an unknown calendar: exit 1, naming where', () => {
    const file = join(tmp, 'cal.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8').replace('calendar: 24x7 }   # "30min', 'calendar: nights }   # "30min'));
    const r = sla(['check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('tiers.plus.targets.P1.first_response.calendar: unknown calendar "nights"');
  });

  test('an unknown preset or missing file: a clear message', () => {
    const r = sla(['check', 'no-such-policy']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('sla: "no-such-policy" is neither a preset (bespoke-s1-s5, interopion, jsm-parity, kiwi-stage-plus, scale, scalr, zendesk-parity) nor a readable file\n');
  });
});

describe('sla due', () => {
  test('prints UTC and the calendar zone', () => {
    const r = sla(['due', '--tier', 'basic', '--priority', 'P2', '--metric', 'resolution', '--from', '2026-11-20T14:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('due UTC:  2026-11-24T14:00:00.000Z');
    expect(r.out).toContain('due local: 2026-11-24T09:00:00 -05:00 Tue (America/Toronto)');
  });

  test('pauses push the due', () => {
    const r = sla(['due', '--policy', 'scale', '--tier', 'basic', '--priority', 'urgent', '--metric', 'resolution', '--from', '2026-03-02T10:00:00Z', '--pause', '2026-03-02T12:00:00Z/2026-03-02T14:30:00Z']);
    expect(r.out).toContain('due UTC:  2026-03-03T12:30:00.000Z');
  });

  test('an unknown tier names the known ones', () => {
    const r = sla(['due', '--tier', 'gold', '--priority', 'P2', '--metric', 'resolution', '--from', '2026-11-20T14:00:00Z']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('sla: --tier: unknown tier "gold" (known: basic, plus)\n');
  });

  test('a start without an offset is refused', () => {
    const r = sla(['due', '--tier', 'basic', '--priority', 'P2', '--metric', 'resolution', '--from', '2026-11-20T14:00:00']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--from: expected an ISO-8601 instant with an offset/);
  });
});

describe('sla evaluate', () => {
  test('table of the sample desk', () => {
    const r = sla(['evaluate', '--now', NOW, SAMPLES]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^ticket\s+tier\s+priority\s+metric\s+target\s+due \(UTC\)\s+state\s+remaining$/);
    expect(r.out).toMatch(/^KIWI-101\s+basic\s+P2\s+first_response\s+2h\s+2026-11-20T16:00Z\s+running\s+1h 00m$/m);
    expect(r.out).toMatch(/^KIWI-104\s+plus\s+P3\s+resolution\s+2d\s+\S+\s+paused/m);
  });

  test('json is one valid array of decisions with ISO instants', () => {
    const r = sla(['evaluate', '--now', NOW, '--format', 'json', SAMPLES]);
    const decisions = JSON.parse(r.out);
    expect(decisions).toHaveLength(10);
    expect(decisions[0].metrics[0]).toMatchObject({ metric: 'first_response', due: '2026-11-20T16:00:00.000Z', state: 'running' });
  });

  test('csv from JSON lines on standard input', () => {
    const lines = (JSON.parse(readFileSync(SAMPLES, 'utf8')) as object[]).slice(0, 2).map((t) => JSON.stringify(t)).join('\n');
    const r = sla(['evaluate', '--now', NOW, '--format', 'csv', '-'], lines);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(5);
    expect(r.out).toContain('KIWI-101,basic,P2,first_response,2h,2026-11-20T16:00Z,running,1h 00m');
  });

  test('bad lines are named, the rest is processed, and the exit code is 2', () => {
    const good = JSON.stringify({ id: 'ok', createdAt: '2026-11-20T14:00:00Z', fields: { impact: '1', urgency: '1' } });
    const input = [good, '{not json', JSON.stringify({ id: 'x', createdAt: '2026-11-20 14:00' }), good].join('\n');
    const r = sla(['evaluate', '--now', NOW, '--format', 'csv'], input);
    expect(r.code).toBe(2);
    expect(r.out.trim().split('\n').filter((l) => l.startsWith('ok,'))).toHaveLength(4);
    expect(r.err).toMatch(/^line 2: not valid JSON/m);
    expect(r.err).toMatch(/^line 3: createdAt: expected an ISO-8601 instant with a zone offset/m);
    expect(r.err).toContain('sla: 2 input record(s) could not be evaluated');
  });

  test('a line that is not JSON is reported without quoting it: ticket text never reaches a log', () => {
    const r = sla(['evaluate', '--now', NOW], '{"id": "1", "subject": Printer on fire at ACME, call Jane 555-0100}\n');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^line 1: not valid JSON/);
    expect(r.err).not.toMatch(/Printer|ACME|Jane|555/);
  });

  test('an unreadable file gets a clear message', () => {
    const r = sla(['evaluate', join(tmp, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^sla: cannot read ".*missing\.json": ENOENT\n$/);
  });

  test('an invalid policy file stops before any output, naming paths', () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, JSON.stringify({ sla: 1, id: 'x', name: 'x', classification: { method: 'severity' }, priorities: {}, metrics: {}, tiers: {} }));
    const r = sla(['evaluate', '--policy', file, SAMPLES]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('priorities: expected at least one priority');
  });
});

describe('sla report', () => {
  test('met %, breaches and medians per tier x priority x metric', () => {
    const r = sla(['report', '--now', NOW, '--format', 'json', SAMPLES]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toContainEqual(expect.objectContaining({ tier: 'basic', priority: 'P1', metric: 'resolution', breached: 1, met: 0, metPercent: 0 }));
    expect(rows).toContainEqual(expect.objectContaining({ tier: 'basic', priority: 'P4', metric: 'first_response', met: 1, metPercent: 100, medianWorkingMs: 3_600_000 }));
  });

  test('--outcomes: per cycle, with the weekly trend, the worst tickets and a period by start; CSV with "no data" empty', () => {
    const all = JSON.parse(sla(['report', '--now', NOW, '--outcomes', '--format', 'json', SAMPLES]).out);
    expect(all.rows).toContainEqual(expect.objectContaining({ tier: 'basic', priority: 'P1', metric: 'resolution', breached: 1, met: 0, metPercent: 0 }));
    expect(all.weeks.length).toBeGreaterThan(0);
    expect(all.worst.length).toBeGreaterThan(0);
    expect(all.worst[0].lateMs).toBeGreaterThanOrEqual(all.worst[all.worst.length - 1].lateMs);
    const none = JSON.parse(sla(['report', '--now', NOW, '--outcomes', '--format', 'json', '--from', '2030-01-01T00:00:00Z', SAMPLES]).out);
    expect(none.rows).toEqual([]);
    const csv = sla(['report', '--now', NOW, '--outcomes', '--format', 'csv', SAMPLES]).out.split('\n');
    expect(csv[0]).toBe('tier,priority,metric,tickets,met,breached,open,met_percent,median_working_ms');
    // Breached and still open: 0 % met, no median (nothing stopped); two open tickets: no data, not 0 %.
    expect(csv).toContain('basic,P1,resolution,1,0,1,0,0.0,');
    expect(csv).toContain('basic,P2,first_response,2,0,0,2,,');
    const bad = sla(['report', '--now', NOW, '--from', '2026-01-01T00:00:00Z', SAMPLES]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--from needs --outcomes');
  });

  test('the progress bar goes to stderr, not into the figures', () => {
    const r = sla(['report', '--now', NOW, '--progress', SAMPLES]);
    expect(r.out.split('\n')[0]).toMatch(/^tier\s+priority\s+metric/);
    expect(r.err).toMatch(/report \[.*\] 100%/);
  });
});

describe('sla holidays', () => {
  test('writes generated holidays into the file, keeping its comments', () => {
    const file = join(tmp, 'policy.yaml');
    copyFileSync(join(ROOT, 'core', 'presets', 'scalr.yaml'), file);
    const r = sla(['holidays', 'GB-ENG', '--years', '2028', '--write', file, '--calendar', 'extended']);
    expect(r.code).toBe(0);
    const count = Number(/^wrote (\d+) holidays into calendars\.extended/.exec(r.out)?.[1]);
    const text = readFileSync(file, 'utf8');
    const extended = text.slice(text.indexOf('  extended:'), text.indexOf('\ntiers:'));
    expect((extended.match(/- date: 2028-/g) ?? []).length).toBe(count);
    expect(text).toContain('# "Extended hours support for all severity issues"');
    expect(text).toMatch(/date: 2028-12-25\n\s+name: Christmas Day/);
    expect(sla(['check', file]).code).toBe(0);
  });

  test('an unknown region is refused and nothing is written', () => {
    const r = sla(['holidays', 'ZZ', '--years', '2026']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown holiday region "ZZ"');
  });
});

import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';

/**
 * Issue 17, points 7, 20 and 21 on the command line: a policy `sla check` refuses is refused by
 * every --policy too, with the file and the path of each error.
 */
const ROOT = join(__dirname, '..');
const NOW = '2026-11-20T15:00:00Z';
const tmp = mkdtempSync(join(tmpdir(), 'sla-checked-'));

function sla(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { input, encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The kiwi preset with a change, written as a file. */
function kiwiFile(name: string, change: (p: any) => void): string {
  const raw = parse(readFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8'));
  change(raw);
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

const ticket = JSON.stringify({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { impact: '1', urgency: '1' } });

describe('--policy runs the checks of sla check, lint included', () => {
  const file = kiwiFile('constructor', (p) => (p.defaultTier = 'constructor'));
  const refused = `sla: policy file "${file}" does not check (run sla check on it):\n  defaultTier: unknown tier "constructor" (known: basic, plus)\n`;

  test('sla check refuses defaultTier: constructor', () => {
    const r = sla(['check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('defaultTier: unknown tier "constructor" (known: basic, plus)');
  });

  test.each([
    ['evaluate', ['evaluate', '--now', NOW, '-']],
    ['report', ['report', '--now', NOW, '-']],
    ['explain', ['explain', '--now', NOW, '-']],
    ['due', ['due', '--tier', 'plus', '--priority', 'P2', '--metric', 'resolution', '--from', NOW]],
  ])('sla %s --policy refuses it, naming the file and the path, before reading a ticket', (_, args) => {
    expect(sla([...args, '--policy', file], ticket)).toEqual({ code: 1, out: '', err: refused });
  });

  test('a policy with only warnings is still used', () => {
    const warned = kiwiFile('warned', (p) => delete p.tiers.basic.targets.P4);
    expect(sla(['check', warned]).code).toBe(0);
    const r = sla(['evaluate', '--policy', warned, '--now', NOW, '--format', 'json', '-'], ticket);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)[0].tier.id).toBe('basic');
  });
});

describe('sla check refuses what cannot be evaluated or told apart on the hosts', () => {
  test('a calendar that works only on its holidays, used alone (point 20)', () => {
    const file = kiwiFile('holidays-only', (p) => {
      p.calendars.feasts = { zone: 'UTC', hours: {}, holidays: ['2026-12-25', '2027-01-01'], holidayHours: ['00:00-24:00'] };
      p.tiers.plus.calendar = 'feasts';
    });
    const r = sla(['check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('tiers.plus.calendar: calendars.feasts works only on its 2 holiday(s) (holidayHours), the last on 2027-01-01');
    expect(sla(['evaluate', '--policy', file, '--now', NOW, '-'], ticket).err).toContain('tiers.plus.calendar: calendars.feasts works only on its 2 holiday(s)');
  });

  test('tiers plus and Plus, metrics first_response and First-Response (point 21)', () => {
    const file = kiwiFile('collide', (p) => {
      p.tiers.Plus = { ...p.tiers.plus, label: 'Plus again' };
      p.metrics['First-Response'] = { label: 'Again', stopsAt: 'first_public_reply' };
    });
    const r = sla(['check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('metrics.First-Response: metric "First-Response" is the same due field sla_due_first_response as metrics.first_response on the hosts');
    expect(r.out).toContain('tiers.Plus: tier "Plus" is the same tag sla_tier_plus as tiers.plus on the hosts');
  });
});

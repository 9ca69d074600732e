import { spawnSync } from 'child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';

/** `sla holidays --write` as users run it: the built core/bin/sla.js in a child process. */
const ROOT = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'sla-holidays-'));

function sla(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('sla holidays --write', () => {
  test('creates a missing file with the calendar’s holidays, said to be merged into a policy', () => {
    const file = join(tmp, 'holidays.yaml');
    const r = sla(['holidays', 'CA-QC', '--years', '2026', '--write', file, '--calendar', 'office']);
    expect(r).toMatchObject({ code: 0, err: '', out: `created ${file} with 8 holidays in calendars.office\n` });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# Public holidays of CA-QC, 2026, from `sla holidays`\.\n# Merge calendars\.office into a policy's calendars/);
    const doc = parse(text);
    expect(doc.calendars.office.holidaysFrom).toEqual({ region: 'CA-QC', years: [2026] });
    expect(doc.calendars.office.holidays[0]).toEqual({ date: '2026-01-01', name: "New Year's Day" });
    // Never overwritten by a second "create": the file now exists and is read as a policy.
    expect(sla(['holidays', 'CA-QC', '--years', '2026', '--write', file, '--calendar', 'office']).code).toBe(1);
  });

  test('a file in a missing folder is one clear error', () => {
    const file = join(tmp, 'no', 'such', 'dir.yaml');
    expect(sla(['holidays', 'CA-QC', '--years', '2026', '--write', file, '--calendar', 'office'])).toMatchObject({ code: 1, err: `sla: cannot create "${file}": ENOENT\n` });
  });

  test('an existing policy keeps its comments and its flow and block styles outside the holidays', () => {
    const file = join(tmp, 'kiwi.yaml');
    copyFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), file);
    const before = readFileSync(file, 'utf8');
    expect(sla(['holidays', 'CA-QC', '--years', '2027', '--write', file, '--calendar', 'business']).code).toBe(0);
    const after = readFileSync(file, 'utf8');
    // Everything before the calendars, comments and flow mappings included, is as it was.
    const head = (t: string) => t.slice(0, t.indexOf('\ncalendars:'));
    expect(head(after)).toBe(head(before));
    expect(after).toContain('    "1": { "1": P1, "2": P2, "3": P2, "4": P3 }   # "1. Scope | P1 | P2 | P2 | P3"');
    expect(after).toContain('holidaysFrom: { region: CA-QC, years: [ 2027 ] }');
    expect(sla(['check', file]).code).toBe(0);
  });
});

import { spawnSync } from 'child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';

/** `sla holidays --write` as users run it: the built core/bin/sla.js in a child process. */
const ROOT = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'sla-holidays-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sla(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { encoding: 'utf8', cwd });
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
  });

  // Issue 18, point 20: the README's command, run twice, must not trip over the file it left.
  test("the README's command run twice in a fresh folder: the second run updates its own file, byte for byte the same", () => {
    const dir = mkdtempSync(join(tmp, 'twice-'));
    const cmd = ['holidays', 'CA-QC', '--years', '2026,2027', '--write', 'my-holidays.yaml', '--calendar', 'business'];
    expect(sla(cmd, dir)).toEqual({ code: 0, err: '', out: 'created my-holidays.yaml with 16 holidays in calendars.business\n' });
    const first = readFileSync(join(dir, 'my-holidays.yaml'), 'utf8');
    expect(sla(cmd, dir)).toEqual({ code: 0, err: '', out: 'updated my-holidays.yaml with 16 holidays in calendars.business\n' });
    expect(readFileSync(join(dir, 'my-holidays.yaml'), 'utf8')).toBe(first);
  });

  test('a holidays file run again: another region replaces that calendar’s holidays, another calendar is added, the header follows', () => {
    const dir = mkdtempSync(join(tmp, 'merge-'));
    const run = (region: string, calendar: string) => sla(['holidays', region, '--years', '2026', '--write', 'h.yaml', '--calendar', calendar], dir);
    expect(run('CA-QC', 'office').code).toBe(0);
    expect(run('GB-ENG', 'uk')).toEqual({ code: 0, err: '', out: 'updated h.yaml with 9 holidays in calendars.uk\n' });
    expect(run('US', 'office')).toEqual({ code: 0, err: '', out: 'updated h.yaml with 12 holidays in calendars.office\n' });
    const text = readFileSync(join(dir, 'h.yaml'), 'utf8');
    expect(text).toMatch(/^# Public holidays from `sla holidays`: calendars\.office \(US, 2026\), calendars\.uk \(GB-ENG, 2026\)\.\n# Merge each calendar into a policy's calendars/);
    expect(text).toContain('holidaysFrom: { region: US, years: [ 2026 ] }');
    const doc = parse(text);
    expect(Object.keys(doc)).toEqual(['calendars']);
    expect(Object.keys(doc.calendars)).toEqual(['office', 'uk']);
    expect(doc.calendars.office.holidays).toHaveLength(12);
    expect(doc.calendars.office.holidays[0]).toEqual({ date: '2026-01-01', name: "New Year's Day" });
    expect(doc.calendars.uk.holidaysFrom).toEqual({ region: 'GB-ENG', years: [2026] });
  });

  test('an empty file is written as a new holidays file', () => {
    const dir = mkdtempSync(join(tmp, 'empty-'));
    writeFileSync(join(dir, 'h.yaml'), '');
    expect(sla(['holidays', 'CA-QC', '--years', '2026', '--write', 'h.yaml', '--calendar', 'office'], dir)).toEqual({ code: 0, err: '', out: 'created h.yaml with 8 holidays in calendars.office\n' });
    expect(parse(readFileSync(join(dir, 'h.yaml'), 'utf8')).calendars.office.holidays).toHaveLength(8);
  });

  test('a file that is neither a policy nor a holidays file is refused with its name and what to do, and left as it was', () => {
    const dir = mkdtempSync(join(tmp, 'other-'));
    writeFileSync(join(dir, 'notes.yaml'), 'title: my notes\n');
    const r = sla(['holidays', 'CA-QC', '--years', '2026', '--write', 'notes.yaml', '--calendar', 'office'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^sla: not written: notes\.yaml is neither a policy that checks nor a holidays file from `sla holidays` \(one that holds calendars alone\); as a policy it has \d+ error\(s\):\n/);
    expect(r.err).toContain('  title: unknown field\n');
    expect(r.err).toMatch(/\nfix them \(`sla check notes\.yaml`\), or give --write the name of a file that does not exist, to create a holidays file\n$/);
    expect(readFileSync(join(dir, 'notes.yaml'), 'utf8')).toBe('title: my notes\n');
  });

  test('a policy without the calendar says which calendars it has', () => {
    const dir = mkdtempSync(join(tmp, 'nocal-'));
    copyFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), join(dir, 'kiwi.yaml'));
    expect(sla(['holidays', 'CA-QC', '--years', '2026', '--write', 'kiwi.yaml', '--calendar', 'office'], dir)).toEqual({
      code: 1,
      out: '',
      err: 'sla: calendars.office: no such calendar in kiwi.yaml (it has business); name one with --calendar\n',
    });
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

import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** `sla explain` as users run it: the built core/bin/sla.js in a child process. */
const ROOT = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'sla-explain-'));

function sla(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { input, encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const ticket = {
  id: '42',
  createdAt: '2026-11-20T20:00:00Z',
  fields: { impact: '2', urgency: '2', tier: 'plus' },
  events: [
    { type: 'field', at: '2026-11-23T14:00:00Z', field: 'status', value: 'pending' },
    { type: 'field', at: '2026-11-23T15:00:00Z', field: 'status', value: 'open' },
  ],
};

describe('sla explain', () => {
  test('prints the spans counted and skipped, and the due, for one ticket', () => {
    const file = join(tmp, 'one.json');
    writeFileSync(file, JSON.stringify(ticket));
    const r = sla(['explain', file, '--now', '2026-11-23T16:00:00Z', '--locale', 'en', '--zone', 'America/Toronto', '--metric', 'first_response']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'Why this due time? Initial response',
        '  Target 1h of business time, counted on KIWI business hours, Toronto.',
        '  Priority P2: Important × High → P2.',
        '  The clock started at Fri 20 Nov, 15:00 Toronto.',
        '  Span by span, in Toronto time:',
        '  Fri 20 Nov, 15:00 – 16:00: 1h 00m counted',
        '  Counted 1h 00m = the Target 1h.',
        '  Due Fri 20 Nov, 16:00 Toronto.',
        '',
      ].join('\n'),
    );
  });

  test('JSON lines on standard input, one ticket chosen, in French, as JSON', () => {
    const lines = [JSON.stringify({ ...ticket, id: '1' }), JSON.stringify(ticket)].join('\n');
    const r = sla(['explain', '-', '--ticket', '42', '--now', '2026-11-23T16:00:00Z', '--format', 'json', '--metric', 'resolution'], lines);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out);
    expect(e.ticketId).toBe('42');
    expect(e.metrics[0].spans.map((s: { kind: string; why?: string }) => s.why ?? s.kind)).toEqual(['counted', 'weekend', 'counted', 'pending', 'counted']);
    const fr = sla(['explain', '-', '--ticket', '42', '--now', '2026-11-23T16:00:00Z', '--locale', 'fr'], lines);
    expect(fr.out).toContain('non compté (fin de semaine)');
  });

  test('mistakes are one clear line, with what to do', () => {
    const two = join(tmp, 'two.json');
    writeFileSync(two, JSON.stringify([ticket, { ...ticket, id: '43' }]));
    expect(sla(['explain', two])).toMatchObject({ code: 1, err: `sla: ${two} holds 2 timelines: choose one with --ticket <id>\n` });
    expect(sla(['explain', two, '--ticket', '9'])).toMatchObject({ code: 1, err: `sla: ${two}: no ticket with id "9"\n` });
    expect(sla(['explain', two, '--ticket', '42', '--metric', 'speed']).err).toBe('sla: --metric: unknown metric "speed" (known: triage, first_response, resolution)\n');
    expect(sla(['explain', two, '--ticket', '42', '--zone', 'Mars/Base']).err).toBe('sla: --zone: unknown time zone "Mars/Base" (expected an IANA zone like America/Toronto)\n');
    expect(sla(['explain', join(tmp, 'missing.json')]).err).toBe(`sla: cannot read "${join(tmp, 'missing.json')}": ENOENT\n`);
  });
});

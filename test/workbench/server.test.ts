import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * The workbench's server (`npm start`, a real process on a free loopback port) against what a user
 * can hand it by mistake: a desk file it cannot use, and clock requests it cannot follow. Neither
 * stops it nor answers 500.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const DESK_NOW = Date.parse('2026-11-20T15:00:00Z');
const started: { proc: ChildProcess; data: string }[] = [];

interface Running {
  url: string;
  /** What the server printed before it was ready: its warnings. */
  out: string;
}

function start(data: string, args: string[] = []): Promise<Running> {
  const proc = spawn(process.execPath, [join(ROOT, 'workbench', 'src', 'server.mjs'), '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push({ proc, data });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /SLA Desk workbench: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], out });
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`workbench exited with ${code}: ${out}`)));
  });
}

afterAll(async () => {
  for (const { proc, data } of started) {
    if (proc.exitCode === null) {
      proc.kill();
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(data, { recursive: true, force: true });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (r: Response | Promise<Response>): Promise<any> => (await r).json();
const dataDir = () => mkdtempSync(join(tmpdir(), 'sla-desk-workbench-'));
const kiwi = readFileSync(join(ROOT, 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8');
const stored = (policy: object) => ({ version: 1, clock: DESK_NOW, policy, zendesk: [], desk: [] });

describe('a desk file that parses but holds a policy the workbench cannot use is set aside, named, and the sample desk used', () => {
  test.each([
    ['an unknown preset', { preset: 'gold' }, 'policy.preset: unknown preset "gold" (known: bespoke-s1-s5, interopion, kiwi-stage-plus, scale, scalr, zendesk-parity)'],
    ['a policy that does not check', { document: 'sla: 1\nid: x\nname: X\nclassification: { method: vote }\n' }, 'policy.document: the policy does not check (classification.method: expected method: matrix, requester or severity'],
    ['a pasted policy from an unknown preset', { document: kiwi, basePreset: 'gold' }, 'policy.basePreset: unknown preset "gold"'],
    ['a policy naming a priority Jira lacks', { document: kiwi.replace('jira: Highest', 'jira: Blocker') }, 'policy: the Jira app refuses it (priorities.P1.jira: this Jira site has no priority named "Blocker")'],
  ])('%s', async (_case, policy, why) => {
    const data = dataDir();
    const file = join(data, 'desk.json');
    const text = JSON.stringify(stored(policy));
    writeFileSync(file, text);
    const { url, out } = await start(data);
    expect(out).toContain(`[workbench] ${file} holds a desk the workbench cannot use: ${why}`);
    const aside = readdirSync(data).filter((f) => f.startsWith('desk.json.unreadable-'));
    expect(aside).toHaveLength(1);
    // Kept as it was, for its owner to mend; a fresh desk in its place.
    expect(readFileSync(join(data, aside[0]), 'utf8')).toBe(text);
    expect(out).toContain(`it was kept as ${join(data, aside[0])} and the sample desk restored`);
    const desk = await json(fetch(`${url}/api/desk`));
    expect(desk.policy.id).toBe('kiwi-stage-plus');
    expect(desk.clock).toBe('2026-11-20T15:00:00.000Z');
    expect(desk.tickets.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).policy).toEqual({ preset: 'kiwi-stage-plus' });
  });

  test('a usable pasted policy is kept, with no warning', async () => {
    const data = dataDir();
    writeFileSync(join(data, 'desk.json'), JSON.stringify(stored({ document: kiwi.replace('name: KIWI STAGE+', 'name: KIWI pasted'), basePreset: 'kiwi-stage-plus' })));
    const { url, out } = await start(data);
    expect(out).not.toContain('[workbench]');
    expect(existsSync(join(data, 'desk.json'))).toBe(true);
    expect(readdirSync(data).some((f) => f.startsWith('desk.json.unreadable-'))).toBe(false);
    expect((await json(fetch(`${url}/api/desk`))).policy).toMatchObject({ name: 'KIWI pasted', source: 'document' });
  });
});

describe('POST /api/clock', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start(dataDir(), ['--reset']));
  });
  const post = (body: string, path = '/api/clock') => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const clock = async () => (await json(fetch(`${url}/api/desk`))).clock;

  test.each([
    ['{"shiftMinutes": 1.5e11}', 'clock.shiftMinutes: expected a number of minutes from -5270400 to 5270400 (ten years), got 150000000000'],
    ['{"shiftMinutes": -5270401}', 'clock.shiftMinutes: expected a number of minutes from -5270400 to 5270400 (ten years), got -5270401'],
    ['{"shiftMinutes": 1e400}', 'clock.shiftMinutes: expected a number of minutes from -5270400 to 5270400 (ten years), got Infinity'],
    ['{"shiftMinutes": "60"}', 'clock.shiftMinutes: expected a number of minutes from -5270400 to 5270400 (ten years), got "60"'],
    ['{"shiftMinutes": null}', 'clock.shiftMinutes: expected a number of minutes from -5270400 to 5270400 (ten years), got null'],
    ['{"at": 1795273200000}', 'clock.at: expected an ISO-8601 instant with its offset, like 2026-11-20T15:00:00Z; got 1795273200000'],
    ['{"at": "2026-02-30T10:00:00Z"}', 'clock.at: "2026-02-30T10:00:00Z" is not a day on the calendar'],
    ['{"at": "2026-11-20T25:00:00Z"}', 'clock.at: "2026-11-20T25:00:00Z" is not a day on the calendar'],
    ['{"reset": "yes"}', 'clock.reset: expected true, got "yes"'],
    ['{"reset": false}', 'clock.reset: expected true, got false'],
    ['{"when": "now"}', 'clock.when: not a field of the clock (at, shiftMinutes, reset)'],
    ['{"reset": true, "shiftMinutes": 60}', 'clock: expected {"at": "<ISO instant>"}, {"shiftMinutes": <number>} or {"reset": true}; got reset and shiftMinutes'],
    ['{}', 'clock: expected {"at": "<ISO instant>"}, {"shiftMinutes": <number>} or {"reset": true}; got none of them'],
    ['null', 'request body: expected a JSON object, got null'],
    ['[{"shiftMinutes": 60}]', 'request body: expected a JSON object, got a list'],
    ['60', 'request body: expected a JSON object, got 60'],
  ])('%s is answered 400, naming the field, and the clock stays', async (body, error) => {
    const before = await clock();
    const r = await post(body);
    expect(r.status).toBe(400);
    expect((await json(r)).error).toBe(error);
    expect(await clock()).toBe(before);
  });

  test('a null body is a 400 on the other routes too', async () => {
    for (const path of ['/api/policy', '/api/settings', '/api/zendesk/email', '/api/jira/issues/DESK-1']) {
      const r = await post('null', path);
      expect([path, r.status, (await json(r)).error]).toEqual([path, 400, 'request body: expected a JSON object, got null']);
    }
  });

  test('shifts up to ten years either way, a calendar day and reset are followed', async () => {
    expect(await json(post('{"shiftMinutes": 5270400}'))).toEqual({ clock: '2036-11-27T15:00:00.000Z' });
    expect(await json(post('{"shiftMinutes": -5270399.5}'))).toEqual({ clock: '2026-11-20T15:00:30.000Z' });
    expect(await json(post('{"at": "2028-02-29T10:00:00+01:00"}'))).toEqual({ clock: '2028-02-29T09:00:00.000Z' });
    expect(await json(post('{"reset": true}'))).toEqual({ clock: '2026-11-20T15:00:00.000Z' });
  });
});

import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * Issue 22, the workbench's ticket list as a queue: each row's state now (never the story it was
 * seeded with, which goes stale as the clock moves) and its next breach, both hosts' too; sorted by
 * next breach (breached first, no clock running last) and filtered by state; the ticket page's
 * "SLA next breach" field on each host holds the same instant.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
let proc: ChildProcess;
let url: string;
const data = mkdtempSync(join(tmpdir(), 'sla-desk-queue-'));

beforeAll(async () => {
  proc = spawn(process.execPath, [join(ROOT, 'workbench', '.build', 'workbench', 'src', 'server.js'), '--port', '0', '--data', data, '--reset'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /SLA Desk workbench: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`workbench exited with ${code}: ${out}`)));
  });
});
afterAll(async () => {
  if (proc.exitCode === null) {
    proc.kill();
    await new Promise((r) => proc.once('exit', r));
  }
  rmSync(data, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const get = async (path: string): Promise<any> => (await fetch(url + path)).json();
interface Row {
  id: number;
  key: string | null;
  story: string;
  state: string;
  nextBreach: string | null;
  zendesk: { state: string; nextBreach: string | null };
  jira: { state?: string; nextBreach?: string | null };
}

test('each row says its state now and its next breach; on the sample desk the two hosts agree', async () => {
  const desk = await get('/api/desk');
  const rows: Row[] = desk.tickets;
  for (const r of rows) {
    expect([r.id, r.state]).toEqual([r.id, r.story === 'triage' ? 'triage' : r.story]);
    expect(r.zendesk).toMatchObject({ state: r.state, nextBreach: r.nextBreach });
    if (r.key) expect([r.id, r.jira.state, r.jira.nextBreach]).toEqual([r.id, r.state, r.nextBreach]);
  }
  const clock = Date.parse(desk.clock);
  for (const r of rows.filter((x) => x.state === 'breached')) expect(Date.parse(r.nextBreach!)).toBeLessThan(clock);
  for (const r of rows.filter((x) => x.state === 'paused' || x.state === 'met')) expect(r.nextBreach).toBeNull();
  for (const r of rows.filter((x) => x.state === 'running' || x.state === 'at_risk' || x.state === 'triage')) expect(Date.parse(r.nextBreach!)).toBeGreaterThan(clock);
});

test('sorted by next breach: breached tickets first, the soonest next, those with no clock running last', async () => {
  const rows: Row[] = (await get('/api/desk?sort=next_breach')).tickets;
  const keys = rows.map((r) => (r.nextBreach === null ? Infinity : Date.parse(r.nextBreach)));
  expect(keys).toEqual([...keys].sort((a, b) => a - b));
  const states = rows.map((r) => r.state);
  expect(states.indexOf('breached')).toBe(0);
  expect(states.lastIndexOf('breached')).toBeLessThan(states.indexOf('running'));
  expect(rows.slice(-1)[0].nextBreach).toBeNull();
});

test('filtered by state, and a sort or state the list does not know is refused, named', async () => {
  const breached: Row[] = (await get('/api/desk?state=breached&sort=next_breach')).tickets;
  expect(breached.length).toBeGreaterThan(0);
  expect(new Set(breached.map((r) => r.state))).toEqual(new Set(['breached']));
  const bad = await fetch(`${url}/api/desk?sort=soonest`);
  expect(bad.status).toBe(400);
  expect((await bad.json()).error).toBe('sort: expected id or next_breach, got "soonest"');
  expect((await (await fetch(`${url}/api/desk?state=late`)).json()).error).toMatch(/^state: expected one of triage, breached, at_risk/);
});

test('time passing: a ticket seeded as "running" that breaches says breached, and sorts among the breached', async () => {
  const before: Row[] = (await get('/api/desk')).tickets;
  const running = before.filter((r) => r.story === 'running');
  // Past every running ticket's next breach.
  const latest = Math.max(...running.map((r) => Date.parse(r.nextBreach!)));
  const clock = Date.parse((await get('/api/desk')).clock);
  const r = await fetch(`${url}/api/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shiftMinutes: Math.ceil((latest - clock) / 60_000) + 5 }) });
  expect(r.status).toBe(200);
  const after: Row[] = (await get('/api/desk?sort=next_breach')).tickets;
  for (const was of running) {
    const now = after.find((x) => x.id === was.id)!;
    expect([now.id, now.story, now.state]).toEqual([was.id, 'running', 'breached']);
  }
  // Each host's "SLA next breach" field holds the row's instant.
  const row = after.find((x) => x.key && x.story === 'running')!;
  const t = await get(`/api/zendesk/tickets/${row.id}`);
  const path = t.fields.sla.find((f: { key: string }) => f.key === 'sla_next_breach').path;
  expect(t.values[path]).toBe(row.nextBreach);
  const i = await get(`/api/jira/issues/${row.key}`);
  const id = i.appFields.find((f: { label: string }) => f.label === 'SLA next breach').id;
  expect(Date.parse(i.fields[id])).toBe(Date.parse(row.nextBreach!));
});

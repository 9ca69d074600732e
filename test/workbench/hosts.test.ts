import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * The workbench's hosts behave as Zendesk and Forge do, seen through its HTTP API on a real server
 * process (`npm start`'s, on a free loopback port): a comment fires Zendesk's trigger, and moving the
 * clock runs what each host runs as time passes, each thing at its own instant.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
let proc: ChildProcess;
let url: string;
let data: string;

async function start(args: string[]) {
  proc = spawn(process.execPath, [join(ROOT, 'workbench', '.build', 'workbench', 'src', 'server.js'), '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /SLA Desk workbench: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`workbench exited with ${code}: ${out}`)));
  });
}

async function stop() {
  if (proc?.exitCode === null) {
    proc.kill();
    await new Promise((r) => proc.once('exit', r));
  }
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'sla-desk-workbench-'));
  await start(['--reset']);
});

afterAll(async () => {
  await stop();
  rmSync(data, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const get = async (path: string): Promise<any> => (await fetch(url + path)).json();
const send = async (path: string, body: unknown, method = 'POST') => {
  const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect([path, r.status]).toEqual([path, 200]);
  return r.json();
};

interface DeskRow {
  id: number;
  key: string | null;
  tier: string;
  story: string;
}
interface Audit {
  created_at: string;
  author_id: number;
  events: { type: string; public?: boolean; body?: string; field_name?: string }[];
}

/** A fresh KIWI STAGE+ desk at the desk's own start. */
async function freshDesk(): Promise<DeskRow[]> {
  await send('/api/clock', { reset: true });
  await send('/api/policy', { preset: 'kiwi-stage-plus', wipe: true });
  return (await get('/api/desk')).tickets;
}

/** The service's internal notes on a Zendesk ticket, with when each was written. */
async function serviceNotes(id: number): Promise<{ at: string; body: string }[]> {
  const t = await get(`/api/zendesk/tickets/${id}`);
  const service = t.users.find((u: { name: string }) => /SLA Desk/.test(u.name)).id;
  return (t.audits as Audit[]).filter((a) => a.author_id === service).flatMap((a) => a.events.filter((e) => e.type === 'Comment' && !e.public).map((e) => ({ at: a.created_at, body: e.body! })));
}

/** The app's SLA notes on a Jira issue (internal comments), with when each was written. */
async function appNotes(key: string): Promise<{ at: string; text: string }[]> {
  const issue = await get(`/api/jira/issues/${key}`);
  return issue.comments.filter((c: { internal: boolean; text: string }) => c.internal && /^SLA Desk ?:/.test(c.text)).map((c: { created: string; text: string }) => ({ at: c.created, text: c.text }));
}

/** The Jira issue's app field by its name (as the manifest names it). */
async function appField(key: string, name: string): Promise<string | null> {
  const issue = await get(`/api/jira/issues/${key}`);
  const id = issue.appFields.find((f: { label: string }) => f.label === name).id;
  return issue.fields[id] ?? null;
}

test('a reply and an internal note each fire the Zendesk trigger: the service rewrites the saved fields at once', async () => {
  const desk = await freshDesk();
  // A ticket whose first response is at risk: the service knows it from the start, and tagged it.
  const row = desk.find((r) => r.story === 'at_risk' && r.tier === 'basic')!;
  const tags = async () => (await get(`/api/zendesk/tickets/${row.id}`)).values['ticket.tags'] as string[];
  expect(await tags()).toContain('sla_at_risk_first_response');
  const before = (await serviceNotes(row.id)).length;
  // An internal note answers nothing: the trigger fires, and the service finds nothing to change.
  await send(`/zendesk/as/agent/api/v2/tickets/${row.id}.json`, { ticket: { comment: { body: 'Asked the on-call engineer.', public: false } } }, 'PUT');
  expect(await tags()).toContain('sla_at_risk_first_response');
  // The public reply meets the first response: no agent opened the sidebar or pressed Submit, yet
  // the at-risk tag is gone, because Zendesk's trigger brought the update to the service.
  await send(`/zendesk/as/agent/api/v2/tickets/${row.id}.json`, { ticket: { comment: { body: 'We are on it.', public: true } } }, 'PUT');
  expect(await tags()).not.toContain('sla_at_risk_first_response');
  expect((await serviceNotes(row.id)).length).toBe(before);
});

test('a three-day move of the clock runs the Jira finder and its consumer, and the service, each transition at its own instant', async () => {
  const desk = await freshDesk();
  const running = desk.filter((r) => r.story === 'running' && r.key);
  expect(running.length).toBeGreaterThan(0);
  // Where each issue's next transition lies before the move, as the app saved it.
  const next = new Map<string, string>();
  for (const r of running) next.set(r.key!, (await appField(r.key!, 'SLA next transition'))!);
  const started = Date.now();
  await send('/api/clock', { shiftMinutes: 3 * 24 * 60 });
  const took = Date.now() - started;
  const end = Date.parse((await get('/api/desk')).clock);
  for (const r of running) {
    const first = Date.parse(next.get(r.key!)!);
    expect(first).toBeLessThan(end);
    // Jira: the first transition's note was written at its instant, not when the move ended; and
    // each later one at an instant of its own, in order, before the move's end.
    const notes = await appNotes(r.key!);
    expect(notes.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(notes[0].at)).toBe(first);
    const times = notes.map((n) => Date.parse(n.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    expect(times.every((t) => t < end)).toBe(true);
    // The service: the same transitions, noted at the same instants, in the same words (core's
    // notes.ts, in the policy's language and zone: KIWI's French, Toronto).
    const z = await serviceNotes(r.id);
    expect(z.map((n) => Date.parse(n.at))).toEqual(times);
    expect(z.map((n) => n.body)).toEqual(notes.map((n) => n.text));
    expect(notes[0].text).toMatch(/^SLA Desk : .+ (est à risque, échéance|est dépassé : l’échéance était) \S+ \d+ \S+ \d\d h \d\d Toronto \(/);
    // Nothing left behind: the saved next transition is after the move's end, or there is none.
    const after = await appField(r.key!, 'SLA next transition');
    if (after !== null) expect(Date.parse(after)).toBeGreaterThan(end);
  }
  // Skipping the finder's runs that find nothing keeps a long move quick (864 five-minute marks).
  expect(took).toBeLessThan(15_000);
});

test('a transition the finder queued with a delay survives a restart of the workbench, and lands at its instant', async () => {
  const desk = await freshDesk();
  const row = desk.find((r) => r.story === 'running' && r.key)!;
  const at = Date.parse((await appField(row.key!, 'SLA next transition'))!);
  const before = (await appNotes(row.key!)).length;
  // Three minutes short of it: the finder's last run has queued it, to be delivered at its instant.
  await send('/api/clock', { at: new Date(at - 3 * 60_000).toISOString() });
  expect((await appNotes(row.key!)).length).toBe(before);
  // Forge's queue outlives the workbench's process, as it outlives an invocation.
  await stop();
  await start([]);
  await send('/api/clock', { shiftMinutes: 5 });
  const notes = await appNotes(row.key!);
  expect(notes.slice(before).map((n) => Date.parse(n.at))).toEqual([at]);
});

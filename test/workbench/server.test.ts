import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { formatInstantIn, parseDuration } from '@sla-desk/core';
import { loadPolicy } from '@sla-desk/core/dist/presets';

/**
 * The workbench's server (`npm start`, a real process on a free loopback port) against what a user
 * can hand it by mistake: a desk file it cannot use, and clock requests it cannot follow. Neither
 * stops it nor answers 500. And, on a zendesk-parity desk, the customer's messages, the agents'
 * replies and the group, each through its host's own route, with what the apps write for them.
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
  const proc = spawn(process.execPath, [join(ROOT, 'workbench', '.build', 'workbench', 'src', 'server.js'), '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    ['an unknown preset', { preset: 'gold' }, 'policy.preset: unknown preset "gold" (known: bespoke-s1-s5, interopion, jsm-parity, kiwi-stage-plus, scale, scalr, zendesk-parity)'],
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
  // GET /api/clock: what every page's header reads, the same instant as the desk's.
  const clock = async () => {
    const [alone, desk] = await Promise.all([json(fetch(`${url}/api/clock`)), json(fetch(`${url}/api/desk`))]);
    expect(alone).toEqual({ clock: desk.clock });
    return alone.clock;
  };

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
    expect(await clock()).toBe('2026-11-20T15:00:00.000Z');
  });
});

describe('the HTTP answers the pages and the service rely on, whatever routes them', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start(dataDir(), ['--reset']));
  });
  const answer = async (path: string, init?: RequestInit) => {
    const r = await fetch(url + path, init);
    return [r.status, (await r.json()).error];
  };

  test('a method a path lacks is a 405, a file that is not there a 404, each naming the path', async () => {
    expect(await answer('/api/desk', { method: 'POST' })).toEqual([405, 'POST /api/desk is not served']);
    // HEAD has no route either (its answer has no body to read).
    expect((await fetch(`${url}/api/desk`, { method: 'HEAD' })).status).toBe(405);
    expect(await answer('/nope.html')).toEqual([404, 'not found: nope.html']);
    // A ticket id that is not a number matches no route: it is looked for as a file.
    expect(await answer('/api/zendesk/tickets/abc')).toEqual([404, 'not found: api/zendesk/tickets/abc']);
    expect(await answer('/api/zendesk/tickets/999')).toEqual([404, 'no ticket 999']);
  });

  test("the apps' hashed chunks may be cached for good, the pages' own files and the API never", async () => {
    const frame = await (await fetch(`${url}/zendesk/frame?ticket=1&user=agent`)).text();
    const chunk = /src="\.?\/?([\w-]+-[\w-]{8}\.js)"/.exec(frame)?.[1];
    expect(chunk).toBeDefined();
    const cacheOf = async (path: string) => [path, (await fetch(url + path)).headers.get('cache-control')];
    expect(await cacheOf(`/zendesk/assets/${chunk}`)).toEqual([`/zendesk/assets/${chunk}`, 'public, max-age=31536000, immutable']);
    for (const path of ['/common.js', '/zendesk/assets/iframe.html', '/forge-ui/panel.js']) expect(await cacheOf(path)).toEqual([path, 'no-cache']);
    expect(await cacheOf('/api/clock')).toEqual(['/api/clock', 'no-store']);
  });

  test("the service's Zendesk REST API wants a token first, even where it emulates nothing", async () => {
    expect(await answer('/zendesk-rest/api/v2/tickets/1.json')).toEqual([401, "Couldn't authenticate you"]);
    expect(await answer('/zendesk-rest/api/v2/views.json')).toEqual([401, "Couldn't authenticate you"]);
    const auth = { headers: { authorization: 'Bearer workbench' } };
    expect(await answer('/zendesk-rest/api/v2/views.json', auth)).toEqual([404, 'not emulated: GET /zendesk-rest/api/v2/views.json']);
    const r = await fetch(`${url}/zendesk-rest/api/v2/tickets/1.json`, auth);
    expect([r.status, (await r.json()).ticket.id]).toEqual([200, 1]);
  });

  test('a body is read as JSON whatever its content type says, and one that is not JSON, or too large, is a 400 naming it', async () => {
    const post = (body: string, type = 'application/json') => answer('/api/clock', { method: 'POST', headers: { 'content-type': type }, body });
    expect(await post('{"shiftMinutes": 0}', 'text/plain')).toEqual([200, undefined]);
    const [status, error] = await post('{"shiftMinutes": ');
    expect([status, error]).toEqual([400, expect.stringMatching(/^request body: not JSON \(/)]);
    expect(await post(JSON.stringify({ reset: true, pad: 'x'.repeat(1_000_000) }))).toEqual([400, 'request body: larger than 1000000 bytes']);
  });
});

describe('recurring Metrics on a zendesk-parity desk: the customer writes, agents answer, the group changes, on both hosts', () => {
  let url: string;
  const parity = loadPolicy('zendesk-parity');
  /** The workbench's Zendesk groups (workbench/src/zendesk-host.ts ACCOUNT_GROUPS). */
  const SUPPORT = 360003235353;
  const TIER2 = 360003235354;
  beforeAll(async () => {
    ({ url } = await start(dataDir(), ['--reset']));
  });
  const get = (path: string) => json(fetch(url + path));
  const call = (path: string, body: unknown, method = 'POST') => fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const send = async (path: string, body: unknown, method = 'POST') => {
    const r = await call(path, body, method);
    const out = await r.json();
    expect([path, r.status, out.error]).toEqual([path, 200, undefined]);
    return out;
  };
  const now = async () => Date.parse((await get('/api/desk')).clock);
  const iso = (t: number) => new Date(t).toISOString();
  /** A Target of the parity preset's one tier, in ms (its calendar is 24x7: the due is start + Target). */
  const target = (priority: string, metric: string) => (parseDuration(parity.tiers.standard.targets[priority][metric]) as { ms: number }).ms;
  /** The Zendesk ticket's SLA field as saved (null when empty: the service empties a field with ""). */
  const zendeskField = async (id: number, key: string) => {
    const t = await get(`/api/zendesk/tickets/${id}`);
    return t.values[t.fields.sla.find((f: { key: string }) => f.key === key).path] || null;
  };
  const jiraField = async (key: string, name: string) => {
    const i = await get(`/api/jira/issues/${key}`);
    return i.fields[i.appFields.find((f: { label: string }) => f.label === name).id] ?? null;
  };
  const row = async (id: number) => (await get('/api/desk')).tickets.find((r: { id: number }) => r.id === id);
  /** The ticket's last audit that is not the service's (which writes its fields just after). */
  const lastAudit = async (id: number) => {
    const t = await get(`/api/zendesk/tickets/${id}`);
    const service = t.users.find((u: { name: string }) => /SLA Desk/.test(u.name)).id;
    return t.audits.filter((a: { author_id: number }) => a.author_id !== service).at(-1);
  };

  /** A fresh parity desk at its start: its running ticket, and the policy priority each host holds for it. */
  async function parityDesk() {
    await send('/api/clock', { reset: true });
    await send('/api/policy', { preset: 'zendesk-parity', wipe: true });
    const r = (await get('/api/desk')).tickets.find((x: { story: string; key: string | null }) => x.story === 'running' && x.key);
    const z = (await get(`/api/zendesk/tickets/${r.id}`)).values['ticket.priority'];
    const j = (await get(`/api/jira/issues/${r.key}`)).fields.priority.name;
    const of = (host: 'zendesk' | 'jira', v: string) => Object.keys(parity.priorities).find((p) => parity.priorities[p][host] === v)!;
    return { id: r.id as number, key: r.key as string, zendesk: of('zendesk', z), jira: of('jira', j) };
  }

  test('a customer message after the first reply sets each host\'s Next reply due, the agent\'s reply empties it, and the desk counts the cycles', async () => {
    const t = await parityDesk();
    const reply = async (text: string) => {
      await send(`/zendesk/as/agent/api/v2/tickets/${t.id}.json`, { ticket: { comment: { body: text, public: true } } }, 'PUT');
      await send(`/api/jira/issues/${t.key}/comment`, { user: 'agent-1', body: text, public: true });
    };
    // The requester writes through Zendesk's Requests API; the reporter from the JSM portal.
    const message = async (text: string) => {
      const z = await send(`/zendesk/as/requester/api/v2/requests/${t.id}.json`, { request: { comment: { body: text } } }, 'PUT');
      await send(`/api/jira/issues/${t.key}/comment`, { user: 'customer-1', body: text, public: true });
      return z;
    };
    await reply('Looking into it.');
    // The ticket's first message waited on the first reply, not on a next reply.
    expect([await zendeskField(t.id, 'sla_due_next_reply'), await jiraField(t.key, 'SLA: next reply due')]).toEqual([null, null]);
    await send('/api/clock', { shiftMinutes: 10 });
    const asked = await now();
    // Nobody pressed Submit: Zendesk's trigger brought the requester's update to the service.
    expect((await message('Any news?')).service).toBe('written');
    expect(await zendeskField(t.id, 'sla_due_next_reply')).toBe(iso(asked + target(t.zendesk, 'next_reply')));
    expect(Date.parse(await jiraField(t.key, 'SLA: next reply due'))).toBe(asked + target(t.jira, 'next_reply'));
    // Each host holds the message as the customer's: an end user's public comment, a customer account's.
    const last = await lastAudit(t.id);
    const users = (await get(`/api/zendesk/tickets/${t.id}`)).users;
    expect([users.find((u: { id: number }) => u.id === last.author_id).role, last.events]).toEqual(['end-user', [{ type: 'Comment', public: true, author_id: last.author_id, body: 'Any news?' }]]);
    expect((await get(`/api/jira/issues/${t.key}`)).comments.at(-1)).toMatchObject({ author: 'customer-1', internal: false, text: 'Any news?' });
    await send('/api/clock', { shiftMinutes: 10 });
    await reply('Fixed, please try again.');
    expect([await zendeskField(t.id, 'sla_due_next_reply'), await jiraField(t.key, 'SLA: next reply due')]).toEqual([null, null]);
    // Another message opens a second cycle: the desk's lines show it, and how the first one went.
    await message('It is back.');
    const r = await row(t.id);
    expect([r.zendesk.line, r.jira.line]).toEqual([expect.stringMatching(/ · Next reply time: \d+h \d\dm left · 1 of 1 met$/), expect.stringMatching(/ · Next reply time: \d+h \d\dm left · 1 of 1 met$/)]);
  });

  test('the audit names every field by its title and every author by name; Jira comments show display names, not account ids', async () => {
    const t = await parityDesk();
    // An agent's Submit of the SLA fields and the group, and the service's write after it.
    await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.group_id': SUPPORT } });
    await send(`/zendesk/as/agent/api/v2/tickets/${t.id}.json`, { ticket: { comment: { body: 'On it.', public: true } } }, 'PUT');
    const z = await get(`/api/zendesk/tickets/${t.id}`);
    const named = z.audits.flatMap((a: { events: { type: string; field_name?: string }[] }) => a.events.filter((e) => e.type !== 'Comment').map((e) => e.field_name!));
    // The app's own fields are among them (their field_name is the field's id), and each has its words.
    expect(named.some((n: string) => /^\d+$/.test(n))).toBe(true);
    const titles = named.map((n: string) => z.fieldTitles[n]);
    expect(titles.filter((x: string | undefined) => x === undefined || /^\d+$|custom_field|_id$/.test(x))).toEqual([]);
    expect(titles).toEqual(expect.arrayContaining(['Group', 'Status']));
    const due = z.fields.sla.find((f: { key: string }) => f.key === 'sla_due_first_response').path.replace('ticket.customField:custom_field_', '');
    expect(z.fieldTitles[due]).toMatch(/^SLA: [a-z].* due$/);

    await send(`/api/jira/issues/${t.key}/comment`, { user: 'agent-1', body: 'On it.', public: true });
    await send(`/api/jira/issues/${t.key}/comment`, { user: 'customer-1', body: 'Thanks', public: true });
    const issue = await get(`/api/jira/issues/${t.key}`);
    const authors = issue.comments.slice(-2).map((c: { authorName: string }) => c.authorName);
    expect(authors).toEqual(['Lea (agent)', 'Customer (reporter)']);
    expect(issue.changelog.every((h: { authorName: string }) => !/^[a-z]+-\d+$/.test(h.authorName))).toBe(true);
  });

  test('a requester\'s message reopens a pending ticket, in the same audit, as Zendesk does', async () => {
    const t = await parityDesk();
    await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.status': 'pending' } });
    const r = await send(`/zendesk/as/requester/api/v2/requests/${t.id}.json`, { request: { comment: { body: 'Here are the logs.' } } }, 'PUT');
    expect(r.request).toEqual({ id: t.id, status: 'open' });
    const audit = await lastAudit(t.id);
    expect(audit.events.map((e: { type: string; field_name?: string; value?: string; previous_value?: string }) => [e.type, e.field_name, e.value, e.previous_value])).toEqual([
      ['Comment', undefined, undefined, undefined],
      ['Change', 'status', 'open', 'pending'],
    ]);
  });

  test('assigning the group: on Jira the group picker (by name) starts the ownership; on Zendesk group_id, which a Group SLA names by id', async () => {
    const t = await parityDesk();
    // Jira: the workbench maps the app's map.group to its "Assigned group" picker.
    const owns = async () => (await send('/api/jira/invoke', { functionKey: 'panel', issueKey: t.key, accountId: 'agent-1' })).view.metrics.find((m: { metric: string }) => m.metric === 'support_owns');
    expect((await owns()).state).toBe('not_applicable');
    const assigned = await now();
    expect((await send(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { group: 'Support' } })).changed).toBe(true);
    const issue = await get(`/api/jira/issues/${t.key}`);
    // Edit issue (PUT) logged it as Jira does a group picker: from/to the group ids, the names as strings.
    expect(issue.changelog.at(-1)).toMatchObject({ created: iso(assigned), author: 'agent-1', items: [{ field: 'Assigned group', fieldId: issue.map.group, fromString: null, toString: 'Support', to: issue.fields[issue.map.group].groupId }] });
    expect(await owns()).toMatchObject({ state: 'running', dueText: formatInstantIn(assigned + target(t.jira, 'support_owns'), 'en', 'America/Toronto') });
    await send('/api/clock', { shiftMinutes: 30 });
    await send(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { group: 'Tier 2' } });
    expect(await owns()).toMatchObject({ state: 'met', dueText: null, cyclesText: '1 of 1 met' });

    // Zendesk: the form's group, saved with Submit, is group_id; the audit gives it as a string.
    await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.group_id': SUPPORT } });
    const audit = await lastAudit(t.id);
    expect(audit.events).toEqual([{ type: 'Change', field_name: 'group_id', value: String(SUPPORT), previous_value: null }]);
    const rest = await json(fetch(`${url}/zendesk-rest/api/v2/tickets/${t.id}.json`, { headers: { authorization: 'Bearer workbench' } }));
    expect(rest.ticket.group_id).toBe(SUPPORT);
    // The preset names its group "Support": a Zendesk ticket's group is an id, so nothing is owed.
    expect(await zendeskField(t.id, 'sla_due_support_owns')).toBeNull();
    // The same preset with its Group SLA on Support's id, pasted on the policy page: the service,
    // re-delivered every ticket, writes the ownership due from the assignment.
    const text = (await get('/api/policy')).text as string;
    const byId = text.replace('group: Support,', `group: ${SUPPORT},`);
    expect(byId).not.toBe(text);
    await send('/api/policy', { document: byId });
    expect(await zendeskField(t.id, 'sla_due_support_owns')).toBe(iso(Date.parse(audit.created_at) + target(t.zendesk, 'support_owns')));
    await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.group_id': TIER2 } });
    expect((await lastAudit(t.id)).events).toEqual([{ type: 'Change', field_name: 'group_id', value: String(TIER2), previous_value: String(SUPPORT) }]);
    expect(await zendeskField(t.id, 'sla_due_support_owns')).toBeNull();

    // A ticket that arrives in a group has group_id in its creating audit, as Zendesk records it.
    const { id } = await send('/api/zendesk/email', { subject: 'Refund not received', tier: 'standard', group_id: SUPPORT });
    const created = (await get(`/api/zendesk/tickets/${id}`)).audits[0].events;
    expect(created).toContainEqual({ type: 'Create', field_name: 'group_id', value: String(SUPPORT) });
  });

  test('a wrong group, an empty message, a customer\'s internal comment or edit are refused, naming the field, and change nothing', async () => {
    const t = await parityDesk();
    const before = { zendesk: await get(`/api/zendesk/tickets/${t.id}`), jira: await get(`/api/jira/issues/${t.key}`) };
    const groups = 'expected one of 360003235353 (Support), 360003235354 (Tier 2), 2 (Triage), or null for none';
    const refused = async (path: string, body: unknown, method = 'POST') => {
      const r = await call(path, body, method);
      const out = await r.json();
      return [r.status, out.problems ?? out.error];
    };
    expect(await refused(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.group_id': 'Support' } })).toEqual([400, [`ticket.group_id: ${groups}; got "Support"`]]);
    expect(await refused(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.group_id': String(SUPPORT) } })).toEqual([400, [`ticket.group_id: ${groups}; got "${SUPPORT}"`]]);
    expect(await refused('/api/zendesk/email', { subject: 'x', tier: 'standard', group_id: 7 })).toEqual([400, [`group_id: ${groups}; got 7`]]);
    expect(await refused(`/zendesk/as/requester/api/v2/requests/${t.id}.json`, { request: { comment: { body: ' ' } } }, 'PUT')).toEqual([400, 'request.comment.body: expected the comment text']);
    expect(await refused(`/zendesk/as/agent/api/v2/requests/${t.id}.json`, { request: { comment: { body: 'Hi' } } }, 'PUT')).toEqual([400, 'user: the Requests API here writes as the ticket\'s requester ("requester"), got "agent"']);
    expect(await refused(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { group: 'support', status: 'In Progress' } })).toEqual([400, 'group: expected one of Support, Tier 2, or "" for none; got "support"']);
    expect(await refused(`/api/jira/issues/${t.key}/comment`, { user: 'customer-1', body: 'Psst', public: false })).toEqual([400, "public: a customer's comment is always public (a JSM customer cannot add an internal comment)"]);
    expect(await refused(`/api/jira/issues/${t.key}/comment`, { user: 'customer-1', body: '', public: true })).toEqual([400, 'body: expected the comment text']);
    expect(await refused(`/api/jira/issues/${t.key}`, { user: 'customer-1', changes: { group: 'Support' } })).toEqual([400, 'user: a customer edits no fields of the issue (only agents do)']);
    expect({ zendesk: await get(`/api/zendesk/tickets/${t.id}`), jira: await get(`/api/jira/issues/${t.key}`) }).toEqual(before);
  });
});

describe('rules and ladders on a jsm-parity desk: a tag or a label a rule names, each host\'s own update, and the clock climbing the ladder', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start(dataDir(), ['--reset']));
  });
  const get = (path: string) => json(fetch(url + path));
  const call = (path: string, body: unknown, method = 'POST') => fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const send = async (path: string, body: unknown, method = 'POST') => {
    const r = await call(path, body, method);
    const out = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(out)}`);
    return out;
  };
  const policy = loadPolicy('jsm-parity');
  const row = async (id: number) => (await get('/api/desk')).tickets.find((r: { id: number }) => r.id === id);
  const resolution = (sla: { ladders: { metric: string }[] }) => sla.ladders.find((l) => l.metric === 'resolution') as { reached: number; of: number; levels: { label: string; at: string; reached: boolean }[] };

  test('the preset switch offers jsm-parity; a Standard ticket turns VIP by its tag in Zendesk and by its label in Jira, with the VIP Targets, and its ladder climbs as the clock moves', async () => {
    expect((await get('/api/policy')).presets).toContain('jsm-parity');
    await send('/api/policy', { preset: 'jsm-parity', wipe: true });
    const desk = (await get('/api/desk')).tickets;
    const t = desk.find((r: { tier: string; story: string }) => r.tier === 'standard' && r.story === 'running');
    expect(t.zendesk).toMatchObject({ tier: 'Standard', rule: null, level: 0 });
    expect(t.jira).toMatchObject({ tier: 'Standard', rule: null, level: 0 });

    // Zendesk: the tag, added in the form and saved with Submit, is one Change of the tags list.
    const ticket = await get(`/api/zendesk/tickets/${t.id}`);
    expect(ticket.tags).toEqual(['vip']);
    expect(ticket.sla).toMatchObject({ rule: null, tier: { id: 'standard', fromRule: false }, level: 0 });
    const standardDue = resolution(ticket.sla).levels.map((l) => l.at);
    const before = ticket.values['ticket.tags'];
    expect((await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.tags': [...before, 'vip'] } })).changed).toBe(true);
    const after = await get(`/api/zendesk/tickets/${t.id}`);
    const change = after.audits.find((a: { author_id: number; events: { field_name?: string }[] }) => a.author_id === 2 && a.events.some((e) => e.field_name === 'tags'));
    expect(change.events).toEqual([{ type: 'Change', field_name: 'tags', value: [...before, 'vip'], previous_value: before }]);
    expect(after.sla).toMatchObject({ rule: { number: 1, name: 'VIP organizations', tier: 'vip' }, tier: { id: 'vip', label: 'VIP', fromRule: true } });
    // VIP's Targets: every level of the resolution's ladder comes sooner than Standard's did.
    const vipDue = resolution(after.sla).levels.map((l) => l.at);
    vipDue.forEach((at, i) => expect(Date.parse(at)).toBeLessThan(Date.parse(standardDue[i])));
    // The service, called by the trigger, evaluated the rule's tier, and left the Tier field and its
    // tag as the person set them: the rule's tier holds only while the rule does.
    expect(after.values['ticket.tags']).toContain('sla_tier_standard');
    expect(after.values['ticket.tags']).not.toContain('sla_tier_vip');
    expect((await row(t.id)).zendesk).toMatchObject({ tier: 'VIP', rule: 'VIP organizations' });

    // Jira: the label, through an issue update with its changelog item, then the app's trigger.
    expect((await send(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { labels: ['vip'] } })).changed).toBe(true);
    const issue = await get(`/api/jira/issues/${t.key}`);
    expect(issue.changelog.at(-1).items).toEqual([{ field: 'labels', fieldtype: 'jira', fieldId: 'labels', from: null, fromString: '', to: null, toString: 'vip' }]);
    expect(issue.sla).toMatchObject({ rule: { number: 1, name: 'VIP organizations' }, tier: { id: 'vip' } });
    expect((await row(t.id)).jira).toMatchObject({ tier: 'VIP', rule: 'VIP organizations', level: 0 });

    // The clock moves past the first level (50 % of VIP's resolution), then past the breach.
    const first = Date.parse(vipDue[0]);
    await send('/api/clock', { at: new Date(first + 60_000).toISOString() });
    const z1 = await get(`/api/zendesk/tickets/${t.id}`);
    expect(resolution(z1.sla)).toMatchObject({ reached: 1, of: 4 });
    expect(z1.sla.level).toBe(1);
    expect((await row(t.id)).jira.level).toBe(1);
    await send('/api/clock', { at: new Date(Date.parse(vipDue[3]) + 60_000).toISOString() });
    const z4 = await get(`/api/zendesk/tickets/${t.id}`);
    expect(resolution(z4.sla).levels.map((l) => l.reached)).toEqual([true, true, true, true]);
    expect(z4.sla.level).toBe(4);
    expect((await get(`/api/jira/issues/${t.key}`)).sla.level).toBe(4);
    expect(policy.metrics.resolution.ladder).toHaveLength(4);

    // The label removed: the rule no longer holds, the ticket is Standard again in Jira.
    await send(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { labels: [] } });
    expect((await row(t.id)).jira).toMatchObject({ tier: 'Standard', rule: null });
  });

  test('organization, brand, form and the JSM fields are saved as each host records them; wrong values are refused and change nothing', async () => {
    await send('/api/policy', { preset: 'jsm-parity', wipe: true });
    await send('/api/clock', { reset: true });
    const [t] = (await get('/api/desk')).tickets;
    await send(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.organization_id': 360000071001, 'ticket.brand_id': 360000081002, 'ticket.ticket_form_id': 360000091002 } });
    const z = await get(`/api/zendesk/tickets/${t.id}`);
    expect(z.audits.at(-1).events.filter((e: { field_name: string }) => /_id$/.test(e.field_name))).toEqual([
      { type: 'Change', field_name: 'organization_id', value: '360000071001', previous_value: null },
      { type: 'Change', field_name: 'brand_id', value: '360000081002', previous_value: null },
      { type: 'Change', field_name: 'ticket_form_id', value: '360000091002', previous_value: null },
    ]);
    const rest = await json(fetch(`${url}/zendesk-rest/api/v2/tickets/${t.id}.json`, { headers: { authorization: 'Bearer workbench' } }));
    expect(rest.ticket).toMatchObject({ organization_id: 360000071001, brand_id: 360000081002, ticket_form_id: 360000091002 });
    await send(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { requestType: 'Report a system problem', organization: 'Acme' } });
    const j = await get(`/api/jira/issues/${t.key}`);
    expect(j.changelog.at(-1).items).toEqual([
      { field: 'Customer Request Type', fieldtype: 'custom', fieldId: 'customfield_10010', from: null, fromString: null, to: null, toString: 'Report a system problem' },
      { field: 'Organizations', fieldtype: 'custom', fieldId: 'customfield_10002', from: null, fromString: null, to: null, toString: 'Acme' },
    ]);
    expect(j).toMatchObject({ project: 'DESK', requestType: { value: 'Report a system problem' }, organization: { value: 'Acme' } });

    const before = { zendesk: await get(`/api/zendesk/tickets/${t.id}`), jira: await get(`/api/jira/issues/${t.key}`) };
    const refused = async (path: string, body: unknown) => {
      const r = await call(path, body);
      const out = await r.json();
      return [r.status, out.problems ?? out.error];
    };
    expect(await refused(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.tags': ['VIP customer'] } })).toEqual([400, ['ticket.tags: "VIP customer" is not a tag (lower case, no spaces or commas, up to 80 characters)']]);
    expect(await refused(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.brand_id': 7 } })).toEqual([400, ['ticket.brand_id: expected one of 360000081001 (Kiwi), 360000081002 (Kiwi Labs), or null for no brand; got 7']]);
    expect(await refused(`/api/zendesk/tickets/${t.id}`, { user: 'agent', values: { 'ticket.customField:custom_field_999': 'x' } })).toEqual([400, ["ticket.customField:custom_field_999: not a field this policy's attributes map (none)"]]);
    expect(await refused(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { status: 'In Progress', labels: ['two words'] } })).toEqual([400, 'labels: expected a list of labels (no spaces, up to 255 characters each)']);
    expect(await refused(`/api/jira/issues/${t.key}`, { user: 'agent-1', changes: { requestType: 'Fix my laptop' } })).toEqual([400, 'requestType: expected one of Get IT help, Report a system problem, Ask a question, or "" for none']);
    expect({ zendesk: await get(`/api/zendesk/tickets/${t.id}`), jira: await get(`/api/jira/issues/${t.key}`) }).toEqual(before);
  });
});

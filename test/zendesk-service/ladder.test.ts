import { readFileSync } from 'fs';
import { createServer, type Server } from 'https';
import { Agent } from 'https';
import type { AddressInfo } from 'net';
import { join } from 'path';
import { parsePolicy, type Policy } from '@sla-desk/core';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { GROUPS, ZendeskEmulator } from '../zendesk/rest-emulator';
import { addKiwiTicket, deliver, IDS, notesOf, serviceConfig, usePgliteStore, wrongTickets, ADMIN_TOKEN } from './helpers';

/**
 * The escalation ladder and the rules, through the service on real HTTP: each level's actions run
 * once, at its instant, from the service's own transitions (the note, the tag, the notify post,
 * the group, the raise), and the rules read the ticket's tags and the policy's attributes on the
 * ticket, the requester and the organization, through Zendesk's documented APIs.
 */
jest.setTimeout(60_000);

const T0 = Date.parse('2026-11-20T14:00:00Z');
const min = 60_000;
const LEVEL = 21;
const tls = (f: string) => readFileSync(join(__dirname, '..', 'fixtures', 'tls', f));

const store = usePgliteStore();
let z: ZendeskEmulator;
let svc: Service | undefined;
let hook: Server;
let got: { body: Record<string, unknown> }[] = [];
let clock = T0;
let policy: Policy;

beforeAll(async () => {
  // An https receiver on loopback (the policy allows notify over https only), with a test certificate.
  hook = createServer({ key: tls('loopback.key'), cert: tls('loopback.crt') }, (req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      got.push({ body: JSON.parse(b) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const text = readFileSync(join(__dirname, 'ladder-policy.yaml'), 'utf8').replaceAll('NOTIFY_PORT', String((hook.address() as AddressInfo).port));
  const parsed = parsePolicy(text);
  if (!parsed.policy) throw new Error(JSON.stringify(parsed.problems));
  policy = parsed.policy;
});
afterAll(() => new Promise<void>((r) => hook.close(() => r())));
beforeEach(async () => {
  got = [];
  clock = T0 + min;
  z = new ZendeskEmulator();
  await z.start();
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await z.stop();
});

const cfg = () => serviceConfig(z.url, { policy, fieldIds: { impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state, level: LEVEL, due: { first_response: IDS.first_response }, source: 'settings', missing: [] } });
const start = async () => {
  svc = await startService(cfg(), { db: store.db, now: () => clock, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN_TOKEN, notifyAgent: new Agent({ ca: tls('loopback.crt') }) });
};
const send = async (id: number) => {
  expect((await deliver(svc!.url, id, clock)).status).toBe(200);
  await svc!.drain();
};
const at = async (minutes: number) => {
  clock = T0 + minutes * min + 1000;
  await svc!.drain();
  // The outbox is sent beside the passes: wait for its round.
  for (let i = 0; i < 50; i++) {
    const [r] = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ladder_notices WHERE state = 'due'`);
    if (!r.n) break;
    await new Promise((res) => setTimeout(res, 20));
  }
};
const field = (id: number, fid: number) => z.tickets.get(id)!.custom_fields.find((f) => f.id === fid)?.value;
const ladderTags = (id: number) => z.tickets.get(id)!.tags.filter((t) => t.startsWith('sla_ladder_') || t === 'sla_escalated');

test('a P2 climbs the ladder: a note at 50 %, a tag and one notify post at 75 %, a note and a group at the breach, a raise 5 minutes after; each once', async () => {
  await start();
  addKiwiTicket(z, 1, '2', '1');
  await send(1);
  expect(field(1, LEVEL)).toBe('0');
  await at(10);
  expect(notesOf(z, 1)).toEqual(['SLA Desk: Initial response reached Tell the agent (level 1), due Fri 20 Nov, 14:20 UTC.\n[sla-desk step first_response:1:1]']);
  expect(ladderTags(1)).toEqual(['sla_ladder_first_response_1_1']);
  expect(field(1, LEVEL)).toBe('1');
  await at(15);
  expect(ladderTags(1)).toEqual(['sla_ladder_first_response_1_2', 'sla_escalated']);
  expect(got.map((g) => g.body)).toEqual([
    {
      text: '#1: Initial response reached Tell the lead (level 2), due Fri 20 Nov, 14:20 UTC.',
      sla_desk: { id: 'zendesk:1:first_response:1:2', ticket: '1', metric: 'first_response', cycle: 1, level: 2, label: 'Tell the lead' },
    },
  ]);
  await at(20);
  expect(z.tickets.get(1)!.group_id).toBe(GROUPS.tier2);
  expect(notesOf(z, 1).slice(1)).toEqual(['SLA Desk: Initial response is breached: it was due Fri 20 Nov, 14:20 UTC.\nSLA Desk: Initial response reached Breached (level 3), due Fri 20 Nov, 14:20 UTC.\n[sla-desk step first_response:1:3]']);
  expect(z.tickets.get(1)!.priority).toBe('high');
  await at(25);
  // The raise: P2 -> P1, the app's own Override; P1's 10 minutes put every level behind it.
  expect(z.tickets.get(1)!.priority).toBe('urgent');
  expect(notesOf(z, 1).slice(2)).toEqual(['SLA Desk raised the Priority from P2 to P1: Initial response reached Tell the manager (level 4).\n[sla-desk raise first_response:1:4]']);
  expect(field(1, LEVEL)).toBe('4');
  expect(field(1, IDS.first_response)).toBe('2026-11-20T14:10:00.000Z');
  // A delivery, passes and an hour later: nothing runs again.
  await send(1);
  await at(90);
  await send(1);
  expect(notesOf(z, 1)).toHaveLength(3);
  expect(got).toHaveLength(1);
  expect(z.tickets.get(1)!.priority).toBe('urgent');
  expect(wrongTickets(z, cfg(), clock)).toEqual([]);
});

test('an agent\'s reply stops the clock: no later level runs; a hand-removed escalation tag is not put back', async () => {
  await start();
  addKiwiTicket(z, 1, '2', '1');
  await send(1);
  await at(16);
  expect(ladderTags(1)).toEqual(['sla_ladder_first_response_1_2', 'sla_escalated']);
  z.advanceTo(clock);
  z.agentEdit(1, { tags: z.tickets.get(1)!.tags.filter((t) => t !== 'sla_escalated') });
  z.addComment(1, 2, 'On it', true);
  await send(1);
  await at(40);
  expect(ladderTags(1)).toEqual(['sla_ladder_first_response_1_2']);
  expect(notesOf(z, 1)).toHaveLength(1);
  expect(z.tickets.get(1)!.group_id).toBeNull();
  expect(got).toHaveLength(1);
});

test('rules read tags and the policy\'s attributes on the ticket, the requester and the organization; a rule\'s tier is no tier tag', async () => {
  z.users.find((u) => u.id === 1)!.user_fields = { region: 'emea' };
  z.organizations.set(500, { segment: 'enterprise' });
  await start();
  // Mobile, from ticket field 20: 4 minutes.
  addKiwiTicket(z, 1, '2', '1');
  z.agentEdit(1, { custom_fields: [{ id: 20, value: 'mobile' }] });
  // EMEA enterprise: the requester's region and the organization's segment: 6 minutes.
  addKiwiTicket(z, 2, '2', '1');
  z.agentEdit(2, { organization_id: 500 } as never);
  // VIP by tag: the vip tier, P2 in 8 minutes; its tier is the rule's, and no sla_tier_vip tag is written.
  addKiwiTicket(z, 3, '2', '1');
  z.agentEdit(3, { tags: ['vip'] });
  // None: the row's 20 minutes.
  addKiwiTicket(z, 4, '2', '1');
  for (const id of [1, 2, 3, 4]) await send(id);
  expect([1, 2, 3, 4].map((id) => field(id, IDS.first_response))).toEqual(['2026-11-20T14:04:00.000Z', '2026-11-20T14:06:00.000Z', '2026-11-20T14:08:00.000Z', '2026-11-20T14:20:00.000Z']);
  expect(z.tickets.get(3)!.tags).toEqual(['vip']);
  expect(z.tickets.get(4)!.tags).toEqual(['sla_tier_plus']);
  // Show User and Show Organization were read, once each.
  expect(z.requests.filter((r) => r.path === '/api/v2/users/1.json' || r.path === '/api/v2/organizations/500.json').map((r) => r.path).sort()).toEqual(['/api/v2/organizations/500.json', '/api/v2/users/1.json']);
  // The tag comes off: ticket 3 is back on Plus, and its Tier tag is written then.
  z.agentEdit(3, { tags: [] });
  await send(3);
  expect(field(3, IDS.first_response)).toBe('2026-11-20T14:20:00.000Z');
  expect(z.tickets.get(3)!.tags).toEqual(['sla_tier_plus']);
});

import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import type { Db } from '../../zendesk-app/service/src/db';
import { signWebhook } from '../../zendesk-app/service/src/signature';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, fastPolicy, IDS, notesOf, openStore, resetStore, serviceConfig, STORES, wrongTickets, type StoreKind } from './helpers';

/**
 * Time moves the SLA state on its own: at each open ticket's next transition instant the service
 * writes the state, the tag and one note, from its stored timeline, with no read. On both stores.
 * The policy is fast-24x7.yaml: P1's first response is due 10 minutes after creation, at risk after 5.
 */
jest.setTimeout(120_000);

const T0 = Date.parse('2026-11-20T14:00:00Z'); // the tickets' creation
const min = 60_000;
const ADMIN = ADMIN_TOKEN;
const KEY = randomBytes(32);
const SECRET_A = 'secret-a-0123456789abcdef';
const SECRET_B = 'secret-b-0123456789abcdef';

describe.each(STORES)('on %s', (kind: StoreKind) => {
  let z: ZendeskEmulator;
  let svc: Service | undefined;
  let db: Db;
  let store: Awaited<ReturnType<typeof openStore>>;
  let clock = T0;
  const logs: Record<string, unknown>[] = [];
  const cfg = (extra = {}) => serviceConfig(z.url, { policy: fastPolicy(), ...extra });

  beforeAll(async () => {
    store = await openStore(kind);
    db = store.db;
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    clock = T0 + min;
    await resetStore(db);
    z = new ZendeskEmulator();
    await z.start();
  });
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
    await z?.stop();
    logs.length = 0;
  });

  const start = async (extra = {}, opts = {}) => {
    svc = await startService(cfg(extra), { db, now: () => clock, log: (e) => void logs.push(e), pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN, ...opts });
    return svc;
  };
  let sent = 0;
  const send = async (id: number) => {
    // Each delivery signed with its own time, a millisecond apart, as Zendesk's are.
    expect((await deliver(svc!.url, id, clock + (++sent % 1000))).status).toBe(200);
    await svc!.drain();
  };
  const stateOf = (id: number) => z.tickets.get(id)!.custom_fields.find((f) => f.id === IDS.state)?.value;

  test('migrations are versioned: applied once at start-up, recorded, and a second start applies none', async () => {
    const { migrate, MIGRATIONS } = await import('../../zendesk-app/service/src/db');
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  test("the notes give their instants in the assignee's zone, read with the ticket and kept for the transitions; with none, or a zone that is not one, the policy's", async () => {
    await start();
    z.users.find((u) => u.id === 3)!.iana_time_zone = 'Asia/Tokyo';
    z.users.find((u) => u.id === 2)!.iana_time_zone = 'Mars/Olympus_Mons';
    addKiwiTicket(z, 1, '1', '1');
    addKiwiTicket(z, 2, '1', '1');
    addKiwiTicket(z, 3, '1', '1');
    z.tickets.get(1)!.assignee_id = 3;
    z.tickets.get(2)!.assignee_id = 2;
    for (const id of [1, 2, 3]) await send(id);
    z.requests = [];
    clock = T0 + 5 * min + 1000;
    await svc!.drain();
    expect(notesOf(z, 1)).toEqual(['SLA Desk: Initial response is at risk, due Fri 20 Nov, 23:10 Tokyo (14:10 UTC).']);
    expect(notesOf(z, 2)).toEqual(['SLA Desk: Initial response is at risk, due Fri 20 Nov, 14:10 UTC.']);
    expect(notesOf(z, 3)).toEqual(['SLA Desk: Initial response is at risk, due Fri 20 Nov, 14:10 UTC.']);
    // The zone came from the store: the transitions read nothing.
    expect(z.requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT']);
  });

  test('at risk, then breached, each written at its instant from the store: state, tag, one note, no read, nothing twice', async () => {
    await start();
    addKiwiTicket(z, 1, '1', '1');
    await send(1);
    expect(stateOf(1)).toBe('running');
    const [row] = await db.query<{ next_at: number; next_what: string }>('SELECT next_at, next_what FROM tickets WHERE ticket_id = 1');
    expect(row.next_what).toBe('first_response:at_risk');
    expect(row.next_at - (T0 + 5 * min)).toBeGreaterThanOrEqual(0);
    expect(row.next_at - (T0 + 5 * min)).toBeLessThan(1000);
    z.requests = [];
    // Just before the instant nothing happens; just after, the transition lands.
    clock = T0 + 5 * min - 1000;
    await svc!.tick();
    await svc!.drain();
    expect(z.requests).toEqual([]);
    clock = T0 + 5 * min + 1000;
    await svc!.drain();
    expect(stateOf(1)).toBe('at_risk');
    expect(z.tickets.get(1)!.tags).toEqual(['sla_tier_plus', 'sla_at_risk_first_response']);
    expect(notesOf(z, 1)).toEqual(['SLA Desk: Initial response is at risk, due Fri 20 Nov, 14:10 UTC.']);
    // No read at all: one write.
    expect(z.requests.map((r) => r.method)).toEqual(['PUT']);
    clock = T0 + 10 * min + 1000;
    await svc!.drain();
    expect(stateOf(1)).toBe('breached');
    expect(z.tickets.get(1)!.tags).toEqual(['sla_tier_plus', 'sla_breached_first_response']);
    expect(notesOf(z, 1)).toHaveLength(2);
    expect(notesOf(z, 1)[1]).toBe('SLA Desk: Initial response is breached: it was due Fri 20 Nov, 14:10 UTC.');
    expect(z.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    // Later: nothing left to fire, nothing written again, even on a delivery.
    clock = T0 + 60 * min;
    await svc!.drain();
    await send(1);
    expect(notesOf(z, 1)).toHaveLength(2);
    expect(z.writes.get(1)).toBe(3);
    expect(wrongTickets(z, cfg(), clock)).toEqual([]);
  });

  test('a ticket changed in Zendesk since the service read it: the transition write gets 409, reads, and the agent\'s edit stands', async () => {
    await start();
    addKiwiTicket(z, 1, '1', '1');
    await send(1);
    // An agent adds a tag; Zendesk's webhook for it is not here yet.
    z.agentEdit(1, { tags: ['sla_tier_plus', 'vip'] });
    clock = T0 + 6 * min;
    await svc!.drain();
    expect(z.requests.filter((r) => r.method === 'PUT')).toHaveLength(3); // the delivery's, the stale one (409), then the planned one
    expect(z.tickets.get(1)!.tags).toEqual(['sla_tier_plus', 'vip', 'sla_at_risk_first_response']);
    expect(notesOf(z, 1)).toHaveLength(1);
  });

  test('after a crash, a transition that fell due while the service was down lands at start-up', async () => {
    await start();
    for (let id = 1; id <= 3; id++) addKiwiTicket(z, id, '1', '1');
    for (let id = 1; id <= 3; id++) await send(id);
    await svc!.close();
    svc = undefined;
    // Down across both instants.
    clock = T0 + 30 * min;
    await start();
    await svc!.drain();
    for (let id = 1; id <= 3; id++) {
      expect(stateOf(id)).toBe('breached');
      // The at-risk instant passed unseen: only the state the ticket is in now gets its note.
      expect(notesOf(z, id)).toEqual(['SLA Desk: Initial response is breached: it was due Fri 20 Nov, 14:10 UTC.']);
    }
    expect(z.requests.filter((r) => r.method === 'GET')).toHaveLength(3 * 2); // the deliveries' reads only
  });

  test('a solved ticket has no next transition; a pending one waits for its status change', async () => {
    await start();
    addKiwiTicket(z, 1, '1', '1');
    addKiwiTicket(z, 2, '1', '1');
    z.agentEdit(1, { status: 'solved' });
    z.agentEdit(2, { status: 'pending' });
    await send(1);
    await send(2);
    expect(await db.query('SELECT ticket_id FROM tickets WHERE next_at IS NOT NULL')).toEqual([]);
    clock = T0 + 60 * min;
    const before = z.requests.length;
    await svc!.drain();
    expect(z.requests.length).toBe(before);
  });

  test("tags on a single-ticket write are the whole list (Update Ticket); an agent's tag added just before the write survives, and the tag and its note share one audit", async () => {
    await start();
    addKiwiTicket(z, 1, '1', '1');
    await send(1);
    // Between the service's read (here: its stored snapshot) and its write, an agent adds a tag.
    let once = true;
    z.beforeWrite = (id) => {
      if (once && id === 1) z.agentEdit(1, { tags: [...z.tickets.get(1)!.tags, 'vip'] });
      once = false;
    };
    clock = T0 + 6 * min;
    await svc!.drain();
    expect(z.tickets.get(1)!.tags).toEqual(['sla_tier_plus', 'vip', 'sla_at_risk_first_response']);
    const last = z.audits.get(1)!.at(-1)!;
    expect(last.events.map((e) => e.type === 'Comment' ? 'note' : String(e.field_name))).toEqual(expect.arrayContaining(['tags', 'note']));
    // The emulator applies no additional_tags to a single ticket, as Update Ticket documents none:
    // the tag landed because the write carried the whole list. One note, no second one later.
    expect(notesOf(z, 1)).toEqual(['SLA Desk: Initial response is at risk, due Fri 20 Nov, 14:10 UTC.']);
  });

  test('a 422 on a transition write forgets the ticket only when Zendesk says it is closed; any other 422 is a failed try, parked and shown', async () => {
    await start({}, { maxAttempts: 2 });
    addKiwiTicket(z, 1, '1', '1');
    addKiwiTicket(z, 2, '1', '1');
    await send(1);
    await send(2);
    // Ticket 1's write is refused for another reason (the fault's body names no status); ticket 2 is closed meanwhile.
    z.fail(10, { kind: 'status', status: 422 }, /^\/api\/v2\/tickets\/1\.json$/);
    z.tickets.get(2)!.status = 'closed';
    clock = T0 + 6 * min;
    await svc!.drain();
    for (let i = 0; i < 200 && !(await db.query("SELECT 1 FROM jobs WHERE ticket_id = 1 AND state = 'parked'")).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await db.query<{ ticket_id: number }>('SELECT ticket_id FROM tickets ORDER BY ticket_id')).toEqual([{ ticket_id: 1 }]);
    const parked = await (await fetch(`${svc!.url}/admin/jobs/parked`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    expect(parked.parked).toEqual([{ tenant: 'env', ticket_id: 1, attempts: 2, last_error: expect.stringMatching(/422/) }]);
  });

  test('an admin URL gets a Slack-compatible notice per transition, with the ticket id and nothing of its content', async () => {
    const got: unknown[] = [];
    const hook: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        got.push(JSON.parse(b));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      await start({ notifyUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/slack` });
      addKiwiTicket(z, 1, '1', '1');
      await send(1);
      clock = T0 + 6 * min;
      await svc!.drain();
      for (let i = 0; i < 50 && !got.length; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([{ text: 'Ticket #1: Initial response is at risk, due Fri 20 Nov, 14:10 UTC.' }]);
      expect(JSON.stringify(got)).not.toMatch(/Ticket 1\b/); // the subject
    } finally {
      hook.close();
    }
  });

  test('a failing Zendesk: retried with back-off, honouring a long Retry-After in the queue; parked after N tries, shown, revived by a delivery', async () => {
    await start({}, { maxAttempts: 3 });
    addKiwiTicket(z, 1, '1', '1');
    // A long Retry-After goes back to the queue: the job waits there, not in a worker.
    z.fail(1, { kind: 'status', status: 429, retryAfter: '30' }, /^\/api\/v2\/tickets\/1\.json$/);
    expect((await deliver(svc!.url, 1, clock)).status).toBe(200);
    for (let i = 0; i < 750 && !logs.some((l) => l.msg === 'job failed, will retry'); i++) await new Promise((r) => setTimeout(r, 20));
    const failed = logs.find((l) => l.msg === 'job failed, will retry')!;
    expect(failed.retryInMs).toBeGreaterThanOrEqual(30_000);
    const [job] = await db.query<{ run_at: number; attempts: number }>('SELECT run_at, attempts FROM jobs WHERE ticket_id = 1');
    expect(job.attempts).toBe(1);
    expect(job.run_at).toBeGreaterThan(Date.now() + 25_000);
    // Pull it forward (as if the time had passed), and make every try fail.
    await db.query('UPDATE jobs SET run_at = 0');
    z.fail(100, { kind: 'status', status: 500 }, /^\/api\/v2\/tickets\/1\.json$/);
    for (let i = 0; i < 1500 && !logs.some((l) => l.msg === 'job parked'); i++) await new Promise((r) => setTimeout(r, 20));
    const stats = async () => (await (await fetch(`${svc!.url}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()).queue;
    expect((await stats()).parked).toBe(1);
    expect((await fetch(`${svc!.url}/admin/jobs/parked`)).status).toBe(401);
    const parked = await (await fetch(`${svc!.url}/admin/jobs/parked`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    expect(parked.parked).toEqual([{ tenant: 'env', ticket_id: 1, attempts: 3, last_error: expect.stringMatching(/500/) }]);
    // Still there (never dropped); Zendesk is back, and the next delivery brings it back to life.
    (z as unknown as { faults: unknown[] }).faults.length = 0;
    await send(1);
    expect(z.writes.get(1)).toBe(1);
    expect((await stats()).parked).toBe(0);
  });

  test('OAuth client credentials: one token for many requests, fetched again once after a 401', async () => {
    z.oauthOnly = true;
    z.oauthClients.set('sla-desk', 'client-secret');
    await start({ auth: { clientId: 'sla-desk', clientSecret: 'client-secret' } });
    for (let id = 1; id <= 3; id++) addKiwiTicket(z, id, '1', '1');
    for (let id = 1; id <= 3; id++) await send(id);
    const tokenRequests = () => z.requests.filter((r) => r.path === '/oauth/tokens').length;
    expect(tokenRequests()).toBe(1);
    expect(z.writes.get(3)).toBe(1);
    // Zendesk revokes it: the next request gets 401, a new token is fetched once, the request goes through.
    z.tokens.clear();
    clock = T0 + 6 * min;
    await svc!.drain();
    expect(tokenRequests()).toBe(2);
    for (let id = 1; id <= 3; id++) expect(stateOf(id)).toBe('at_risk');
    // Each transition wrote once; those that went out on the revoked token (one, or all three when
    // they ran at once) got one 401 each and went through on the one new token.
    const puts = z.requests.filter((r) => r.method === 'PUT').length;
    expect(puts).toBeGreaterThanOrEqual(3 + 3 + 1);
    expect(puts).toBeLessThanOrEqual(3 + 3 * 2);
    expect(z.writes.get(1)).toBe(2);
  });

  test('two tenants: each delivery is verified with its own account\'s secret, worked with its own policy and fields, and never reaches the other', async () => {
    const other = new ZendeskEmulator();
    await other.start();
    try {
      // Tenants name a subdomain; where subdomains live is the operator's choice (here, the emulators).
      const hosts: Record<string, string> = { acme: z.url, other: other.url };
      await start({}, { encryptionKey: KEY, tenantBaseUrl: (sub: string) => hosts[sub] ?? 'http://127.0.0.1:9' });
      // z is tenant 1001 (fast policy); `other` is 1002 (KIWI, other field ids, other secret).
      const settings = (sub: string, secret: string, policy: Record<string, string>, ids: string) => ({ ZENDESK_SUBDOMAIN: sub, ZENDESK_EMAIL: 'svc@example.com', ZENDESK_API_TOKEN: `token-${secret}`, SLA_WEBHOOK_SECRET: secret, ...policy, SLA_FIELD_IDS: ids });
      const put = (account: string, body: unknown) => fetch(`${svc!.url}/admin/tenants/${account}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await put('1001', { settings: settings('acme', SECRET_A, { SLA_POLICY_TEXT: readFileSync(join(__dirname, 'fast-24x7.yaml'), 'utf8') }, JSON.stringify({ impact: 11, urgency: 12, tier: 13, state: 14, due_first_response: 15 })) })).status).toBe(200);
      expect((await put('1002', { settings: settings('other', SECRET_B, { SLA_POLICY: 'kiwi-stage-plus' }, JSON.stringify({ impact: 11, urgency: 12, tier: 13, state: 24, due_first_response: 25 })) })).status).toBe(200);
      // A tenant whose settings are wrong is refused, naming the variable.
      const bad = await put('1003', { settings: { ZENDESK_SUBDOMAIN: 'x' } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/SLA_WEBHOOK_SECRET: required/);
      // The store holds no secret in the clear.
      const rows = await db.query<{ sealed: string }>('SELECT sealed FROM tenants');
      expect(rows).toHaveLength(2);
      expect(JSON.stringify(rows)).not.toMatch(/secret-a|secret-b|token-/);
      expect(rows.every((r) => r.sealed.startsWith('v2:'))).toBe(true);

      addKiwiTicket(z, 1, '1', '1');
      addKiwiTicket(other, 1, '1', '1');
      const signed = (account: string, secret: string, id = 1) => {
        const body = JSON.stringify({ ticket_id: String(id) });
        const ts = new Date(clock).toISOString();
        return fetch(`${svc!.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-account-id': account, 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
      };
      // B's account id with A's secret, or an account nobody installed with a secret of its own: refused.
      expect((await signed('1002', SECRET_A)).status).toBe(401);
      expect((await signed('1009', 'secret-x-0123456789abcdef')).status).toBe(401);
      expect(other.requests).toEqual([]);
      expect((await signed('1001', SECRET_A)).status).toBe(200);
      await svc!.drain();
      expect(z.writes.get(1)).toBe(1);
      expect(other.requests).toEqual([]);
      expect((await signed('1002', SECRET_B)).status).toBe(200);
      await svc!.drain();
      // Each with its own policy's due (fast: 10 minutes; KIWI Plus P1: 30 minutes) in its own field.
      expect(z.tickets.get(1)!.custom_fields.find((f) => f.id === 15)?.value).toBe('2026-11-20T14:10:00.000Z');
      expect(other.tickets.get(1)!.custom_fields.find((f) => f.id === 25)?.value).toBe('2026-11-20T14:30:00.000Z');
      expect(other.tickets.get(1)!.custom_fields.find((f) => f.id === 15)).toBeUndefined();
      // Ticket 1 twice in the store, once per tenant; each one's transition goes to its own account.
      expect((await db.query<{ tenant: string }>('SELECT tenant FROM tickets ORDER BY tenant')).map((r) => r.tenant)).toEqual(['1001', '1002']);
      clock = T0 + 6 * min;
      await svc!.drain();
      expect(z.tickets.get(1)!.tags).toContain('sla_at_risk_first_response');
      expect(other.tickets.get(1)!.tags).not.toContain('sla_at_risk_first_response');
      // The environment's own tenant (this service also has one) is unaffected: the env secret works without an account header.
      addKiwiTicket(z, 2, '1', '1');
      await send(2);
      expect(z.writes.get(2)).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

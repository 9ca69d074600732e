import { startService, type Service } from '../../zendesk-app/service/src/server';
import { verifySignature } from '../../zendesk-app/service/src/signature';
import { configFromEnv } from '../../zendesk-app/service/src/config';
import type { Db } from '../../zendesk-app/service/src/db';
import { overrideNote } from '@sla-desk/core';
import { loadPolicy } from '@sla-desk/core/dist/presets';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, IDS, notesOf, NOW, openStore, resetStore, SECRET, serviceConfig, STORES, wrongTickets, type StoreKind } from './helpers';

/**
 * The webhook service against the Zendesk REST emulator, both on real HTTP (loopback), on each
 * store: PGlite (the embedded default) and a throw-away PostgreSQL cluster.
 */
jest.setTimeout(120_000);

describe.each(STORES)('on %s', (kind: StoreKind) => {
let z: ZendeskEmulator;
let svc: Service;
let db: Db;
let store: Awaited<ReturnType<typeof openStore>>;
let clock = NOW;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  store = await openStore(kind);
  db = store.db;
});
afterAll(async () => {
  await store?.close();
});

async function boot(extra = {}) {
  clock = NOW;
  await resetStore(db);
  z = new ZendeskEmulator();
  await z.start();
  svc = await startService(serviceConfig(z.url, extra), { db, now: () => clock, log: (e) => void logs.push(e), pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN_TOKEN });
}

/** One delivery, and the work it queued done: the outcome of the ticket's last pass. */
async function pass(id: number, at?: number): Promise<string | undefined> {
  const r = await deliver(svc.url, id, at);
  expect(r.status).toBe(200);
  await svc.drain();
  return [...logs].reverse().find((l) => l.msg === 'ticket handled' && l.ticketId === id)?.outcome as string | undefined;
}

afterEach(async () => {
  await svc?.close();
  await z?.stop();
  logs.length = 0;
});

describe('signatures', () => {
  test("Zendesk's worked example verifies, with its own secret, body and timestamp", () => {
    const at = Date.parse('2021-07-25T10:00:00Z');
    expect(verifySignature('HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=', 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=', '2021-07-25T10:00:00Z', '{"say": "hello"}', at)).toEqual({ ok: true });
    // One changed byte in the body, or a signature from another secret, fails.
    expect(verifySignature('HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=', 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=', '2021-07-25T10:00:00Z', '{"say": "hellO"}', at)).toEqual({ ok: false, reason: 'mismatch' });
  });

  test('a tampered body, a replayed request and a skewed clock get 401, and nothing is read or written', async () => {
    await boot();
    addKiwiTicket(z, 1);
    const body = JSON.stringify({ ticket_id: 1 });
    const ts = new Date(NOW).toISOString();
    const good = (await deliver(svc.url, 1)).status;
    expect(good).toBe(200);
    await svc.drain();
    z.requests = [];
    const { signWebhook } = await import('../../zendesk-app/service/src/signature');
    const tampered = await fetch(`${svc.url}/webhook`, { method: 'POST', headers: { 'x-zendesk-webhook-signature': signWebhook(SECRET, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body: JSON.stringify({ ticket_id: 2 }) });
    expect(tampered.status).toBe(401);
    expect((await deliver(svc.url, 1, NOW - 6 * 60_000)).status).toBe(401); // replayed 6 minutes later
    expect((await deliver(svc.url, 1, NOW + 6 * 60_000)).status).toBe(401); // a clock 6 minutes ahead
    expect((await deliver(svc.url, 1, NOW, 'another-secret')).status).toBe(401);
    const unsigned = await fetch(`${svc.url}/webhook`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect(z.requests).toEqual([]);
    expect(svc.stats.rejected).toBe(5);
    expect(logs.filter((l) => l.msg === 'webhook rejected').map((l) => l.reason)).toEqual(['mismatch', 'stale', 'stale', 'mismatch', 'missing']);
  });
});

test('a ticket that arrives by email gets its priority and SLA fields; its own write ends the loop', async () => {
  await boot();
  addKiwiTicket(z, 1);
  // Zendesk calls the webhook again after the service's own update, as its trigger would.
  const echoes: Promise<Response>[] = [];
  z.onChange = (id) => echoes.push(deliver(svc.url, id));
  const r = await (await deliver(svc.url, 1)).json();
  // Answered as soon as the delivery is stored; the work runs from the store.
  expect(r).toEqual({ ticket_id: 1, outcome: 'queued' });
  await svc.drain();
  await Promise.all(echoes);
  await svc.drain();
  const t = z.tickets.get(1)!;
  expect(t.priority).toBe('high'); // Impact 2 x Urgency 1 -> P2 -> Zendesk high
  const value = (id: number) => t.custom_fields.find((f) => f.id === id)?.value;
  expect(value(IDS.first_response)).toBe('2026-11-20T15:00:00.000Z');
  expect(value(IDS.state)).toBe('breached');
  // Breached already: the tag for views and triggers, and one internal note, in the same write.
  expect(t.tags).toEqual(['sla_tier_plus', 'sla_breached_first_response']);
  // In KIWI's language and zone, UTC beside it.
  expect(notesOf(z, 1)).toEqual(['SLA Desk : Initial response est dépassé : l’échéance était ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC).']);
  expect(z.writes.get(1)).toBe(1);
  expect(svc.stats).toMatchObject({ written: 1, unchanged: 1, transitions: 1 });
  // Health, and logs without ticket content.
  // Health is liveness alone; the queue's counts are for the admin.
  expect(await (await fetch(`${svc.url}/healthz`)).json()).toEqual({ ok: true });
  expect(await (await fetch(`${svc.url}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()).toEqual({ store: kind, queue: { queued: 0, running: 0, parked: 0, scheduled: 1 } });
  expect(JSON.stringify(logs)).not.toMatch(/Ticket 1|subject/);
});

test('a long ticket: its history is read past the first page of audits, so a late pause counts', async () => {
  await boot();
  addKiwiTicket(z, 1);
  // 240 internal notes, then the ticket is set to pending: the pause is on the third page.
  for (let i = 0; i < 240; i++) z.audits.get(1)!.push({ id: 5000 + i, ticket_id: 1, created_at: '2026-11-20T14:05:00Z', author_id: 2, events: [{ type: 'Comment', public: false, author_id: 2, body: 'note' }] });
  z.agentEdit(1, { status: 'pending' });
  expect(await pass(1)).toBe('written');
  expect(z.requests.filter((r) => r.path === '/api/v2/tickets/1/audits.json')).toHaveLength(3);
  expect(z.tickets.get(1)!.custom_fields.find((f) => f.id === IDS.state)?.value).toBe('paused');
});

test('a closed ticket, or one that no longer exists, is answered without a write', async () => {
  await boot();
  addKiwiTicket(z, 1);
  z.tickets.get(1)!.status = 'closed';
  expect(await pass(1)).toBe('closed');
  expect(await pass(2)).toBe('not-found');
  expect(z.requests.filter((r) => r.method !== 'GET')).toEqual([]);
});

test('a race: an agent edits between the read and the write; the edit survives and the SLA fields land', async () => {
  await boot();
  addKiwiTicket(z, 1);
  let raced = false;
  z.beforeWrite = (id) => {
    if (raced) return;
    raced = true;
    z.agentEdit(id, { status: 'pending' });
  };
  expect(await pass(1)).toBe('written');
  const t = z.tickets.get(1)!;
  expect(t.status).toBe('pending');
  expect(z.requests.filter((r) => r.method === 'PUT')).toHaveLength(2); // 409, then the re-planned write
  // Re-planned after the agent's edit: the ticket is now paused, which the state field says.
  expect(t.custom_fields.find((f) => f.id === IDS.state)?.value).toBe('paused');
  expect(logs.some((l) => l.msg === 'conflict, re-reading')).toBe(true);
});

test('a storm of 429s is waited out (Retry-After), and a 5xx is retried', async () => {
  await boot();
  for (let id = 1; id <= 20; id++) addKiwiTicket(z, id);
  // 60 rate-limited answers and 10 server errors spread over 20 concurrent deliveries.
  z.fail(60, { kind: 'status', status: 429, retryAfter: '0' });
  z.fail(10, { kind: 'status', status: 503 });
  const answers = await Promise.all([...Array(20)].map((_, i) => deliver(svc.url, i + 1).then((r) => r.json())));
  expect(answers.map((a) => a.outcome)).toEqual(Array(20).fill('queued'));
  await svc.drain();
  expect(svc.stats.written).toBe(20);
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);
  for (let id = 1; id <= 20; id++) expect(z.writes.get(id)).toBe(1);
  expect(z.requests.length).toBeGreaterThanOrEqual(60 + 10 + 60);
});

test('dropped connections and slow answers: reads are retried; a dropped write fails the pass, which the queue runs again', async () => {
  await boot();
  addKiwiTicket(z, 1);
  z.fail(2, { kind: 'drop' }, /audits/);
  z.fail(1, { kind: 'slow', ms: 300 }, /tickets\/1\.json/);
  z.fail(1, { kind: 'drop' }, /^\/api\/v2\/tickets\/1\.json$/);
  // The slow read, then the dropped PUT (a write is not retried blindly: Zendesk may have applied it).
  expect((await deliver(svc.url, 1)).status).toBe(200);
  await svc.drain();
  expect(logs.some((l) => l.msg === 'job failed, will retry' && !JSON.stringify(l).includes('Ticket 1'))).toBe(true);
  // The queue's next try reads again and writes, once.
  expect(z.writes.get(1)).toBe(1);
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);
});

test('a lead\'s override (its internal note, then the priority) is kept: the service does not set the matrix priority back', async () => {
  await boot({ lockPriority: true });
  addKiwiTicket(z, 1);
  await pass(1);
  expect(z.tickets.get(1)!.priority).toBe('high');
  // What the sidebar's override does: the note through the API, then the priority on the form.
  z.groupMemberships.set(3, [7]); // Sam is a triage lead
  const note = overrideNote(loadPolicy('kiwi-stage-plus'), { type: 'override', at: '2026-11-20T14:55:00Z', by: 'Sam', from: 'P2', to: 'P1', reason: 'Production is down', notify: false });
  z.audits.get(1)!.push({ id: 9000, ticket_id: 1, created_at: '2026-11-20T14:55:00Z', author_id: 3, events: [{ type: 'Comment', public: false, author_id: 3, body: note }] });
  z.agentEdit(1, { priority: 'urgent' }, 3);
  const writes = z.writes.get(1);
  await pass(1);
  expect(z.tickets.get(1)!.priority).toBe('urgent');
  expect(notesOf(z, 1).filter((n) => /locked/.test(n))).toHaveLength(0);
  // The due fields follow the P1 override.
  expect(z.writes.get(1)).toBe((writes ?? 0) + 1);
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);
});

test('with the priority locked, a non-lead\'s change is set back with an internal note; a lead\'s is not noted', async () => {
  await boot({ lockPriority: true });
  addKiwiTicket(z, 1);
  await pass(1);
  z.agentEdit(1, { priority: 'low' }, 2);
  await pass(1);
  const t = z.tickets.get(1)!;
  expect(t.priority).toBe('high');
  const notes = notesOf(z, 1).filter((n) => /suit la matrice/.test(n));
  expect(notes).toHaveLength(1);
  expect(notes[0]).toBe('SLA Desk : la priorité suit la matrice. Alex Agent l’a changée de P2 à P4 ; elle est remise à P2. Un responsable du tri peut la modifier en donnant une raison.');
  z.groupMemberships.set(3, [7]);
  z.agentEdit(1, { priority: 'low' }, 3);
  await pass(1);
  expect(notesOf(z, 1).filter((n) => /suit la matrice/.test(n))).toHaveLength(1);
});

test('load: 2,000 deliveries at concurrency 50, with duplicates and reordering', async () => {
  await boot();
  const N = 400;
  for (let id = 1; id <= N; id++) addKiwiTicket(z, id, String(1 + (id % 4)), String(1 + ((id >> 2) % 4)), id % 2 ? 'plus' : 'basic');
  // Some tickets are already right: their deliveries must write nothing.
  for (let id = 1; id <= 100; id++) await deliver(svc.url, id);
  await svc.drain();
  z.writes.clear();
  const ids = [...Array(2000)].map((_, i) => 1 + ((i * 7919) % N)); // every ticket 5 times, shuffled
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const r = await deliver(svc.url, ids[next++]);
      expect(r.status).toBe(200);
    }
  };
  await Promise.all([...Array(50)].map(worker));
  await svc.drain(60_000);
  // Deliveries for one ticket fold into one pass: far fewer passes than deliveries.
  expect(svc.stats.passes).toBeLessThan(2000);
  // Every ticket holds what the policy says, read back from the emulator's own state.
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);
  for (let id = 1; id <= 100; id++) expect(z.writes.get(id)).toBeUndefined();
  for (let id = 101; id <= N; id++) expect(z.writes.get(id)).toBe(1);
});

test('configuration comes from the environment, and a missing value is named', () => {
  expect(() => configFromEnv({ ZENDESK_SUBDOMAIN: 'acme' })).toThrow(/SLA_WEBHOOK_SECRET: required/);
  expect(() => configFromEnv({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'a-signing-secret-of-40-characters-000000', SLA_POLICY: 'gold' })).toThrow(/SLA_POLICY: /);
  const c = configFromEnv({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'a-signing-secret-of-40-characters-000000', SLA_FIELD_IDS: '{"impact":11,"due_resolution":16}' });
  expect(c.baseURL).toBe('https://acme.zendesk.com');
  expect(c.fieldIds.due).toEqual({ resolution: 16 });
});

test('priorities that share a native value: S4 stays S4 in the SLA priority field, the native priority follows it', async () => {

  const PRIO = 20;
  const fieldIds = { tier: IDS.tier, state: IDS.state, priority: PRIO, due: { first_response: IDS.first_response }, source: 'settings' as const, missing: [] };
  await boot({ policy: loadPolicy('bespoke-s1-s5'), fieldIds });
  const cfg = serviceConfig(z.url, { policy: loadPolicy('bespoke-s1-s5'), fieldIds });
  z.addTicket({ id: 1, subject: 'Ticket 1', status: 'open', priority: null, tags: [], created_at: '2026-11-20T10:00:00Z', custom_fields: [{ id: PRIO, value: 'sla_priority_s4' }, { id: IDS.tier, value: 'sla_tier_agreement' }] });
  expect(await pass(1)).toBe('written');
  const t = z.tickets.get(1)!;
  const value = (id: number) => t.custom_fields.find((f) => f.id === id)?.value;
  // S4 maps to Zendesk's "normal", as S3 does; the SLA priority field keeps it S4 and its target (1 business day).
  expect(t.priority).toBe('normal');
  expect(value(PRIO)).toBe('sla_priority_s4');
  expect(value(IDS.first_response)).toBe('2026-11-23T10:00:00.000Z');
  // The service's own write of "normal" did not turn S4 into S3: the next delivery finds nothing to do.
  expect(await pass(1)).toBe('unchanged');
  // An agent picks S3 in the SLA priority field: the native value stays, the target becomes 4 office hours.
  z.agentEdit(1, { custom_fields: [{ id: PRIO, value: 'sla_priority_s3' }] });
  expect(await pass(1)).toBe('written');
  expect(t.priority).toBe('normal');
  expect(value(IDS.first_response)).toBe('2026-11-20T14:00:00.000Z');
  // An agent sets the native priority to urgent by hand: that is S1, and the SLA priority says so.
  z.agentEdit(1, { priority: 'urgent' });
  await pass(1);
  expect(value(PRIO)).toBe('sla_priority_s1');
  expect(wrongTickets(z, cfg)).toEqual([]);
});

});

import { PER_PAGE as HISTORY_PER_PAGE } from '../../zendesk-app/service/src/history';
import { randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { migrate, openDb, type Db } from '../../zendesk-app/service/src/db';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { signWebhook } from '../../zendesk-app/service/src/signature';
import { parseKeys, seal } from '../../zendesk-app/service/src/tenants';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, IDS, NOW, openStore, resetStore, SECRET, serviceConfig } from './helpers';

/**
 * The service's work under a noisy tenant, faults and its own writes: keys that do not open,
 * fairness between tenants, a Retry-After without a cap, same-second deliveries, an edit during a
 * read, paused tickets, the fallback Tier, a dead process's leases, updates whose delivery never
 * came, and what a deleted tenant leaves.
 */
jest.setTimeout(90_000);

// npm test runs every file under two zones. These run the service over loopback HTTP with UTC
// instants; the engine's independence from the machine's zone is proven by the core's tests under
// both. To keep the suite within CI's time, they run once, under the first zone (UTC).
const describeOnce = process.env.TZ && process.env.TZ !== 'UTC' ? describe.skip : describe;

let z: ZendeskEmulator;
let svc: Service | undefined;
let db: Db;
let store: Awaited<ReturnType<typeof openStore>>;
const logs: Record<string, unknown>[] = [];
let clock = NOW;

beforeAll(async () => {
  store = await openStore('pglite');
  db = store.db;
});
afterAll(async () => {
  await store?.close();
});
beforeEach(async () => {
  clock = NOW;
  await resetStore(db);
  z = new ZendeskEmulator();
  await z.start();
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await z.stop();
  logs.length = 0;
});

type Opts = Parameters<typeof startService>[1];
async function boot(opts: Opts = {}, extra = {}) {
  svc = await startService(serviceConfig(z.url, extra), { db, now: () => clock, log: (e) => void logs.push(e), pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN_TOKEN, ...opts });
  return svc;
}
const admin = (path: string, init: RequestInit = {}) => fetch(`${svc!.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const settingsFor = (sub: string, secret: string) => ({ ZENDESK_SUBDOMAIN: sub, ZENDESK_EMAIL: 'svc@example.com', ZENDESK_API_TOKEN: 't', SLA_WEBHOOK_SECRET: secret, SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: JSON.stringify({ impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state, due_first_response: IDS.first_response, due_resolution: IDS.resolution }) });
const signedFor = (account: string, secret: string, id: number, invocation?: string, url = svc!.url) => {
  const body = JSON.stringify({ ticket_id: String(id) });
  const ts = new Date(clock).toISOString();
  return fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-account-id': account, 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts, ...(invocation ? { 'x-zendesk-webhook-invocation-id': invocation } : {}) }, body });
};
const value = (zz: ZendeskEmulator, id: number, field: number) => zz.tickets.get(id)!.custom_fields.find((f) => f.id === field)?.value;
const until = async (cond: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describeOnce('6. the encryption key', () => {
  const A = randomBytes(32);
  const B = randomBytes(32);

  test('stored tenants that do not open stop the start; no key with tenants stops it; a key list re-seals under the first key', async () => {
    await boot({ encryptionKeys: [A] });
    expect((await admin('/admin/tenants/9001', { method: 'PUT', body: JSON.stringify({ settings: settingsFor('acme', 'secret-0123456789abcdef') }) })).status).toBe(200);
    await svc!.close();
    svc = undefined;
    await expect(boot({ encryptionKeys: [B] })).rejects.toThrow(/SLA_ENCRYPTION_KEY: 1 of 1 stored tenant\(s\) do not open with it/);
    await expect(boot({ encryptionKeys: [] })).rejects.toThrow(/SLA_ENCRYPTION_KEY: the store holds 1 tenant\(s\)/);
    // The rotation: B first, A still listed. The start seals nothing again (an instance that still
    // has A alone must keep opening the row); the admin's reseal, once every instance has B, does.
    const sealed = async () => (await db.query<{ sealed: string }>('SELECT sealed FROM tenants'))[0].sealed;
    const before = await sealed();
    await boot({ encryptionKeys: [B, A] });
    expect(await sealed()).toBe(before);
    const old = await startService(serviceConfig(z.url), { db, now: () => clock, log: () => undefined, catchUpMs: 0, encryptionKeys: [A] });
    try {
      expect((await signedFor('9001', 'secret-0123456789abcdef', 1, undefined, old.url)).status).not.toBe(503);
      expect(await (await admin('/admin/tenants/reseal', { method: 'POST' })).json()).toEqual({ resealed: 1, current: 0 });
      expect((await sealed()).split(':')[1]).not.toBe(before.split(':')[1]);
      // The instance with the old key alone now cannot open it: Zendesk is told to retry (503), not refused (401).
      old.tenants.forget('9001');
      expect((await signedFor('9001', 'secret-0123456789abcdef', 1, undefined, old.url)).status).toBe(503);
      expect((await fetch(`${old.url}/healthz`)).status).toBe(503);
    } finally {
      await old.close();
    }
    await svc!.close();
    svc = undefined;
    await boot({ encryptionKeys: [B] });
    expect((await svc!.tenants.stored('9001'))?.cfg.baseURL).toBe('https://acme.zendesk.com');
    expect(await (await fetch(`${svc!.url}/healthz`)).json()).toEqual({ ok: true });
  });

  test('a tenant re-read after its cache time keeps its HTTP client (and OAuth token) while its row is unchanged', async () => {
    const { Tenants } = await import('../../zendesk-app/service/src/tenants');
    const tenants = new Tenants(db, [A], null, 1);
    await tenants.put('9003', settingsFor('acme', 'secret-0123456789abcdef'));
    const first = await tenants.stored('9003');
    await new Promise((r) => setTimeout(r, 10));
    const again = await tenants.stored('9003');
    expect(again).toBe(first);
    expect(again!.http).toBe(first!.http);
    await tenants.put('9003', { ...settingsFor('acme', 'secret-0123456789abcdef'), SLA_LOCK_PRIORITY: 'true' });
    const changed = await tenants.stored('9003');
    expect(changed).not.toBe(first);
    expect(changed!.cfg.lockPriority).toBe(true);
  });

  test('a sealed row copied onto another account does not open there', async () => {
    await db.query('INSERT INTO tenants (account_id, sealed, updated_at) VALUES ($1, $2, 0)', ['9002', seal(A, '9001', settingsFor('acme', 'secret-0123456789abcdef'))]);
    await expect(boot({ encryptionKeys: [A] })).rejects.toThrow(/do not open with it.*9002/s);
  });

  test('weak keys are refused', () => {
    expect(() => parseKeys(Buffer.alloc(32, 7).toString('base64'))).toThrow(/too weak/);
    expect(() => parseKeys('00'.repeat(32))).toThrow(/too weak/);
    expect(() => parseKeys('c2hvcnQ=')).toThrow(/expected 32 bytes/);
    expect(parseKeys(`${A.toString('base64')},${B.toString('hex')}`)).toEqual([A, B]);
  });
});

describeOnce('8. no tenant slows another', () => {
  test('two tenants whose Zendesk answers slowly, with deep queues, hold only their shares of slots; the quiet tenant is written meanwhile', async () => {
    const noisy = [new ZendeskEmulator(), new ZendeskEmulator()];
    for (const n of noisy) await n.start();
    try {
      const hosts: Record<string, string> = { noisya: noisy[0].url, noisyb: noisy[1].url, quiet: z.url };
      await boot({ encryptionKeys: [randomBytes(32)], tenantBaseUrl: (s) => hosts[s], concurrency: 8 });
      for (const [account, sub] of [['101', 'noisya'], ['102', 'noisyb'], ['202', 'quiet']]) expect((await admin(`/admin/tenants/${account}`, { method: 'PUT', body: JSON.stringify({ settings: settingsFor(sub, `secret-${sub}-0123456789abcdef`) }) })).status).toBe(200);
      for (const n of noisy) for (let id = 1; id <= 30; id++) addKiwiTicket(n, id);
      for (let id = 1; id <= 3; id++) addKiwiTicket(z, id);
      // Every request of the noisy tenants' Zendesks takes 4 s.
      for (const n of noisy) n.fail(1000, { kind: 'slow', ms: 4_000 });
      for (let id = 1; id <= 30; id++) {
        expect((await signedFor('101', 'secret-noisya-0123456789abcdef', id)).status).toBe(200);
        expect((await signedFor('102', 'secret-noisyb-0123456789abcdef', id)).status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 200));
      for (let id = 1; id <= 3; id++) expect((await signedFor('202', 'secret-quiet-0123456789abcdef', id)).status).toBe(200);
      await until(() => [1, 2, 3].every((id) => z.writes.get(id) === 1), 3_500);
      // Neither noisy tenant has finished a pass, and together they never held every slot.
      expect(noisy.map((n) => n.writes.size)).toEqual([0, 0]);
      const running = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE tenant IN ('101', '102') AND locked_by IS NOT NULL");
      expect(running[0].n).toBeLessThan(8);
    } finally {
      // Their passes under way fail at once, so the service's close does not wait them out.
      for (const n of noisy) await n.stop();
      await svc?.close();
      svc = undefined;
    }
  });

  test('a Retry-After is waited out in the queue, not in a slot: the pass returns at once and the job waits', async () => {
    await boot();
    addKiwiTicket(z, 1);
    z.fail(1, { kind: 'status', status: 429, retryAfter: '5' }, /^\/api\/v2\/tickets\/1\.json$/);
    expect((await deliver(svc!.url, 1)).status).toBe(200);
    await until(() => logs.some((l) => l.msg === 'job failed, will retry'));
    expect(z.requests.filter((r) => r.path === '/api/v2/tickets/1.json').length).toBe(1);
    const [job] = await db.query<{ run_at: number }>('SELECT run_at FROM jobs WHERE ticket_id = 1');
    expect(job.run_at).toBeGreaterThan(Date.now() + 3_000);
  });
});

describeOnce('11. a Retry-After without a cap', () => {
  test.each(['99999999', 'Fri, 31 Dec 9999 23:59:59 GMT'])('Retry-After: %s counts as a failed try: the job is not moved years ahead, and is parked after the last try', async (after) => {
    await boot({ maxAttempts: 3 });
    addKiwiTicket(z, 1);
    z.fail(10, { kind: 'status', status: 429, retryAfter: after }, /^\/api\/v2\/tickets\/1\.json$/);
    expect((await deliver(svc!.url, 1)).status).toBe(200);
    await until(async () => (await db.query("SELECT 1 FROM jobs WHERE ticket_id = 1 AND state = 'parked'")).length === 1);
    const [job] = await db.query<{ run_at: number; attempts: number }>('SELECT run_at, attempts FROM jobs WHERE ticket_id = 1');
    expect(job.attempts).toBe(3);
    expect(job.run_at).toBeLessThan(Date.now() + 16 * 60_000);
    expect((await (await admin('/admin/jobs/parked')).json()).parked).toHaveLength(1);
  });
});

describeOnce('12. a second update in the same second is never dropped', () => {
  test('two invocations with one timestamp and one signature are two deliveries; a retry of one is a duplicate', async () => {
    await boot();
    addKiwiTicket(z, 1, '2', '2');
    const at = Math.floor(NOW / 1000) * 1000;
    expect((await (await deliver(svc!.url, 1, at, SECRET, undefined, 'inv-1')).json()).outcome).toBe('queued');
    await svc!.drain();
    const firstDue = value(z, 1, IDS.first_response);
    expect(z.tickets.get(1)!.priority).toBe('high');
    // In the same second, an agent raises Impact and Urgency; Zendesk's next invocation has the same body, timestamp and signature.
    z.agentEdit(1, { custom_fields: [{ id: IDS.impact, value: 'sla_impact_1' }, { id: IDS.urgency, value: 'sla_urgency_1' }] });
    expect((await (await deliver(svc!.url, 1, at, SECRET, undefined, 'inv-2')).json()).outcome).not.toBe('duplicate');
    await svc!.drain();
    expect(z.tickets.get(1)!.priority).toBe('urgent');
    expect(value(z, 1, IDS.first_response)).not.toBe(firstDue);
    // Zendesk retrying inv-2 (its answer was lost) is a duplicate.
    expect((await (await deliver(svc!.url, 1, at, SECRET, undefined, 'inv-2')).json()).outcome).toBe('duplicate');
  });
});

describeOnce('12b. the invocation id is not signed', () => {
  test('one captured delivery replayed under new ids buys at most a few passes; a guessed id never drops a genuine delivery', async () => {
    await boot();
    addKiwiTicket(z, 1);
    addKiwiTicket(z, 2);
    const at = Math.floor(NOW / 1000) * 1000;
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push((await (await deliver(svc!.url, 1, at, SECRET, undefined, `replay-${i}`)).json()).outcome);
      await svc!.drain();
    }
    expect(outcomes.filter((o) => o !== 'duplicate').length).toBeLessThanOrEqual(4);
    expect(z.requests.filter((r) => r.path.startsWith('/api/v2/tickets/1')).length).toBeLessThanOrEqual(4 * 2 + 1);
    // An attacker sends ticket 1's captured delivery under the id Zendesk will give ticket 2's next invocation.
    expect((await (await deliver(svc!.url, 1, at + 1000, SECRET, undefined, 'inv-next')).json()).outcome).not.toBe('duplicate');
    expect((await (await deliver(svc!.url, 2, at + 1000, SECRET, undefined, 'inv-next')).json()).outcome).toBe('queued');
    await svc!.drain();
    expect(z.writes.get(2)).toBe(1);
  });
});

describeOnce('13. an edit made during the service\'s read is not undone', () => {
  test('the evaluation instant is never before the newest audit read: an agent\'s Tier change stands', async () => {
    // The SLA clock stands before the agent's edit (as when `now` was taken before a slow read).
    clock = Date.parse('2026-11-20T14:00:00.500Z');
    await boot();
    addKiwiTicket(z, 1, '2', '1', 'plus');
    z.agentEdit(1, { custom_fields: [{ id: IDS.tier, value: 'sla_tier_basic' }] });
    expect((await deliver(svc!.url, 1, NOW)).status).toBe(401); // far outside the signature window of this clock
    expect((await deliver(svc!.url, 1, clock)).status).toBe(200);
    await svc!.drain();
    expect(value(z, 1, IDS.tier)).toBe('sla_tier_basic');
    expect(z.tickets.get(1)!.tags).toContain('sla_tier_basic');
    expect(z.tickets.get(1)!.tags).not.toContain('sla_tier_plus');
  });
});

describeOnce('14. paused tickets are not rewritten in a loop', () => {
  test('a paused ticket gets at most one write per pause change, whatever the clock does; the trigger fires on every write', async () => {
    await boot();
    // As Zendesk sends them: each invocation with its own id, the timestamp in whole seconds.
    let n = 0;
    const zendeskDelivers = (id: number) => deliver(svc!.url, id, Math.floor(clock / 1000) * 1000, SECRET, undefined, `inv-${++n}`);
    // Zendesk's trigger: every change, the service's own writes included, is a delivery.
    const echoes: Promise<unknown>[] = [];
    z.onChange = (id) => void echoes.push(zendeskDelivers(id));
    // P4 on Plus: 8 business hours to the first response, so it is running, not breached, when paused.
    addKiwiTicket(z, 1, '4', '4');
    await zendeskDelivers(1);
    await svc!.drain();
    const settle = async () => {
      for (let i = 0; i < 5; i++) {
        await Promise.all(echoes.splice(0));
        await svc!.drain();
      }
    };
    await settle();
    const afterOpen = z.writes.get(1) ?? 0;
    expect(afterOpen).toBe(1);
    z.agentEdit(1, { status: 'pending' });
    await zendeskDelivers(1);
    await settle();
    expect(z.writes.get(1)).toBe(afterOpen + 1);
    expect(value(z, 1, IDS.first_response)).toBe('');
    expect(value(z, 1, IDS.state)).toBe('paused');
    // An hour of a paused clock, a delivery every minute (other agents' views, other apps): no write.
    for (let m = 1; m <= 60; m++) {
      clock = NOW + m * 60_000;
      await zendeskDelivers(1);
    }
    await settle();
    expect(z.writes.get(1)).toBe(afterOpen + 1);
    z.agentEdit(1, { status: 'open' });
    await zendeskDelivers(1);
    await settle();
    expect(z.writes.get(1)).toBe(afterOpen + 2);
    expect(value(z, 1, IDS.first_response)).not.toBe('');
  });
});

describeOnce('15. the default tier is not written as if someone chose it', () => {
  test('a ticket without a Tier gets no tier tag, so the Tier field stays empty and a later defaultTier change applies', async () => {
    await boot();
    z.addTicket({ id: 1, subject: 'No tier', status: 'open', priority: null, tags: ['vip'], created_at: '2026-11-20T14:00:00Z', custom_fields: [{ id: IDS.impact, value: 'sla_impact_2' }, { id: IDS.urgency, value: 'sla_urgency_1' }] });
    await deliver(svc!.url, 1, clock);
    await svc!.drain();
    const t = z.tickets.get(1)!;
    expect(z.writes.get(1)).toBe(1);
    expect(t.tags.filter((x) => x.startsWith('sla_tier_'))).toEqual([]);
    expect(t.tags).toContain('vip');
    expect(value(z, 1, IDS.tier) ?? null).toBeNull();
    // Nothing left to do: the next delivery writes nothing.
    await deliver(svc!.url, 1, clock);
    await svc!.drain();
    expect(z.writes.get(1)).toBe(1);
  });
});

describeOnce('16 and 23. leases after kill -9, and what a deleted tenant leaves', () => {
  test('on the embedded store, a dead process\'s leases are released at start, not after 60 s', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sla-lease-')), 'data');
    const own = await openDb({ dataDir: dir });
    await migrate(own);
    addKiwiTicket(z, 1);
    // What a process killed mid-pass leaves: its job, leased for another minute.
    await own.query("INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at, locked_by, locked_until) VALUES ('env', 1, true, 1, 0, 0, 'dead-process', $1)", [Date.now() + 60_000]);
    await own.close();
    svc = await startService(serviceConfig(z.url), { dataDir: dir, now: () => clock, log: () => undefined, pollMs: 20, catchUpMs: 0 });
    await svc.drain(10_000);
    expect(z.writes.get(1)).toBe(1);
  });

  test('DELETE /admin/tenants/<id> removes its timelines, snapshots, jobs and deliveries in one go, and no other tenant\'s', async () => {
    const hosts: Record<string, string> = { acme: z.url };
    await boot({ encryptionKeys: [randomBytes(32)], tenantBaseUrl: (s) => hosts[s] });
    for (const account of ['301', '302']) expect((await admin(`/admin/tenants/${account}`, { method: 'PUT', body: JSON.stringify({ settings: settingsFor('acme', 'secret-acme-0123456789abcdef') }) })).status).toBe(200);
    addKiwiTicket(z, 1);
    addKiwiTicket(z, 2);
    expect((await signedFor('301', 'secret-acme-0123456789abcdef', 1)).status).toBe(200);
    expect((await signedFor('302', 'secret-acme-0123456789abcdef', 2)).status).toBe(200);
    await svc!.drain();
    await db.query("INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at, state) VALUES ('301', 9, true, 1, 0, 0, 'parked')");
    const count = async (tenant: string) => {
      const out: Record<string, number> = {};
      for (const t of ['tickets', 'jobs', 'deliveries']) out[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE tenant = $1`, [tenant]))[0].n;
      return out;
    };
    expect(await count('301')).toEqual({ tickets: 1, jobs: 1, deliveries: 1 });
    expect(await (await admin('/admin/tenants/301', { method: 'DELETE' })).json()).toEqual({ removed: true });
    expect(await count('301')).toEqual({ tickets: 0, jobs: 0, deliveries: 0 });
    expect(await count('302')).toEqual({ tickets: 1, jobs: 0, deliveries: 1 });
    expect((await signedFor('301', 'secret-acme-0123456789abcdef', 1)).status).toBe(401);
  });
});

describeOnce('23b. a tenant deleted on one instance', () => {
  test('is gone on every other at once: its deliveries are refused and nothing is stored for it', async () => {
    const hosts: Record<string, string> = { acme: z.url };
    const key = randomBytes(32);
    await boot({ encryptionKeys: [key], tenantBaseUrl: (s) => hosts[s] });
    const other = await startService(null, { db, now: () => clock, log: () => undefined, catchUpMs: 0, encryptionKeys: [key], tenantBaseUrl: (s) => hosts[s] });
    try {
      expect((await admin('/admin/tenants/401', { method: 'PUT', body: JSON.stringify({ settings: settingsFor('acme', 'secret-acme-0123456789abcdef') }) })).status).toBe(200);
      addKiwiTicket(z, 1);
      // The other instance learns the tenant (and caches it) from a delivery.
      expect((await signedFor('401', 'secret-acme-0123456789abcdef', 1, 'a-1', other.url)).status).toBe(200);
      await other.drain();
      expect(await (await admin('/admin/tenants/401', { method: 'DELETE' })).json()).toEqual({ removed: true });
      expect((await signedFor('401', 'secret-acme-0123456789abcdef', 1, 'a-2', other.url)).status).toBe(401);
      await other.drain();
      for (const t of ['tickets', 'jobs', 'deliveries']) expect(await db.query(`SELECT 1 FROM ${t} WHERE tenant = '401'`)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describeOnce('17. catch up after downtime', () => {
  test('tickets changed while no delivery came are read from the export and brought up to date; a version the store holds costs no read', async () => {
    await boot();
    addKiwiTicket(z, 1);
    addKiwiTicket(z, 2);
    await deliver(svc!.url, 1, clock);
    await deliver(svc!.url, 2, clock);
    await svc!.drain();
    await svc!.close();
    // Down: an agent changes ticket 1, and its delivery is lost.
    z.agentEdit(1, { custom_fields: [{ id: IDS.impact, value: 'sla_impact_1' }] });
    const due = value(z, 1, IDS.first_response);
    // Up again, with the catch-up on; its mark stands before the outage.
    await db.query('INSERT INTO watermarks (tenant, since, next_at) VALUES ($1, $2, 0)', ['env', Date.parse('2026-11-20T13:00:00Z')]);
    z.requests.length = 0;
    await boot({ catchUpMs: 60_000 });
    await until(() => value(z, 1, IDS.first_response) !== due, 10_000);
    await svc!.drain();
    // Ticket 2 came in the export too, but the store holds its version: not read again.
    expect(z.requests.filter((r) => r.path === '/api/v2/tickets/2/audits.json' || r.path === '/api/v2/tickets/2.json')).toEqual([]);
    // One page of the catch-up's (the reports' history reads its own, from 52 weeks back: history.test.ts).
    expect(z.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json' && !r.query.includes(`per_page=${HISTORY_PER_PAGE}`)).length).toBe(1);
    const [mark] = await db.query<{ since: number }>("SELECT since FROM watermarks WHERE tenant = 'env'");
    expect(mark.since).toBeGreaterThan(Date.parse('2026-11-20T14:00:00Z'));
  });
});

import { spawn, type ChildProcess } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { startService } from '../../zendesk-app/service/src/server';
import { signWebhook } from '../../zendesk-app/service/src/signature';
import { API_USER, ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, fastPolicy, IDS, notesOf, SECRET, serviceConfig, wrongTickets } from './helpers';

/** The queue's counts, from the admin surface (/healthz is liveness alone). */
const stats = async (url: string) => (await (await fetch(`${url}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { queue: { queued: number; running: number; parked: number; scheduled: number } };
import { startCluster, type Cluster } from './pg-cluster';

/**
 * The proofs on a real PostgreSQL, on the real clock: two service processes share the work and one
 * is killed with SIGKILL in the middle; then the server itself restarts under a running service.
 * Afterwards every ticket is right, no note or tag is written twice, and nothing is lost.
 */
jest.setTimeout(240_000);

// npm test runs every file under two zones. These proofs run on the real clock with UTC instants
// and no calendar arithmetic that a zone could change, and they are the slowest tests here: they
// run once, under the first zone (UTC), and are skipped under the second.
const proof = process.env.TZ && process.env.TZ !== 'UTC' ? test.skip : test;

const main = join(__dirname, '..', '..', 'zendesk-app', 'service', 'dist', 'service', 'src', 'main.js');
const policyFile = join(__dirname, 'fast-24x7.yaml');
const FIELD_IDS = JSON.stringify({ impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state, due_first_response: IDS.first_response, due_resolution: IDS.resolution });

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

function instance(zendesk: string, name: string, store: Record<string, string> = { DATABASE_URL: cluster.url }, extra: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [main], {
    env: {
      ...store,
      PATH: process.env.PATH,
      ZENDESK_BASE_URL: zendesk,
      ZENDESK_EMAIL: 'svc@example.com',
      ZENDESK_API_TOKEN: 'token',
      ZENDESK_SERVICE_USER_ID: String(API_USER),
      SLA_LEAD_GROUP_IDS: '7',
      SLA_WEBHOOK_SECRET: SECRET,
      SLA_POLICY: policyFile,
      SLA_FIELD_IDS: FIELD_IDS,
      PORT: '0',
      HOST: '127.0.0.1',
      SLA_INSTANCE_ID: name,
      SLA_POLL_MS: '100',
      SLA_LEASE_MS: '2000',
      SLA_ADMIN_TOKEN: ADMIN_TOKEN,
      // These proofs count the store's own work; the catch-up from the export is proven apart.
      SLA_CATCH_UP_MS: '0',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /"msg":"listening","url":"([^"]+)"/.exec(out);
      if (m) resolve({ url: m[1], child });
      if (out.length > 100_000) out = out.slice(-10_000);
    });
    child.on('exit', (code) => reject(new Error(`instance ${name} exited ${code}: ${err}`)));
  });
}

/** Zendesk's side of a delivery: it tries again (another instance, behind the load balancer) until one answers 2xx. */
async function deliverUntilTaken(urls: () => string[], id: number, k: number): Promise<number> {
  const body = JSON.stringify({ ticket_id: String(id) });
  for (let attempt = 0; attempt < 200; attempt++) {
    const list = urls();
    const url = list[(k + attempt) % list.length];
    const ts = new Date(Date.now() + (k % 997)).toISOString();
    try {
      const r = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(SECRET, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
      if (r.ok) return attempt;
    } catch {
      // refused: that instance is gone
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`delivery for ticket ${id} never taken`);
}

function duplicates(z: ZendeskEmulator): number[] {
  const out: number[] = [];
  for (const id of z.tickets.keys()) {
    const notes = notesOf(z, id);
    const tags = z.tickets.get(id)!.tags;
    if (new Set(notes).size !== notes.length || new Set(tags).size !== tags.length) out.push(id);
  }
  return out;
}

const BREACH_AFTER_MS = 25_000;

proof('kill -9 of one of two instances in the middle of 2,000 deliveries and 1,000 due transitions: every ticket right, nothing twice, nothing lost', async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: npm run build -w zendesk-app`);
  const z = new ZendeskEmulator();
  await z.start();
  const children: ChildProcess[] = [];
  try {
    const N = 1000;
    const t0 = Date.now();
    // Zendesk's updated_at on the real clock (its own write times go into the audits the check reads), always moving forward.
    let last = 0;
    z.stamp = () => new Date((last = Math.max(Date.now(), last + 1))).toISOString();
    // P1 under fast-24x7: due 10 minutes after creation. Each ticket's breach falls 25-30 s from now,
    // after its deliveries (about 12 s, more with another suite beside it on two cores): 1,000
    // transitions that only the clock brings.
    for (let id = 1; id <= N; id++) {
      const created = t0 - 10 * 60_000 + BREACH_AFTER_MS + id * 5;
      addKiwiTicket(z, id, '1', '1', 'plus');
      z.tickets.get(id)!.created_at = new Date(created).toISOString();
      z.audits.get(id)![0].created_at = new Date(created).toISOString();
    }
    const a = await instance(z.url, 'a');
    const b = await instance(z.url, 'b');
    children.push(a.child, b.child);
    let alive = [a.url, b.url];
    const ids = [...Array(2 * N)].map((_, i) => 1 + ((i * 7919) % N));
    let next = 0;
    let killedAt = -1;
    let heldByA = -1;
    const worker = async () => {
      while (next < ids.length) {
        const k = next++;
        if (k === 700 && killedAt < 0) {
          killedAt = k;
          a.child.kill('SIGKILL');
          alive = [b.url];
          // What the killed instance held: jobs under its lease, to be taken over when the lease runs out.
          heldByA = await cluster.query("SELECT count(*)::int AS n FROM jobs WHERE locked_by = 'a'");
        }
        await deliverUntilTaken(() => alive, ids[k], k);
      }
    };
    await Promise.all([...Array(40)].map(worker));
    expect(killedAt).toBe(700);
    const deliveredBy = Date.now() - t0;
    console.log(`kill -9 proof: deliveries done in ${deliveredBy} ms; the killed instance held ${heldByA} jobs`);
    // Every breach instant has passed, and the survivor has nothing left to do.
    const lastBreach = t0 + BREACH_AFTER_MS + N * 5;
    for (;;) {
      const h = await stats(b.url);
      if (Date.now() > lastBreach + 2_000 && h.queue.queued === 0 && h.queue.running === 0 && h.queue.scheduled === 0) break;
      if (Date.now() - t0 > 180_000) throw new Error(`not done: ${JSON.stringify(h.queue)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const cfg = serviceConfig(z.url, { policy: fastPolicy() });
    const wrong = wrongTickets(z, cfg, Date.now());
    expect(wrong).toEqual([]);
    expect(duplicates(z)).toEqual([]);
    const breachedByClock = [...z.tickets.keys()].filter((id) => notesOf(z, id).some((n) => / (is breached|est dépassé)/.test(n)) && notesOf(z, id).some((n) => / (is at risk|est à risque)/.test(n)));
    for (let id = 1; id <= N; id++) expect(z.tickets.get(id)!.custom_fields.find((f) => f.id === IDS.state)?.value).toBe('breached');
    // The killed instance had work in hand, which the survivor took over when its lease ran out.
    expect(heldByA).toBeGreaterThan(0);
    // Nearly every ticket was at risk at its deliveries, and its breach came from the clock alone.
    expect(breachedByClock.length).toBeGreaterThan(N * 0.9);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await z.stop();
  }
});

proof('kill -9 in the middle of an escalation ladder\'s transitions: each level\'s note, tag and notify post once per ticket, none lost', async () => {
  const { createServer } = await import('https');
  const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('fs');
  const { tmpdir } = await import('os');
  const { parsePolicy } = await import('@sla-desk/core');
  const tls = (f: string) => join(__dirname, '..', 'fixtures', 'tls', f);
  const posts: string[] = [];
  const hook = createServer({ key: readFileSync(tls('loopback.key')), cert: readFileSync(tls('loopback.crt')) }, (req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      posts.push(String((JSON.parse(b) as { sla_desk?: { id?: string } }).sla_desk?.id));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'sla-ladder-'));
  const text = readFileSync(join(__dirname, 'fast-ladder-24x7.yaml'), 'utf8').replaceAll('NOTIFY_PORT', String((hook.address() as import('net').AddressInfo).port));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const z = new ZendeskEmulator();
  await z.start();
  let last = 0;
  z.stamp = () => new Date((last = Math.max(Date.now(), last + 1))).toISOString();
  const children: ChildProcess[] = [];
  try {
    // What an earlier proof left in the store (none when this one runs alone, before any migration).
    await cluster.query("DO $$ BEGIN IF to_regclass('ladder_notices') IS NOT NULL THEN TRUNCATE deliveries, jobs, tickets, ladder_notices; END IF; END $$");
    const N = 200;
    const t0 = Date.now();
    // P1's minute: level 1 at 54 s (4-6 s from now), level 2 at 57 s, the breach at 60 s.
    for (let id = 1; id <= N; id++) {
      const created = new Date(t0 - 54_000 + 4_000 + id * 10).toISOString();
      addKiwiTicket(z, id, '1', '1', 'plus');
      z.tickets.get(id)!.created_at = created;
      z.audits.get(id)![0].created_at = created;
    }
    // The extra CA lets the processes trust the loopback receiver's test certificate.
    const env = { SLA_POLICY: file, NODE_EXTRA_CA_CERTS: tls('loopback.crt') };
    const a = await instance(z.url, 'a', undefined, env);
    const b = await instance(z.url, 'b', undefined, env);
    children.push(a.child, b.child);
    let alive = [a.url, b.url];
    for (let k = 0; k < N; k++) await deliverUntilTaken(() => alive, k + 1, k);
    // In the middle of level 1's transitions (they fall over 2 s), one instance dies.
    while (Date.now() < t0 + 5_000) await new Promise((r) => setTimeout(r, 50));
    a.child.kill('SIGKILL');
    alive = [b.url];
    for (;;) {
      const h = await stats(b.url);
      const unsent = await cluster.query("SELECT count(*)::int AS n FROM ladder_notices WHERE state = 'due'");
      if (Date.now() > t0 + 13_000 && h.queue.queued === 0 && h.queue.running === 0 && h.queue.scheduled === 0 && unsent === 0) break;
      if (Date.now() - t0 > 90_000) throw new Error(`not done: ${JSON.stringify(h.queue)}, ${unsent} notices unsent`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const parsed = parsePolicy(text);
    expect(wrongTickets(z, serviceConfig(z.url, { policy: parsed.policy! }), Date.now())).toEqual([]);
    expect(duplicates(z)).toEqual([]);
    for (let id = 1; id <= N; id++) {
      const lines = notesOf(z, id).flatMap((n) => n.split('\n'));
      expect([id, lines.filter((l) => / reached Tell the agent/.test(l)).length, lines.filter((l) => / reached Breached/.test(l)).length]).toEqual([id, 1, 1]);
      expect([id, z.tickets.get(id)!.tags.filter((t) => t === 'sla_escalated' || t.startsWith('sla_ladder_'))]).toEqual([id, ['sla_escalated', 'sla_ladder_first_response_1_3']]);
    }
    // Every ticket's level-1 post arrived. A post in flight at the kill can come twice (the body's id
    // says so to the receiver); none is lost.
    const want = [...Array(N)].map((_, i) => `zendesk:${i + 1}:first_response:1:1`);
    expect([...new Set(posts)].sort()).toEqual(want.sort());
    console.log(`ladder kill -9 proof: ${posts.length} posts for ${N} levels`);
    expect(posts.length - N).toBeLessThanOrEqual(20);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await z.stop();
    await new Promise<void>((r) => hook.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

proof('PostgreSQL restarted mid-run: the service reconnects, deliveries refused meanwhile are taken on Zendesk\'s retry, nothing is lost or written twice', async () => {
  const z = new ZendeskEmulator();
  await z.start();
  const errors: string[] = [];
  const svc = await startService(serviceConfig(z.url), {
    databaseUrl: cluster.url,
    instanceId: 'restart',
    pollMs: 50,
    leaseMs: 2_000,
    backoffMs: () => 200,
    catchUpMs: 0,
    log: (e) => void (e.level === 'error' || e.level === 'warn' ? errors.push(String(e.msg)) : undefined),
  });
  try {
    await svc.db.query('TRUNCATE deliveries, jobs, tickets');
    const N = 300;
    for (let id = 1; id <= N; id++) addKiwiTicket(z, id, String(1 + (id % 4)), String(1 + ((id >> 2) % 4)), id % 2 ? 'plus' : 'basic');
    let next = 0;
    let restarted: Promise<void> | null = null;
    const retries: number[] = [];
    const worker = async () => {
      while (next < 2 * N) {
        const k = next++;
        if (k === 250) restarted = cluster.restart(1_000);
        retries.push(await deliverUntilTaken(() => [svc.url], 1 + (k % N), k));
      }
    };
    await Promise.all([...Array(20)].map(worker));
    await restarted;
    await svc.drain(60_000);
    // Some deliveries were answered 503 while the server was down (Zendesk retries those).
    expect(errors).toContain('delivery not stored');
    expect(retries.some((n) => n > 0)).toBe(true);
    // The service came back by itself: nothing lost, nothing twice.
    // On the real clock: these tickets of 2026-11-20 are long breached, a state that no longer moves.
    expect(wrongTickets(z, serviceConfig(z.url), Date.now())).toEqual([]);
    expect(duplicates(z)).toEqual([]);
    expect((await (await fetch(`${svc.url}/healthz`)).json()).ok).toBe(true);
  } finally {
    await svc.close();
    await z.stop();
  }
});

proof('kill -9 on the embedded store (PGlite in a data directory): after the restart, the transitions that fell due meanwhile land, once', async () => {
  const { mkdtempSync, rmSync } = await import('fs');
  const { tmpdir } = await import('os');
  const dir = mkdtempSync(join(tmpdir(), 'sla-pglite-'));
  const z = new ZendeskEmulator();
  await z.start();
  let last = 0;
  z.stamp = () => new Date((last = Math.max(Date.now(), last + 1))).toISOString();
  const children: ChildProcess[] = [];
  try {
    const N = 20;
    const t0 = Date.now();
    for (let id = 1; id <= N; id++) {
      const created = new Date(t0 - 10 * 60_000 + 8_000).toISOString();
      addKiwiTicket(z, id, '1', '1', 'plus');
      z.tickets.get(id)!.created_at = created;
      z.audits.get(id)![0].created_at = created;
    }
    const store = { SLA_DATA_DIR: join(dir, 'data') };
    const a = await instance(z.url, 'a', store);
    children.push(a.child);
    for (let id = 1; id <= N; id++) await deliverUntilTaken(() => [a.url], id, id);
    for (;;) {
      const h = await stats(a.url);
      if (h.queue.queued === 0 && h.queue.running === 0 && h.queue.scheduled === N) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let id = 1; id <= N; id++) expect(notesOf(z, id)).toEqual([expect.stringMatching(/ (is at risk|est à risque)/)]);
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    // Down while the breaches fall due.
    while (Date.now() < t0 + 9_000) await new Promise((r) => setTimeout(r, 200));
    const b = await instance(z.url, 'b', store);
    children.push(b.child);
    for (;;) {
      const h = await stats(b.url);
      if (h.queue.queued === 0 && h.queue.running === 0 && h.queue.scheduled === 0) break;
      if (Date.now() - t0 > 60_000) throw new Error(`not done: ${JSON.stringify(h.queue)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(wrongTickets(z, serviceConfig(z.url, { policy: fastPolicy() }), Date.now())).toEqual([]);
    expect(duplicates(z)).toEqual([]);
    for (let id = 1; id <= N; id++) expect(notesOf(z, id)).toEqual([expect.stringMatching(/ (is at risk|est à risque)/), expect.stringMatching(/ (is breached|est dépassé)/)]);
    // The breaches came from the store: no ticket was read after the restart.
    expect(z.requests.filter((r) => r.method === 'GET')).toHaveLength(N * 2);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await z.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

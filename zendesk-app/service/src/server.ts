import { createServer, type Server } from 'http';
import { hostname } from 'os';
import type { AddressInfo } from 'net';
import { PassThrough } from 'stream';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import Fastify, { type FastifyError } from 'fastify';
import { ConfigError, type ServiceConfig } from './config';
import { migrate, openDb, type Db } from './db';
import type { Log, Outcome } from './handler';
import { runPass } from './pass';
import { claimJobs, completeJob, enqueueDeliveries, extendLease, failJob, parkedJobs, promoteDue, pruneDeliveries, queueStats, retryParked, type Delivery, type Enqueued, type Job } from './queue';
import { REPLAY_WINDOW_MS, verifySignature } from './signature';
import { Tenants, type Tenant, type TenantSettings } from './tenants';
import { retryAfterOf } from './zendesk';

/** The trigger's body is {"ticket_id": "123"}: a few bytes. Anything near this is not Zendesk. */
export const MAX_BODY = 64 * 1024;
/**
 * Zendesk gives up on a webhook after about 10 s (its webhook docs); a body that has not arrived
 * in 5 s is not coming, and holding the socket longer only helps a slow-body attack.
 */
export const BODY_TIMEOUT_MS = 5_000;

/**
 * The webhook service on fastify, over a durable store (db.ts). POST /webhook: a delivery is
 * verified (its tenant by x-zendesk-account-id, then the signature on the raw bytes), recorded in
 * the store and answered 200 at once; the work runs from the store, in this instance or another
 * (queue.ts). The worker also fires each open ticket's next SLA transition at its instant, from the
 * stored timeline (pass.ts). GET /healthz; /admin/* with SLA_ADMIN_TOKEN.
 */
export interface Service {
  url: string;
  server: Server;
  db: Db;
  /** This instance's name in the queue's leases. */
  instanceId: string;
  /** Counts: passes per outcome, deliveries per verdict, Zendesk requests, transitions written. */
  stats: Stats;
  tenants: Tenants;
  /** Runs one round of the worker now (the loop runs it every pollMs anyway). */
  tick(): Promise<number>;
  /** Resolves when no job is runnable and no transition is due (tests and the workbench). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Stats = Record<Outcome | 'failed' | 'parked' | 'rejected' | 'invalid' | Enqueued | 'reads' | 'writes' | 'transitions' | 'passes', number>;

export interface ServiceOptions {
  /** The SLA clock (the workbench moves it); the queue's leases and back-off use the wall clock. */
  now?: () => number;
  log?: Log;
  host?: string;
  port?: number;
  bodyTimeoutMs?: number;
  /** A store to use (shared by instances in one process); otherwise one is opened and closed with the service. */
  db?: Db;
  databaseUrl?: string;
  dataDir?: string;
  encryptionKey?: Buffer | null;
  adminToken?: string;
  instanceId?: string;
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  concurrency?: number;
  /** Back-off before try n (ms), when Zendesk sent no longer Retry-After. */
  backoffMs?: (attempts: number) => number;
  /** false: answer webhooks only; another instance works the queue. */
  worker?: boolean;
}

/** Zendesk retries a webhook that answers 503 with a Retry-After under 60 s (its webhook docs). */
const RETRY_AFTER_S = 30;
/** Webhook requests in flight above which the worker slows down for them. */
const BURST = 32;
export const MAX_ATTEMPTS = 8;

export function defaultBackoff(attempts: number): number {
  const base = Math.min(5 * 60_000, 1_000 * 2 ** attempts);
  return Math.round(base * (0.5 + Math.random() / 2));
}

export async function startService(cfg: ServiceConfig | null, opts: ServiceOptions = {}): Promise<Service> {
  const now = opts.now ?? Date.now;
  const log: Log = opts.log ?? ((e) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`));
  const stats = Object.fromEntries(['written', 'unchanged', 'not-found', 'closed', 'failed', 'parked', 'rejected', 'invalid', 'queued', 'folded', 'duplicate', 'rerun', 'reads', 'writes', 'transitions', 'passes'].map((k) => [k, 0])) as Stats;
  const ownDb = !opts.db;
  const db = opts.db ?? (await openDb({ url: opts.databaseUrl, dataDir: opts.dataDir, onError: (e) => log({ level: 'warn', msg: 'database connection lost', error: e.message }) }));
  await migrate(db);
  const tenants = new Tenants(db, opts.encryptionKey ?? null, cfg);
  const me = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pollMs = opts.pollMs ?? 1_000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;
  const concurrency = opts.concurrency ?? 16;
  const backoff = opts.backoffMs ?? defaultBackoff;

  // The worker: due transitions become jobs, then up to `concurrency` jobs run at once.
  let running = 0;
  let inflight = 0;
  let stopped = false;
  let wake: (() => void) | null = null;
  let lastPrune = 0;
  const active = new Set<Promise<void>>();
  const runJob = async (job: Job) => {
    const lease = setInterval(() => void extendLease(db, job, me, Date.now() + leaseMs).catch(() => undefined), Math.max(500, leaseMs / 3));
    try {
      const tenant = await tenants.byId(job.tenant);
      if (!tenant) throw new Error(`tenant ${job.tenant} is not configured`);
      const r = await runPass(db, tenant.cfg, tenant.http, job.tenant, job.ticket_id, job.needs_read, now, log);
      stats[r.outcome]++;
      stats.passes++;
      stats.reads += r.reads;
      stats.writes += r.writes;
      stats.transitions += r.transitions;
      await completeJob(db, job, me);
      log({ level: 'info', msg: 'ticket handled', tenant: job.tenant, ticketId: job.ticket_id, outcome: r.outcome, read: job.needs_read, transitions: r.transitions });
    } catch (e) {
      stats.failed++;
      const after = retryAfterOf(e);
      const wait = Math.max(after ?? 0, backoff(job.attempts + 1));
      const verdict = await failJob(db, job, me, (e as Error).message, Date.now() + wait, maxAttempts).catch(() => 'lost' as const);
      if (verdict === 'parked') stats.parked++;
      log({ level: verdict === 'parked' ? 'error' : 'warn', msg: verdict === 'parked' ? 'job parked' : 'job failed, will retry', tenant: job.tenant, ticketId: job.ticket_id, attempts: job.attempts + 1, error: (e as Error).message, retryInMs: verdict === 'parked' ? null : wait });
    } finally {
      clearInterval(lease);
    }
  };
  const tick = async (): Promise<number> => {
    const wall = Date.now();
    if (wall - lastPrune > 60_000) {
      lastPrune = wall;
      await pruneDeliveries(db, wall - 2 * REPLAY_WINDOW_MS);
    }
    // Answering Zendesk comes first: during a burst of deliveries the worker runs two passes at a
    // time (so that it never stops under a steady load), and the answers keep the CPU and the store.
    const free = (inflight > BURST ? 2 : concurrency) - running;
    if (free <= 0) return 0;
    await promoteDue(db, now(), wall);
    const jobs = await claimJobs(db, me, wall, leaseMs, free);
    for (const job of jobs) {
      running++;
      const p: Promise<void> = runJob(job).finally(() => {
        running--;
        active.delete(p);
        wake?.();
      });
      active.add(p);
    }
    return jobs.length;
  };
  let loop: Promise<void> = Promise.resolve();
  if (opts.worker !== false) {
    loop = (async () => {
      while (!stopped) {
        let claimed = 0;
        try {
          claimed = await tick();
        } catch (e) {
          log({ level: 'warn', msg: 'worker round failed', error: (e as Error).message });
        }
        if (stopped) break;
        if (claimed > 0 && running < concurrency) continue;
        await new Promise<void>((r) => {
          const t = setTimeout(() => ((wake = null), r()), pollMs);
          wake = () => (clearTimeout(t), (wake = null), r());
        });
      }
    })();
  }
  // Deliveries that arrive together are stored together: one statement per batch, and the next
  // batch gathers while one is being written (a group commit). At 500 at once this keeps the
  // answers fast; alone, a delivery waits for nothing.
  let batch: { d: Delivery; resolve: (e: Enqueued) => void; reject: (e: Error) => void }[] = [];
  // PGlite runs one statement at a time; PostgreSQL takes a few batches at once on its pool.
  const maxWriting = db.kind === 'postgres' ? 4 : 1;
  let writing = 0;
  const flush = async () => {
    if (writing >= maxWriting || !batch.length) return;
    writing++;
    const b = batch.splice(0, 1_000);
    try {
      const out = await enqueueDeliveries(db, b.map((x) => x.d));
      b.forEach((x, i) => x.resolve(out[i]));
    } catch (e) {
      b.forEach((x) => x.reject(e as Error));
    } finally {
      writing--;
      void flush();
    }
  };
  const store = (d: Delivery) =>
    new Promise<Enqueued>((resolve, reject) => {
      batch.push({ d, resolve, reject });
      void flush();
    });

  const drain = async (timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [r] = await db.query<{ jobs: number; due: number }>(`SELECT (SELECT count(*)::int FROM jobs WHERE state = 'queued') AS jobs, (SELECT count(*)::int FROM tickets WHERE next_at IS NOT NULL AND next_at <= $1) AS due`, [now()]);
      if (r.jobs === 0 && r.due === 0 && running === 0) return;
      if (Date.now() > until) throw new Error(`not drained in ${timeoutMs} ms: ${r.jobs} jobs, ${r.due} due transitions, ${running} running`);
      if (opts.worker === false) await tick().catch(() => 0);
      else wake?.();
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  const app = Fastify({
    bodyLimit: MAX_BODY,
    // Node's own limits, shorter than its defaults, as a backstop to the body timer below; the
    // check interval makes them bite on time instead of up to 30 s late.
    serverFactory: (handler) =>
      createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 }, handler),
    return503OnClosing: true,
    logger: false,
  });

  // A body that trickles in too slowly is cut after bodyTimeoutMs with a 408, through a pass-through
  // stream so that the socket stays open for the answer.
  const bodyTimeout = opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  app.addHook('preParsing', async (_req, reply, payload) => {
    const through = new PassThrough();
    const timer = setTimeout(() => {
      if (reply.sent || through.destroyed) return;
      payload.unpipe(through);
      through.destroy(Object.assign(new Error('the body did not arrive in time'), { statusCode: 408 }));
    }, bodyTimeout);
    const stop = () => clearTimeout(timer);
    payload.on('end', stop);
    payload.on('close', stop);
    payload.on('error', (e) => (stop(), through.destroy(e)));
    through.on('close', stop);
    // Answered early (a body over the limit): the timer has nothing left to cut.
    reply.raw.on('close', stop);
    return payload.pipe(through);
  });
  // The raw bytes are what Zendesk signed; parse them only after the signature holds.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    // The error's code and status only: never the body, which may hold ticket content.
    log({ level: status >= 500 ? 'error' : 'warn', msg: 'request failed', status, code: err.code ?? null, path: req.url.slice(0, 100) });
    if (!reply.sent && !req.raw.destroyed) void reply.code(status).send({ error: status === 413 ? 'body too large' : status === 408 ? 'body not received in time' : status >= 500 ? 'internal error' : 'bad request' });
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      const queue = await queueStats(db);
      return { ok: true, policy: cfg?.policy.id ?? null, store: db.kind, queue };
    } catch (e) {
      log({ level: 'error', msg: 'health: store unreachable', error: (e as Error).message });
      return reply.code(503).send({ ok: false, error: 'store unreachable' });
    }
  });

  // Admin: bearer SLA_ADMIN_TOKEN, compared in constant time. Without a token, no admin routes.
  const adminHash = opts.adminToken ? createHash('sha256').update(opts.adminToken).digest() : null;
  const isAdmin = (auth: string | undefined) => {
    if (!adminHash || !auth?.startsWith('Bearer ')) return false;
    return timingSafeEqual(createHash('sha256').update(auth.slice(7)).digest(), adminHash);
  };
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/admin/')) return;
    if (!isAdmin(req.headers.authorization)) return reply.code(401).send({ error: adminHash ? 'admin token required' : 'admin routes are off: set SLA_ADMIN_TOKEN' });
  });
  const jsonBody = (raw: unknown): Record<string, unknown> | null => {
    try {
      const v = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
      return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
    } catch {
      return null;
    }
  };
  // Parked jobs: shown, and sent back to the queue on request; a new delivery for the ticket revives its job too.
  app.get('/admin/jobs/parked', async (req) => ({ parked: await parkedJobs(db, (req.query as { tenant?: string }).tenant) }));
  app.post('/admin/jobs/parked/retry', async (req) => {
    const n = await retryParked(db, Date.now(), (req.query as { tenant?: string }).tenant);
    wake?.();
    return { requeued: n };
  });
  app.put('/admin/tenants/:account', async (req, reply) => {
    const body = jsonBody(req.body);
    const settings = body?.settings;
    if (!settings || typeof settings !== 'object' || Object.values(settings).some((v) => typeof v !== 'string')) return reply.code(400).send({ error: 'body: expected {"settings": {"ZENDESK_SUBDOMAIN": "…", …}} with string values' });
    try {
      const t = await tenants.put((req.params as { account: string }).account, settings as TenantSettings);
      return { ok: true, policy: t.policy.id };
    } catch (e) {
      if (e instanceof ConfigError) return reply.code(400).send({ error: e.message });
      throw e;
    }
  });
  app.delete('/admin/tenants/:account', async (req) => ({ removed: await tenants.remove((req.params as { account: string }).account) }));

  // Requests in flight, until their answer is sent or their client is gone.
  app.addHook('onRequest', async (_req, reply) => {
    inflight++;
    reply.raw.once('close', () => inflight--);
  });
  app.post('/webhook', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = header(req.headers['x-zendesk-webhook-signature']);
    const timestamp = header(req.headers['x-zendesk-webhook-signature-timestamp']);
    const account = header(req.headers['x-zendesk-account-id']);
    let tenant: Tenant | null;
    try {
      // A stored tenant for this account, else the single tenant of the environment.
      tenant = (account ? await tenants.stored(account) : null) ?? tenants.envTenant();
    } catch (e) {
      log({ level: 'error', msg: 'store unreachable', error: (e as Error).message });
      return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ error: 'temporarily unavailable; retry' });
    }
    if (!tenant) {
      stats.rejected++;
      log({ level: 'warn', msg: 'webhook rejected', reason: 'unknown account' });
      return reply.code(401).send({ error: 'unknown account' });
    }
    const verdict = verifySignature(tenant.cfg.webhookSecret, signature, timestamp, raw, now());
    if (!verdict.ok) {
      stats.rejected++;
      log({ level: 'warn', msg: 'webhook rejected', reason: verdict.reason });
      return reply.code(401).send({ error: `signature ${verdict.reason}` });
    }
    const parsed = ticketIdOf(raw);
    if (typeof parsed === 'string') {
      stats.invalid++;
      return reply.code(400).send({ error: parsed });
    }
    try {
      const outcome = await store({ tenant: tenant.id, key: `${timestamp}\n${signature}`, ticketId: parsed, at: now(), secondEnd: Math.floor(Date.parse(timestamp!) / 1000) * 1000 + 1000, wall: Date.now() });
      stats[outcome]++;
      // A new job wakes an idle worker at once (not during a burst: it would only ask the store again).
      if (outcome !== 'duplicate' && inflight <= BURST) wake?.();
      return reply.code(200).send({ ticket_id: parsed, outcome });
    } catch (e) {
      log({ level: 'error', msg: 'delivery not stored', ticketId: parsed, error: (e as Error).message });
      // Zendesk retries a 503 that carries a Retry-After under 60 s.
      return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ ticket_id: parsed, error: 'temporarily unavailable; retry' });
    }
  });

  await app.listen({ port: opts.port ?? cfg?.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server: app.server,
    db,
    instanceId: me,
    stats,
    tenants,
    tick,
    drain,
    close: async () => {
      stopped = true;
      wake?.();
      app.server.closeAllConnections();
      await app.close();
      await loop;
      // Passes under way finish (their writes land and are recorded) before the store closes.
      await Promise.allSettled([...active]);
      if (ownDb) await db.close();
    },
  };
}

/**
 * The ticket id of a trigger body: a positive safe integer, given as a JSON number or as a decimal
 * string ("{{ticket.id}}" in the trigger's JSON is a string). Anything else is refused with a
 * message naming the field; the value itself is not echoed.
 */
export function ticketIdOf(raw: Buffer): number | string {
  const expected = 'ticket_id: expected a positive integer, as a number or a decimal string';
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'body: expected JSON like {"ticket_id": "123"}';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'ticket_id')) return 'ticket_id: required';
  const v = (body as { ticket_id: unknown }).ticket_id;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : expected;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

import { createServer, type Server } from 'http';
import { hostname } from 'os';
import type { AddressInfo } from 'net';
import { PassThrough } from 'stream';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import { readFileSync } from 'fs';
import type { Socket } from 'net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { catchUp, CATCH_UP_MS } from './catchup';
import { ConfigError, type ServiceConfig } from './config';
import { migrate, openDb, type Db } from './db';
import type { Log, Outcome } from './handler';
import type { NotifyPolicy } from './notify';
import { runPass } from './pass';
import { requeueIfSettingsChanged } from './reevaluate';
import { pruneNotices, sendNotices } from './ladder';
import { claimJobs, completeJob, enqueueDeliveries, extendLease, failJob, parkedJobs, promoteDue, pruneDeliveries, queueStats, releaseLeases, retryParked, tenantExists, type Delivery, type Enqueued, type Job } from './queue';
import { REPLAY_WINDOW_MS, verifySignature } from './signature';
import { ACCOUNT_ID, checkAdminToken, ENV_TENANT, TenantUnavailableError, Tenants, type Tenant, type TenantSettings } from './tenants';
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
  /** The key list (SLA_ENCRYPTION_KEY with commas): the first seals, every one opens. */
  encryptionKeys?: Buffer[];
  /** Without one (or unset), there are no admin routes at all. At least 32 characters. */
  adminToken?: string;
  /** Where a tenant's subdomain lives (tests and the workbench); https://<subdomain>.zendesk.com otherwise. */
  tenantBaseUrl?: (subdomain: string) => string;
  /** Hosts (host or host:port) a tenant's SLA_NOTIFY_URL may name whatever they resolve to (SLA_NOTIFY_ALLOW_HOSTS). */
  notifyAllowHosts?: string[];
  /** The https agent for notices to trusted URLs (tests: a loopback receiver with its own certificate). */
  notifyAgent?: import('https').Agent;
  /** Worker slots one tenant may hold at once (default: all but 4 of them). */
  slotsPerTenant?: number;
  /** Open connections per client address (default 256, at most a quarter of all), and in all (default 4,096, and under the process's file limit). */
  maxConnectionsPerClient?: number;
  maxConnections?: number;
  /** Tenants and unknown account ids kept in memory, each (default 10,000). */
  tenantCacheMax?: number;
  /** How often each tenant's ticket export is read for changes no delivery brought (default 5 minutes; 0: never). */
  catchUpMs?: number;
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
/** Verified webhook requests in flight above which the worker slows down for them. */
const BURST = 32;
export const MAX_ATTEMPTS = 8;
/** The longest Retry-After the queue waits out; a longer one counts as a failed try. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;
/** An account id header is digits: anything longer is not Zendesk's. */
const MAX_ACCOUNT_HEADER = 20;

export function defaultBackoff(attempts: number): number {
  const base = Math.min(5 * 60_000, 1_000 * 2 ** attempts);
  return Math.round(base * (0.5 + Math.random() / 2));
}

export async function startService(cfg: ServiceConfig | null, opts: ServiceOptions = {}): Promise<Service> {
  const now = opts.now ?? Date.now;
  const log: Log = opts.log ?? ((e) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`));
  const stats = Object.fromEntries(['written', 'unchanged', 'not-found', 'closed', 'failed', 'parked', 'rejected', 'invalid', 'queued', 'folded', 'duplicate', 'rerun', 'refused', 'reads', 'writes', 'transitions', 'passes'].map((k) => [k, 0])) as Stats;
  if (opts.adminToken !== undefined) checkAdminToken(opts.adminToken);
  const ownDb = !opts.db;
  const db = opts.db ?? (await openDb({ url: opts.databaseUrl, dataDir: opts.dataDir, onError: (e) => log({ level: 'warn', msg: 'database connection lost', error: e.message }) }));
  const keys = opts.encryptionKeys ?? (opts.encryptionKey ? [opts.encryptionKey] : []);
  let tenants: Tenants;
  try {
    await migrate(db);
    tenants = new Tenants(db, keys, cfg, undefined, opts.tenantBaseUrl, opts.tenantCacheMax);
    // Stored tenants that do not open stop the start here, with the reason, not every delivery later.
    await tenants.open(log);
    // The embedded store belongs to this process alone: the leases of a process that died are void.
    if (ownDb && db.kind === 'pglite') await releaseLeases(db);
    // Settings changed while the service was down (a new policy, an upgrade's preset): every open
    // ticket it keeps is evaluated again. Stored tenants are compared as the catch-up visits them.
    const env = tenants.envTenant();
    if (env) await requeueIfSettingsChanged(db, env.id, env.cfg, Date.now(), log);
  } catch (e) {
    if (ownDb) await db.close().catch(() => undefined);
    throw e;
  }
  const replays = new InvocationLimit();
  // Verifies deliveries for accounts that are not tenants, so that they cost what a tenant's do.
  const unknownSecret = randomBytes(32).toString('base64');
  const allowHosts = new Set((opts.notifyAllowHosts ?? []).map((h) => h.toLowerCase()));
  const noticeFor = (tenant: string): NotifyPolicy => ({ trusted: tenant === ENV_TENANT, allowHosts });
  const me = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pollMs = opts.pollMs ?? 1_000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;
  const concurrency = opts.concurrency ?? 16;
  // With stored tenants, a quarter of the slots waits for tenants that have nothing running, and no
  // tenant holds more than the rest; the environment's tenant alone has every slot.
  const multi = keys.length > 0;
  const reserve = multi ? Math.max(1, Math.floor(concurrency / 4)) : 0;
  const perTenant = Math.max(1, Math.min(concurrency, opts.slotsPerTenant ?? concurrency - reserve));
  const backoff = opts.backoffMs ?? defaultBackoff;
  const catchUpMs = opts.catchUpMs ?? CATCH_UP_MS;

  // The worker: due transitions become jobs, then up to `concurrency` jobs run at once.
  let running = 0;
  let inflight = 0;
  let stopped = false;
  let wake: (() => void) | null = null;
  let lastPrune = 0;
  let sendingNotices: Promise<number> | null = null;
  const active = new Set<Promise<void>>();
  const runJob = async (job: Job) => {
    const lease = setInterval(() => void extendLease(db, job, me, Date.now() + leaseMs).catch(() => undefined), Math.max(500, leaseMs / 3));
    try {
      // A tenant deleted on another instance may still be in this one's cache: its job ends here.
      if (!(await tenantExists(db, job.tenant))) {
        tenants.forget(job.tenant);
        await db.query('DELETE FROM jobs WHERE tenant = $1 AND ticket_id = $2', [job.tenant, job.ticket_id]);
        return;
      }
      const tenant = await tenants.byId(job.tenant);
      if (!tenant) throw new Error(`tenant ${job.tenant} is not configured`);
      const r = await runPass(db, tenant.cfg, tenant.http, job.tenant, job.ticket_id, job.needs_read, now, log, noticeFor(job.tenant));
      stats[r.outcome]++;
      stats.passes++;
      stats.reads += r.reads;
      stats.writes += r.writes;
      stats.transitions += r.transitions;
      await completeJob(db, job, me);
      log({ level: 'info', msg: 'ticket handled', tenant: job.tenant, ticketId: job.ticket_id, outcome: r.outcome, read: job.needs_read, transitions: r.transitions });
    } catch (e) {
      stats.failed++;
      // A Retry-After is waited out in the queue, never in a slot; one over the cap (a 429 with
      // Retry-After: 99999999, or a date in 9999) counts as a failed try with the usual back-off,
      // so the job is parked after maxAttempts rather than moved years ahead.
      const after = retryAfterOf(e);
      const wait = after !== null && after <= MAX_RETRY_AFTER_MS ? Math.max(after, backoff(job.attempts + 1)) : backoff(job.attempts + 1);
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
      await pruneNotices(db);
    }
    // The ladder's notices go out beside the passes; a slow receiver holds up only its own post.
    if (!sendingNotices) sendingNotices = sendNotices(db, wall, noticeFor, log, { agent: opts.notifyAgent, claimMs: leaseMs }).catch(() => 0).finally(() => (sendingNotices = null));
    // Answering Zendesk comes first: during a burst of deliveries the worker runs two passes at a
    // time (so that it never stops under a steady load), and the answers keep the CPU and the store.
    const free = (inflight > BURST ? 2 : concurrency) - running;
    if (free <= 0) return 0;
    await promoteDue(db, now(), wall);
    const jobs = await claimJobs(db, me, wall, leaseMs, free, perTenant, concurrency, reserve);
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
  // The catch-up: each tenant's export, at start and every catchUpMs, for updates whose delivery
  // never came (a restart, an outage). One tenant's failure (no admin rights, a 429) waits for
  // its next round and touches no other tenant.
  let lastCatchUp = -Infinity;
  const catchUpAll = async () => {
    if (!catchUpMs || Date.now() - lastCatchUp < Math.min(catchUpMs, 30_000)) return;
    lastCatchUp = Date.now();
    // Four tenants at a time: one whose Zendesk hangs holds up only its own round.
    const queue = await tenants.all();
    const one = async () => {
      for (let t = queue.shift(); t && !stopped; t = queue.shift()) {
        const tenant = t;
        // A stored tenant's settings may have changed meaning under an upgrade (a preset's new text).
        if (tenant.id !== ENV_TENANT) await requeueIfSettingsChanged(db, tenant.id, tenant.cfg, Date.now(), log).catch(() => undefined);
        await catchUp(db, tenant, Date.now(), log, catchUpMs).catch((e) => log({ level: 'warn', msg: 'catch-up failed', tenant: tenant.id, status: (e as { response?: { status?: number } }).response?.status ?? null, error: (e as Error).message.slice(0, 200) }));
      }
    };
    await Promise.all([one(), one(), one(), one()]);
  };
  let catching: Promise<void> | null = null;
  let loop: Promise<void> = Promise.resolve();
  if (opts.worker !== false) {
    loop = (async () => {
      while (!stopped) {
        let claimed = 0;
        try {
          // Beside the worker, not in its way: one round at a time.
          if (catchUpMs && !catching) catching = catchUpAll().catch(() => undefined).finally(() => (catching = null));
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
    // check interval makes them bite on time instead of up to 30 s late. Headers are capped at
    // 8 KB: a Zendesk delivery's are a few hundred bytes.
    serverFactory: (handler) =>
      createServer({ requestTimeout: 15_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000, maxHeaderSize: 8 * 1024 }, handler),
    return503OnClosing: true,
    logger: false,
  });
  // One client may hold at most a quarter of all connections, so that others (Zendesk, the load
  // balancer's health check) always find room.
  const maxConnections = opts.maxConnections ?? defaultMaxConnections();
  limitConnections(app.server, Math.min(opts.maxConnectionsPerClient ?? 256, Math.max(1, Math.floor(maxConnections / 4))), maxConnections);

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

  // Every error gets its answer while the client is there to read it. (Node marks a request
  // destroyed once its body has been read, so that flag says nothing about the socket.)
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    // The error's code and status only: never the body, which may hold ticket content.
    log({ level: status >= 500 ? 'error' : 'warn', msg: 'request failed', status, code: err.code ?? null, path: req.routeOptions.url ?? null });
    if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) return;
    const body = { error: status === 413 ? 'body too large' : status === 408 ? 'body not received in time' : status >= 500 ? 'internal error' : 'bad request' };
    if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_S));
    void reply.code(status).send(body);
  });

  // Liveness, and nothing an unauthenticated caller could learn tenants from: the store answers
  // and every stored tenant opens. The queue's counts are on /admin/stats.
  app.get('/healthz', async (_req, reply) => {
    try {
      await db.query('SELECT 1 AS one');
    } catch (e) {
      log({ level: 'error', msg: 'health: store unreachable', error: (e as Error).message });
      return reply.code(503).send({ ok: false });
    }
    if (tenants.unreadable > 0) return reply.code(503).send({ ok: false });
    return { ok: true };
  });

  // Admin routes exist only with a token, in their own scope: the check is a hook on these routes
  // themselves, so it holds for any spelling of the path the router accepts (%-escapes, an
  // absolute-form target, //admin), and never depends on the request's text.
  if (opts.adminToken) {
    const adminHash = createHash('sha256').update(opts.adminToken).digest();
    const isAdmin = (auth: string | undefined) => !!auth?.startsWith('Bearer ') && timingSafeEqual(createHash('sha256').update(auth.slice(7)).digest(), adminHash);
    await app.register(async (admin) => {
      admin.addHook('onRequest', async (req, reply) => {
        if (!isAdmin(req.headers.authorization)) return reply.code(401).send({ error: 'admin token required' });
      });
      registerAdmin(admin, db, tenants, () => wake?.(), log);
    });
  }

  // Requests in flight are counted once they are verified deliveries: unauthenticated sockets must
  // not slow every tenant's worker.
  app.post('/webhook', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = header(req.headers['x-zendesk-webhook-signature']);
    const timestamp = header(req.headers['x-zendesk-webhook-signature-timestamp']);
    const account = header(req.headers['x-zendesk-account-id']);
    const invocation = header(req.headers['x-zendesk-webhook-invocation-id']);
    let tenant: Tenant | null;
    try {
      // A stored tenant for this account, else the single tenant of the environment.
      tenant = (account && account.length <= MAX_ACCOUNT_HEADER && ACCOUNT_ID.test(account) ? await tenants.stored(account) : null) ?? tenants.envTenant();
    } catch (e) {
      log({ level: 'error', msg: e instanceof TenantUnavailableError ? 'tenant settings do not open with this instance\'s key' : 'store unreachable', tenant: e instanceof TenantUnavailableError ? e.accountId : null, error: (e as Error).message });
      return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ error: 'temporarily unavailable; retry' });
    }
    // An unknown account and a bad signature get one answer, after the same work: neither tells
    // a caller which accounts are tenants here.
    const verdict = verifySignature(tenant?.cfg.webhookSecret ?? unknownSecret, signature, timestamp, raw, now());
    if (!tenant || !verdict.ok) {
      stats.rejected++;
      log({ level: 'warn', msg: 'webhook rejected', reason: !tenant ? 'unknown account' : verdict.ok ? 'ok' : verdict.reason });
      return reply.code(401).send({ error: 'signature not verified' });
    }
    inflight++;
    reply.raw.once('close', () => inflight--);
    const parsed = ticketIdOf(raw);
    if (typeof parsed === 'string') {
      stats.invalid++;
      return reply.code(400).send({ error: parsed });
    }
    // The invocation id is unique per invocation and the same on its retries; without one (older
    // senders, tools), the timestamp and signature stand in, with the one-more-pass rule for twins.
    // The id is not signed: it keys a delivery together with the signed part, so a guessed id
    // never makes a genuine delivery a "duplicate", and one captured delivery replayed under new
    // ids buys at most REPLAYS_PER_SIGNATURE passes.
    const unique = !!invocation && /^[A-Za-z0-9_-]{1,64}$/.test(invocation);
    const signed = `${timestamp}\n${signature}`;
    const key = unique ? `inv:${invocation}\n${signed}` : signed;
    if (unique && !replays.admit(`${tenant.id}\n${signed}`, invocation)) {
      stats.duplicate++;
      return reply.code(200).send({ ticket_id: parsed, outcome: 'duplicate' });
    }
    try {
      const outcome = await store({ tenant: tenant.id, key, unique, ticketId: parsed, at: now(), secondEnd: Math.floor(Date.parse(timestamp!) / 1000) * 1000 + 1000, wall: Date.now() });
      stats[outcome]++;
      if (outcome === 'refused') {
        tenants.forget(tenant.id);
        return reply.code(401).send({ error: 'signature not verified' });
      }
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
      await catching;
      // Passes under way finish (their writes land and are recorded) before the store closes.
      await Promise.allSettled([...active]);
      await sendingNotices;
      if (ownDb) await db.close();
    },
  };
}

/**
 * Distinct invocation ids seen per signed delivery (timestamp and signature), within the signature
 * window. Genuine invocations share one only when they fall in one second for one ticket, a few at
 * most; a captured delivery replayed under ever new ids is held to REPLAYS_PER_SIGNATURE.
 */
export const REPLAYS_PER_SIGNATURE = 4;
class InvocationLimit {
  private seen = new LRUCache<string, Set<string>>({ max: 100_000, ttl: 2 * REPLAY_WINDOW_MS });
  admit(signed: string, invocation: string): boolean {
    const ids = this.seen.get(signed) ?? new Set<string>();
    if (ids.has(invocation)) return true;
    if (ids.size >= REPLAYS_PER_SIGNATURE) return false;
    ids.add(invocation);
    this.seen.set(signed, ids);
    return true;
  }
}

/** The admin surface (docs/service.md): parked jobs, the queue's counts, and tenants. Registered only in the token's scope. */
function registerAdmin(admin: FastifyInstance, db: Db, tenants: Tenants, wake: () => void, log: Log): void {
  const tenantOf = (req: { query: unknown }) => {
    const t = (req.query as { tenant?: unknown }).tenant;
    return typeof t === 'string' && (t === ENV_TENANT || ACCOUNT_ID.test(t)) ? t : undefined;
  };
  admin.get('/admin/stats', async () => ({ store: db.kind, queue: await queueStats(db) }));
  // Parked jobs: shown, and sent back to the queue on request; a new delivery for the ticket revives its job too.
  admin.get('/admin/jobs/parked', async (req) => ({ parked: await parkedJobs(db, tenantOf(req)) }));
  admin.post('/admin/jobs/parked/retry', async (req) => {
    const n = await retryParked(db, Date.now(), tenantOf(req));
    wake();
    return { requeued: n };
  });
  admin.put('/admin/tenants/:account', async (req, reply) => {
    const body = jsonBody(req.body);
    const settings = body?.settings;
    if (!settings || typeof settings !== 'object' || Array.isArray(settings) || Object.values(settings).some((v) => typeof v !== 'string')) return reply.code(400).send({ error: 'body: expected {"settings": {"ZENDESK_SUBDOMAIN": "…", …}} with string values' });
    try {
      const account = (req.params as { account: string }).account;
      const t = await tenants.put(account, settings as TenantSettings);
      log({ level: 'info', msg: 'tenant saved', tenant: account });
      // A new policy (or fields, or tier source) re-evaluates the tenant's open tickets now.
      if (await requeueIfSettingsChanged(db, account, t, Date.now(), log)) wake();
      return { ok: true, policy: t.policy.id };
    } catch (e) {
      if (e instanceof ConfigError) return reply.code(400).send({ error: e.message });
      throw e;
    }
  });
  // After a key rotation, once every instance runs with the new key first in its list.
  admin.post('/admin/tenants/reseal', async () => tenants.reseal());
  admin.delete('/admin/tenants/:account', async (req) => ({ removed: await tenants.remove((req.params as { account: string }).account) }));
}

function jsonBody(raw: unknown): Record<string, unknown> | null {
  try {
    const v = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Caps open connections per client address, and in all: idle or trickling sockets from one
 * client must not take the file descriptors every other client (Zendesk, the load balancer's
 * health check) needs. A connection over a cap is closed at once.
 */
function limitConnections(server: Server, perClient: number, total: number): void {
  server.maxConnections = total;
  const open = new Map<string, number>();
  let all = 0;
  let pruned = 0;
  server.on('connection', (socket: Socket) => {
    const who = clientOf(socket.remoteAddress ?? '?');
    const n = (open.get(who) ?? 0) + 1;
    if (n > perClient) return void socket.destroy();
    open.set(who, n);
    all++;
    // Near the total, connections that are not serving a request (idle keep-alive, or never sent a
    // byte) make room, so that many clients each under their cap still cannot lock out a new one.
    if (all > total * 0.9 && Date.now() - pruned > 100) {
      pruned = Date.now();
      server.closeIdleConnections();
    }
    socket.once('close', () => {
      all--;
      const left = (open.get(who) ?? 1) - 1;
      if (left > 0) open.set(who, left);
      else open.delete(who);
    });
  });
}

/** A client for the caps: an IPv4 address (also when IPv4-mapped), or an IPv6 /64, which one host can hold whole. */
function clientOf(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** 4,096 connections, or fewer where the process may open fewer files (leaving room for the store, Zendesk and logs). */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (Number.isFinite(soft) && soft > 0) return Math.max(16, Math.min(4_096, soft - 128));
  } catch {
    // not Linux: Node's own limit stands
  }
  return 4_096;
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

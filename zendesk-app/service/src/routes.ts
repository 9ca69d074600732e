import { createServer } from 'http';
import { PassThrough } from 'stream';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { LRUCache } from 'lru-cache';
import { ConfigError } from './config';
import { registerConnect, registerStatus, type GlobalOAuthOptions } from './connect';
import { registerReport } from './report-route';
import { capConnections, type ConnectionOptions } from './connections';
import type { Db } from './db';
import type { Log } from './log';
import { parkedJobs, queueStats, retryParked, type Delivery, type Enqueued } from './queue';
import { requeueIfSettingsChanged } from './reevaluate';
import { exportTenant } from './retention';
import { REPLAY_WINDOW_MS, verifySignature } from './signature';
import type { Stats } from './stats';
import { ACCOUNT_ID, ENV_TENANT, TenantUnavailableError, type Tenant, type Tenants, type TenantSettings } from './tenants';
import type { Worker } from './worker';

/** The trigger's body is {"ticket_id": "123"}: a few bytes. Anything near this is not Zendesk. */
export const MAX_BODY = 64 * 1024;
/**
 * Zendesk gives up on a webhook after about 10 s (its webhook docs); a body that has not arrived
 * in 5 s is not coming, and holding the socket longer only helps a slow-body attack.
 */
export const BODY_TIMEOUT_MS = 5_000;
/** Zendesk retries a webhook that answers 503 with a Retry-After under 60 s (its webhook docs). */
const RETRY_AFTER_S = 30;
/** An account id header is digits: anything longer is not Zendesk's. */
const MAX_ACCOUNT_HEADER = 20;

export interface RouteOptions extends ConnectionOptions {
  bodyTimeoutMs?: number;
  /** The hosted service's Marketplace connection: GET /connect and /oauth/callback (connect.ts). */
  globalOauth?: GlobalOAuthOptions;
  /** Without one (or unset), there are no admin routes at all. At least 32 characters. */
  adminToken?: string;
}

export interface RouteDeps {
  db: Db;
  tenants: Tenants;
  stats: Stats;
  log: Log;
  now: () => number;
  /** The group commit (intake.ts). */
  store: (d: Delivery) => Promise<Enqueued>;
  worker: Pick<Worker, 'answering' | 'queued' | 'wake'>;
  /** SLA_ENCRYPTION_KEY's keys (the connection seals each account's tokens with the first). */
  keys: readonly Buffer[];
  /** A subdomain's Zendesk. */
  baseOf: (subdomain: string) => string;
}

/**
 * The HTTP side. POST /webhook: a delivery is verified (its tenant by x-zendesk-account-id, then
 * the signature on the raw bytes), recorded in the store and answered 200 at once; the worker runs
 * it from the store, in this instance or another. GET /healthz; /admin/* with SLA_ADMIN_TOKEN.
 */
export async function buildApp(deps: RouteDeps, opts: RouteOptions): Promise<FastifyInstance> {
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
  capConnections(app.server, opts);
  cutSlowBodies(app, opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS);
  // The raw bytes are what Zendesk signed; parse them only after the signature holds.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  answerErrors(app, deps.log);
  registerHealth(app, deps);
  if (opts.adminToken) await registerAdminScope(app, deps, opts.adminToken);
  registerWebhook(app, deps);
  if (opts.globalOauth) {
    registerConnect(app, deps, opts.globalOauth);
    registerStatus(app, deps);
    registerReport(app, deps, opts.globalOauth.publicUrl);
  }
  return app;
}

/**
 * A body that trickles in too slowly is cut after `ms` with a 408, through a pass-through stream
 * so that the socket stays open for the answer.
 */
function cutSlowBodies(app: FastifyInstance, ms: number): void {
  app.addHook('preParsing', async (_req, reply, payload) => {
    const through = new PassThrough();
    const timer = setTimeout(() => {
      if (reply.sent || through.destroyed) return;
      payload.unpipe(through);
      through.destroy(Object.assign(new Error('the body did not arrive in time'), { statusCode: 408 }));
    }, ms);
    const stop = () => clearTimeout(timer);
    payload.on('end', stop);
    payload.on('close', stop);
    payload.on('error', (e) => (stop(), through.destroy(e)));
    through.on('close', stop);
    // Answered early (a body over the limit): the timer has nothing left to cut.
    reply.raw.on('close', stop);
    return payload.pipe(through);
  });
}

/**
 * Every error gets its answer while the client is there to read it. (Node marks a request
 * destroyed once its body has been read, so that flag says nothing about the socket.)
 */
function answerErrors(app: FastifyInstance, log: Log): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    // The error's code and status only: never the body, which may hold ticket content.
    log({ level: status >= 500 ? 'error' : 'warn', msg: 'request failed', status, code: err.code ?? null, path: req.routeOptions.url ?? null });
    if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) return;
    const body = { error: status === 413 ? 'body too large' : status === 408 ? 'body not received in time' : status >= 500 ? 'internal error' : 'bad request' };
    if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_S));
    void reply.code(status).send(body);
  });
}

/**
 * Liveness, and nothing an unauthenticated caller could learn tenants from: the store answers
 * and every stored tenant opens. The queue's counts are on /admin/stats.
 */
function registerHealth(app: FastifyInstance, { db, tenants, log }: RouteDeps): void {
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
}

/**
 * Admin routes in their own scope: the check is a hook on these routes themselves, so it holds for
 * any spelling of the path the router accepts (%-escapes, an absolute-form target, //admin), and
 * never depends on the request's text.
 */
async function registerAdminScope(app: FastifyInstance, deps: RouteDeps, token: string): Promise<void> {
  const adminHash = createHash('sha256').update(token).digest();
  const isAdmin = (auth: string | undefined) => !!auth?.startsWith('Bearer ') && timingSafeEqual(createHash('sha256').update(auth.slice(7)).digest(), adminHash);
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (req, reply) => {
      if (!isAdmin(req.headers.authorization)) return reply.code(401).send({ error: 'admin token required' });
    });
    registerAdmin(admin, deps);
  });
}

/** The admin surface (docs/service.md): parked jobs, the queue's counts, and tenants. */
function registerAdmin(admin: FastifyInstance, { db, tenants, log, worker }: RouteDeps): void {
  const tenantOf = (req: { query: unknown }) => {
    const t = (req.query as { tenant?: unknown }).tenant;
    return typeof t === 'string' && (t === ENV_TENANT || ACCOUNT_ID.test(t)) ? t : undefined;
  };
  admin.get('/admin/stats', async () => ({ store: db.kind, queue: await queueStats(db) }));
  // Parked jobs: shown, and sent back to the queue on request; a new delivery for the ticket revives its job too.
  admin.get('/admin/jobs/parked', async (req) => ({ parked: await parkedJobs(db, tenantOf(req)) }));
  admin.post('/admin/jobs/parked/retry', async (req) => {
    const n = await retryParked(db, Date.now(), tenantOf(req));
    worker.wake();
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
      if (await requeueIfSettingsChanged(db, account, t, Date.now(), log)) worker.wake();
      return { ok: true, policy: t.policy.id };
    } catch (e) {
      if (e instanceof ConfigError) return reply.code(400).send({ error: e.message });
      throw e;
    }
  });
  // After a key rotation, once every instance runs with the new key first in its list.
  admin.post('/admin/tenants/reseal', async () => tenants.reseal());
  admin.delete('/admin/tenants/:account', async (req) => ({ removed: await tenants.remove((req.params as { account: string }).account) }));
  // What the service keeps about an account, for its admin's request (no secrets, no tokens).
  admin.get('/admin/tenants/:account/export', async (req, reply) => {
    const out = await exportTenant(db, tenants, (req.params as { account: string }).account);
    return out ?? reply.code(404).send({ error: 'no such tenant' });
  });
}

function jsonBody(raw: unknown): Record<string, unknown> | null {
  try {
    const v = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** POST /webhook. Requests in flight are counted once they are verified deliveries: unauthenticated sockets must not slow every tenant's worker. */
function registerWebhook(app: FastifyInstance, deps: RouteDeps): void {
  const { tenants, stats, log, now, worker } = deps;
  const replays = new InvocationLimit();
  // Verifies deliveries for accounts that are not tenants, so that they cost what a tenant's do.
  const unknownSecret = randomBytes(32).toString('base64');
  app.post('/webhook', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = header(req.headers['x-zendesk-webhook-signature']);
    const timestamp = header(req.headers['x-zendesk-webhook-signature-timestamp']);
    const account = header(req.headers['x-zendesk-account-id']);
    const invocation = header(req.headers['x-zendesk-webhook-invocation-id']);
    let tenant: Tenant | null;
    try {
      tenant = await tenantFor(tenants, account);
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
    reply.raw.once('close', worker.answering());
    const parsed = ticketIdOf(raw);
    if (typeof parsed === 'string') {
      stats.invalid++;
      return reply.code(400).send({ error: parsed });
    }
    const { key, unique, signed } = deliveryKey(invocation, timestamp, signature);
    if (unique && !replays.admit(`${tenant.id}\n${signed}`, invocation!)) {
      stats.duplicate++;
      return reply.code(200).send({ ticket_id: parsed, outcome: 'duplicate' });
    }
    return enqueue(deps, reply, { tenant: tenant.id, key, unique, ticketId: parsed, at: now(), secondEnd: Math.floor(Date.parse(timestamp!) / 1000) * 1000 + 1000, wall: Date.now() });
  });
}

/** A stored tenant for this account, else the single tenant of the environment. */
async function tenantFor(tenants: Tenants, account: string | undefined): Promise<Tenant | null> {
  return (account && account.length <= MAX_ACCOUNT_HEADER && ACCOUNT_ID.test(account) ? await tenants.stored(account) : null) ?? tenants.envTenant();
}

/**
 * The invocation id is unique per invocation and the same on its retries; without one (older
 * senders, tools), the timestamp and signature stand in, with the one-more-pass rule for twins.
 * The id is not signed: it keys a delivery together with the signed part, so a guessed id never
 * makes a genuine delivery a "duplicate", and one captured delivery replayed under new ids buys
 * at most REPLAYS_PER_SIGNATURE passes.
 */
function deliveryKey(invocation: string | undefined, timestamp: string | undefined, signature: string | undefined): { key: string; unique: boolean; signed: string } {
  const unique = !!invocation && /^[A-Za-z0-9_-]{1,64}$/.test(invocation);
  const signed = `${timestamp}\n${signature}`;
  return { key: unique ? `inv:${invocation}\n${signed}` : signed, unique, signed };
}

async function enqueue({ tenants, stats, log, store, worker }: RouteDeps, reply: FastifyReply, d: Delivery) {
  try {
    const outcome = await store(d);
    stats[outcome]++;
    if (outcome === 'refused') {
      tenants.forget(d.tenant);
      return reply.code(401).send({ error: 'signature not verified' });
    }
    if (outcome !== 'duplicate') worker.queued();
    return reply.code(200).send({ ticket_id: d.ticketId, outcome });
  } catch (e) {
    log({ level: 'error', msg: 'delivery not stored', ticketId: d.ticketId, error: (e as Error).message });
    // Zendesk retries a 503 that carries a Retry-After under 60 s.
    return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ ticket_id: d.ticketId, error: 'temporarily unavailable; retry' });
  }
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

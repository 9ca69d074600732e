import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { PassThrough } from 'stream';
import Fastify, { type FastifyError } from 'fastify';
import type { ServiceConfig } from './config';
import { handleTicket, type Log, type Outcome } from './handler';
import { REPLAY_WINDOW_MS, verifySignature } from './signature';
import { zendeskClient } from './zendesk';

/** The trigger's body is {"ticket_id": "123"}: a few bytes. Anything near this is not Zendesk. */
export const MAX_BODY = 64 * 1024;
/**
 * Zendesk gives up on a webhook after about 10 s (its webhook docs); a body that has not arrived
 * in 5 s is not coming, and holding the socket longer only helps a slow-body attack.
 */
export const BODY_TIMEOUT_MS = 5_000;
/** Remembered deliveries, for replays: one entry per delivery within the 5-minute window. */
const MAX_REMEMBERED = 100_000;

export interface Service {
  url: string;
  server: Server;
  /** Passes per outcome (one pass can answer several coalesced deliveries), and deliveries per verdict. */
  stats: Record<Outcome | 'failed' | 'rejected' | 'coalesced' | 'replayed' | 'invalid', number>;
  close(): Promise<void>;
}

export type Delivery = { outcome: Outcome; coalesced: boolean };

/**
 * The webhook service on fastify: POST /webhook with a signed body {"ticket_id": N} (the trigger's
 * payload), GET /healthz. fastify reads the body with a size limit, and a half-sent body or a
 * hang-up ends that request with an error, never the process. The signature is checked before the
 * body is parsed. Stateless between requests but for a short memory of deliveries (replays), so
 * copies scale behind a load balancer; within one copy, deliveries for a ticket already being
 * handled wait for one more pass, and each is answered with the outcome of the pass that covered it.
 */
/**
 * Zendesk waits about 10 s for a webhook's answer (webhook docs) and trips a circuit breaker on many
 * failures. A pass that waits out a long Retry-After would outlast that: the delivery is then
 * answered 503 (Zendesk delivers it again later) while the pass goes on and writes.
 */
export const ANSWER_WITHIN_MS = 8_000;

export async function startService(cfg: ServiceConfig, opts: { now?: () => number; log?: Log; host?: string; bodyTimeoutMs?: number; answerWithinMs?: number } = {}): Promise<Service> {
  const now = opts.now ?? Date.now;
  const log: Log = opts.log ?? ((e) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`));
  const http = zendeskClient(cfg.baseURL, cfg.auth);
  const stats: Service['stats'] = { written: 0, unchanged: 0, 'not-found': 0, closed: 0, failed: 0, rejected: 0, coalesced: 0, replayed: 0, invalid: 0 };

  // Per ticket: the pass not yet started (shared by every delivery that arrives before it starts:
  // one pass reads everything they could have changed) and the tail of the chain of passes.
  const slots = new Map<number, { waiting: Promise<Outcome> | null; tail: Promise<void> }>();
  const pass = async (id: number): Promise<Outcome> => {
    const outcome = await handleTicket(http, cfg, id, now, log);
    stats[outcome]++;
    return outcome;
  };
  const handle = (id: number): Promise<Delivery> => {
    let slot = slots.get(id);
    if (!slot) slots.set(id, (slot = { waiting: null, tail: Promise.resolve() }));
    if (slot.waiting) {
      stats.coalesced++;
      return slot.waiting.then((outcome) => ({ outcome, coalesced: true }));
    }
    const s = slot;
    const next = s.tail.then(() => {
      // From here on, a new delivery may carry a change this pass has already read past: it waits for the next.
      s.waiting = null;
      return pass(id);
    });
    s.waiting = next;
    const tail: Promise<void> = next.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      if (s.tail === tail) slots.delete(id);
    });
    s.tail = tail;
    return next.then((outcome) => ({ outcome, coalesced: false }));
  };

  // Deliveries already handled: timestamp + signature -> expiry, and whether the pass that handled
  // it began after the delivery's second was over. A replay within the window (beyond it the
  // signature check refuses it anyway) is answered without a request to Zendesk. Zendesk's
  // timestamps have whole seconds, so two genuine deliveries for one ticket in one second look
  // alike; while the first pass may have read before the second change, the twin gets one more
  // pass. So a signed delivery costs at most two passes, however often it is replayed.
  const seen = new Map<string, { expiry: number; covered: boolean }>();
  const remember = (key: string, covered: boolean) => {
    const t = now();
    for (const [k, v] of seen) {
      if (v.expiry > t && seen.size < MAX_REMEMBERED) break;
      seen.delete(k);
    }
    seen.delete(key);
    seen.set(key, { expiry: t + 2 * REPLAY_WINDOW_MS, covered });
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

  app.get('/healthz', async () => ({ ok: true, policy: cfg.policy.id }));

  app.post('/webhook', async (req, reply) => {
    const started = Date.now();
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = header(req.headers['x-zendesk-webhook-signature']);
    const timestamp = header(req.headers['x-zendesk-webhook-signature-timestamp']);
    const verdict = verifySignature(cfg.webhookSecret, signature, timestamp, raw, now());
    if (!verdict.ok) {
      stats.rejected++;
      log({ level: 'warn', msg: 'webhook rejected', reason: verdict.reason });
      return reply.code(401).send({ error: `signature ${verdict.reason}` });
    }
    const key = `${timestamp}\n${signature}`;
    const parsed = ticketIdOf(raw);
    if (typeof parsed === 'string') {
      stats.invalid++;
      return reply.code(400).send({ error: parsed });
    }
    const before = seen.get(key);
    if (before?.covered) {
      stats.replayed++;
      log({ level: 'warn', msg: 'webhook replayed', ticketId: parsed });
      return reply.code(200).send({ ticket_id: parsed, outcome: 'replayed' });
    }
    const secondOver = Math.floor(Date.parse(timestamp!) / 1000) * 1000 + 1000;
    const startedAt = now();
    const work = handle(parsed);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), opts.answerWithinMs ?? ANSWER_WITHIN_MS)));
    const first = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), late]);
    clearTimeout(timer);
    if (first === 'late') {
      // The pass goes on; its end is logged, not answered. Not remembered: the retry is handled.
      work.then(
        (d) => {
          remember(key, true);
          log({ level: 'info', msg: 'ticket handled after the answer', ticketId: parsed, outcome: d.outcome, ms: Date.now() - started });
        },
        (e) => {
          stats.failed++;
          log({ level: 'error', msg: 'ticket failed', ticketId: parsed, error: (e as Error).message });
        },
      );
      log({ level: 'warn', msg: 'slow pass, answered 503', ticketId: parsed, ms: Date.now() - started });
      return reply.code(503).send({ ticket_id: parsed, error: 'still working; retry' });
    }
    try {
      const { outcome, coalesced } = await work;
      // Only a delivery that was handled is remembered: Zendesk may send a failed one again.
      remember(key, !!before || startedAt >= secondOver);
      log({ level: 'info', msg: 'ticket handled', ticketId: parsed, outcome, coalesced, ms: Date.now() - started });
      return reply.code(200).send({ ticket_id: parsed, outcome, ...(coalesced ? { coalesced: true } : {}) });
    } catch (e) {
      stats.failed++;
      log({ level: 'error', msg: 'ticket failed', ticketId: parsed, error: (e as Error).message });
      // A 5xx makes Zendesk retry the delivery later.
      return reply.code(503).send({ ticket_id: parsed, error: 'temporarily failed; retry' });
    }
  });

  await app.listen({ port: cfg.port, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server: app.server,
    stats,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
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

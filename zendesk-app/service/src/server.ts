import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import type { ServiceConfig } from './config';
import { handleTicket, type Log, type Outcome } from './handler';
import { verifySignature } from './signature';
import { zendeskClient } from './zendesk';

const MAX_BODY = 256 * 1024;

export interface Service {
  url: string;
  server: Server;
  stats: Record<Outcome | 'failed' | 'rejected' | 'coalesced', number>;
  close(): Promise<void>;
}

/**
 * The webhook service: POST /webhook with a signed body {"ticket_id": N} (the trigger's payload),
 * GET /healthz. Stateless between requests, so copies scale behind a load balancer; within one copy,
 * deliveries for a ticket already being handled are folded into one more pass, not run in parallel.
 */
export async function startService(cfg: ServiceConfig, opts: { now?: () => number; log?: Log; host?: string } = {}): Promise<Service> {
  const now = opts.now ?? Date.now;
  const log: Log = opts.log ?? ((e) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`));
  const http = zendeskClient(cfg.baseURL, cfg.auth);
  const stats = { written: 0, unchanged: 0, 'not-found': 0, closed: 0, failed: 0, rejected: 0, coalesced: 0 };
  const running = new Map<number, { again: boolean; done: Promise<Outcome> }>();

  const process_ = (id: number): Promise<Outcome> => {
    const busy = running.get(id);
    if (busy) {
      busy.again = true;
      stats.coalesced++;
      return busy.done;
    }
    const entry = { again: false, done: Promise.resolve<Outcome>('unchanged') };
    entry.done = (async () => {
      let out: Outcome;
      try {
        do {
          entry.again = false;
          out = await handleTicket(http, cfg, id, now, log);
        } while (entry.again);
        return out;
      } finally {
        running.delete(id);
      }
    })();
    running.set(id, entry);
    return entry.done;
  };

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/healthz') return send(200, { ok: true, policy: cfg.policy.id });
    if (req.method !== 'POST' || req.url !== '/webhook') return send(404, { error: 'not found' });
    const started = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return send(413, { error: 'body too large' });
      chunks.push(c as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const verdict = verifySignature(cfg.webhookSecret, header(req.headers['x-zendesk-webhook-signature']), header(req.headers['x-zendesk-webhook-signature-timestamp']), raw, now());
    if (!verdict.ok) {
      stats.rejected++;
      log({ level: 'warn', msg: 'webhook rejected', reason: verdict.reason });
      return send(401, { error: `signature ${verdict.reason}` });
    }
    let id: number;
    try {
      id = Number(JSON.parse(raw.toString('utf8')).ticket_id);
      if (!Number.isInteger(id) || id <= 0) throw new Error();
    } catch {
      return send(400, { error: 'body: expected {"ticket_id": <positive integer>}' });
    }
    try {
      const outcome = await process_(id);
      stats[outcome]++;
      log({ level: 'info', msg: 'ticket handled', ticketId: id, outcome, ms: Date.now() - started });
      return send(200, { ticket_id: id, outcome });
    } catch (e) {
      stats.failed++;
      log({ level: 'error', msg: 'ticket failed', ticketId: id, error: (e as Error).message });
      // A 5xx makes Zendesk retry the delivery later.
      return send(503, { ticket_id: id, error: 'temporarily failed; retry' });
    }
  });
  await new Promise<void>((r) => server.listen(cfg.port, opts.host ?? '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stats,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

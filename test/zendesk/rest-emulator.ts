import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';

/**
 * A stateful Zendesk REST emulator on real HTTP (loopback), for the service and the backfill:
 * tickets with updated_at stamps and audits, safe_update (409 on a stale stamp), update_many jobs
 * and job statuses, the incremental ticket and ticket-event exports, and group memberships. It counts
 * requests and writes per ticket, and can inject 429 (with Retry-After), 500, dropped connections and
 * slow answers, and run a hook between a read and a write (an agent's concurrent edit).
 */
export interface Ticket {
  id: number;
  subject: string;
  status: string;
  priority: string | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  created_at: string;
  updated_at: string;
}

export interface Audit {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  events: Record<string, unknown>[];
}

type Fault = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'drop' } | { kind: 'slow'; ms: number };

export const API_USER = 99;

export class ZendeskEmulator {
  tickets = new Map<number, Ticket>();
  audits = new Map<number, Audit[]>();
  users = [
    { id: 1, role: 'end-user' },
    { id: 2, role: 'agent' },
    { id: 3, role: 'agent' },
    { id: API_USER, role: 'admin' },
  ];
  groupMemberships = new Map<number, number[]>();
  requests: { method: string; path: string }[] = [];
  /** Successful writes per ticket (a PUT or an update_many item that changed it). */
  writes = new Map<number, number>();
  /** Runs after a request for a PUT is received and before its stamp is checked. */
  beforeWrite?: (id: number) => void;
  /** Called after a ticket changes, as a Zendesk trigger would call the webhook. */
  onChange?: (id: number) => void;
  /** Faults, applied to the next requests whose path matches (all requests when no match is given). */
  private faults: { fault: Fault; match?: RegExp }[] = [];
  private jobs = new Map<string, { id: string; status: string; results: unknown[]; total: number }>();
  private seq = 1000;
  private tick = Date.parse('2026-11-20T14:00:00Z');
  private server?: Server;
  url = '';

  /** A stamp that always moves forward, as Zendesk's updated_at does for every change. */
  stamp(): string {
    this.tick += 1000;
    return new Date(this.tick).toISOString().replace('.000Z', 'Z');
  }

  addTicket(t: Omit<Ticket, 'updated_at' | 'created_at'> & { created_at: string }, events: Record<string, unknown>[] = []): Ticket {
    const ticket = { ...t, updated_at: this.stamp() };
    this.tickets.set(t.id, ticket);
    const create = [
      { type: 'Create', field_name: 'status', value: t.status },
      ...(t.priority ? [{ type: 'Create', field_name: 'priority', value: t.priority }] : []),
      ...t.custom_fields.filter((f) => f.value !== null).map((f) => ({ type: 'Create', field_name: String(f.id), value: f.value })),
      { type: 'Create', field_name: 'tags', value: t.tags },
    ];
    this.audits.set(t.id, [{ id: this.seq++, ticket_id: t.id, created_at: t.created_at, author_id: 1, events: [{ type: 'Comment', public: true, author_id: 1, body: t.subject }, ...create] }, ...events.map((e) => ({ id: this.seq++, ticket_id: t.id, ...(e as object) }) as Audit)]);
    return ticket;
  }

  fail(count: number, fault: Fault, match?: RegExp): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, match });
  }

  /** An agent's edit in Zendesk's own UI: the ticket changes and an audit records it. */
  agentEdit(id: number, change: { priority?: string; status?: string }, author = 2): void {
    const t = this.tickets.get(id)!;
    const events: Record<string, unknown>[] = [];
    for (const [k, v] of Object.entries(change)) {
      events.push({ type: 'Change', field_name: k, value: v, previous_value: (t as unknown as Record<string, unknown>)[k] });
      (t as unknown as Record<string, unknown>)[k] = v;
    }
    t.updated_at = this.stamp();
    this.audits.get(id)!.push({ id: this.seq++, ticket_id: id, created_at: t.updated_at, author_id: author, events });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    // Keep-alive clients hold idle sockets open; close them so a test ends at once.
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://zendesk');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: p });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };
    if (!/^(Basic|Bearer) /.test(req.headers.authorization ?? '')) return send(401, { error: 'Couldn\'t authenticate you' });
    const i = this.faults.findIndex((f) => !f.match || f.match.test(p));
    if (i >= 0) {
      const { fault } = this.faults.splice(i, 1)[0];
      if (fault.kind === 'drop') return req.socket.destroy();
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
      if (fault.kind === 'status') return send(fault.status, { error: 'injected' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const t = this.tickets.get(Number(m[1]));
      return t ? send(200, { ticket: t }) : send(404, { error: 'RecordNotFound' });
    }
    if (method === 'GET' && (m = /^\/api\/v2\/tickets\/(\d+)\/audits\.json$/.exec(p))) {
      // 100 audits a page, as Zendesk pages them, with next_page as an absolute URL.
      const a = this.audits.get(Number(m[1]));
      if (!a) return send(404, { error: 'RecordNotFound' });
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const more = a.length > page * 100;
      return send(200, { audits: a.slice((page - 1) * 100, page * 100), users: this.users, next_page: more ? `${this.url}/api/v2/tickets/${m[1]}/audits.json?include=users&page=${page + 1}` : null });
    }
    if (method === 'PUT' && (m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const id = Number(m[1]);
      this.beforeWrite?.(id);
      const t = this.tickets.get(id);
      if (!t) return send(404, { error: 'RecordNotFound' });
      const u = body.ticket ?? {};
      if (t.status === 'closed') return send(422, { error: 'RecordInvalid', description: 'Status: closed prevents ticket update' });
      if (u.safe_update && u.updated_stamp !== t.updated_at) return send(409, { error: 'UpdateConflict', description: 'The ticket was updated by someone else' });
      this.apply(t, u);
      return send(200, { ticket: t });
    }
    if (method === 'PUT' && p === '/api/v2/tickets/update_many.json') {
      const list = (body.tickets ?? []) as ({ id: number } & Record<string, unknown>)[];
      if (list.length > 100) return send(400, { error: 'TooManyTickets', description: 'update_many takes at most 100 tickets' });
      const job = { id: `job-${this.seq++}`, status: 'queued', results: [] as unknown[], total: list.length };
      this.jobs.set(job.id, job);
      setImmediate(() => {
        for (const u of list) {
          const t = this.tickets.get(u.id);
          if (!t) job.results.push({ id: u.id, success: false, errors: 'RecordNotFound' });
          else if (t.status === 'closed') job.results.push({ id: u.id, success: false, errors: 'Status: closed prevents ticket update' });
          else {
            this.apply(t, u);
            job.results.push({ id: u.id, success: true, status: 'Updated' });
          }
        }
        job.status = 'completed';
      });
      return send(200, { job_status: { id: job.id, status: job.status, total: job.total } });
    }
    if (method === 'GET' && p === '/api/v2/job_statuses/show_many.json') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return send(200, { job_statuses: ids.map((id) => this.jobs.get(id)).filter(Boolean) });
    }
    if (method === 'GET' && p === '/api/v2/incremental/tickets/cursor.json') return send(200, this.exportTickets(url));
    if (method === 'GET' && p === '/api/v2/incremental/ticket_events.json') return send(200, this.exportEvents(url));
    if (method === 'GET' && (m = /^\/api\/v2\/users\/(\d+)\/group_memberships\.json$/.exec(p))) {
      return send(200, { group_memberships: (this.groupMemberships.get(Number(m[1])) ?? []).map((g) => ({ user_id: Number(m![1]), group_id: g })) });
    }
    return send(404, { error: `not emulated: ${method} ${p}` });
  }

  /** A write by the API user: changed fields become one audit; nothing changes, nothing is recorded. */
  private apply(t: Ticket, u: Record<string, unknown>) {
    const events: Record<string, unknown>[] = [];
    if (typeof u.priority === 'string' && u.priority !== t.priority) {
      events.push({ type: 'Change', field_name: 'priority', value: u.priority, previous_value: t.priority });
      t.priority = u.priority;
    }
    if (Array.isArray(u.tags) && JSON.stringify(u.tags) !== JSON.stringify(t.tags)) {
      events.push({ type: 'Change', field_name: 'tags', value: u.tags, previous_value: t.tags });
      t.tags = u.tags as string[];
    }
    for (const f of (u.custom_fields ?? []) as { id: number; value: unknown }[]) {
      const have = t.custom_fields.find((x) => x.id === f.id);
      if (have && have.value === f.value) continue;
      events.push({ type: 'Change', field_name: String(f.id), value: f.value, previous_value: have?.value ?? null });
      if (have) have.value = f.value;
      else t.custom_fields.push({ id: f.id, value: f.value });
    }
    const comment = u.comment as { body?: string; public?: boolean } | undefined;
    if (comment?.body) events.push({ type: 'Comment', public: comment.public !== false, author_id: API_USER, body: comment.body });
    if (!events.length) return;
    t.updated_at = this.stamp();
    this.audits.get(t.id)!.push({ id: this.seq++, ticket_id: t.id, created_at: t.updated_at, author_id: API_USER, events });
    this.writes.set(t.id, (this.writes.get(t.id) ?? 0) + 1);
    this.onChange?.(t.id);
  }

  private exportTickets(url: URL) {
    const all = [...this.tickets.values()].sort((a, b) => a.id - b.id);
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const page = all.slice(from, from + 1000);
    const next = from + page.length;
    return { tickets: page, after_cursor: next < all.length ? String(next) : null, end_of_stream: next >= all.length };
  }

  /**
   * Ticket events as Zendesk's time-based incremental export gives them: from start_time (Unix
   * seconds), about 1,000 a page, one per audit with its changes as child events. A page runs past
   * 1,000 rather than split events that share its last second. Zendesk's pages can overlap at that
   * second, so the client skips events it has seen; the emulator's next page starts just past it.
   */
  private exportEvents(url: URL) {
    const start = Number(url.searchParams.get('start_time') ?? 0) * 1000;
    const all = [...this.audits.values()]
      .flat()
      .filter((a) => Date.parse(a.created_at) >= start)
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
    let n = Math.min(all.length, 1000);
    const second = (a: Audit) => Math.floor(Date.parse(a.created_at) / 1000);
    while (n > 0 && n < all.length && second(all[n]) === second(all[n - 1])) n++;
    const page = all.slice(0, n);
    const endTime = page.length ? second(page[page.length - 1]) : Math.floor(start / 1000);
    const endOfStream = n >= all.length;
    return {
      ticket_events: page.map((a) => ({ id: a.id, ticket_id: a.ticket_id, created_at: a.created_at, timestamp: second(a), updater_id: a.author_id, child_events: a.events.map(({ type, ...rest }) => ({ event_type: type, ...rest })) })),
      users: this.users,
      count: page.length,
      end_time: endTime,
      next_page: endOfStream ? null : `${this.url}/api/v2/incremental/ticket_events.json?start_time=${endTime + 1}&include=users`,
      end_of_stream: endOfStream,
    };
  }
}

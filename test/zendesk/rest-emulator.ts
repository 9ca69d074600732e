import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { INVALID_TOKEN, missingScope, OAuthServer, type AuthorizeParams } from './oauth-emulator';
import { Provisioning, type Requirements } from './provisioning-emulator';

/**
 * A stateful Zendesk REST emulator on real HTTP (loopback), for the service and the backfill. It
 * follows Zendesk's published contracts, not SLA Desk's assumptions: each route names its source.
 * "host-payloads/…" are the recorded responses in test/fixtures/host-payloads (each with a .source.md);
 * "docs: …" is the page of Zendesk's developer documentation (developer.zendesk.com/api-reference).
 *
 * State: tickets with updated_at stamps and audits (the audits shape: Create/Change events with
 * field_name, value, previous_value; Comment events with author_id, public, body), users with roles
 * (a CC among the end users), groups, and each ticket's group (group_id). The ticket-events export
 * is derived from the audits in the export's own shape (child events keyed by field name, custom
 * fields under custom_ticket_fields, group_id as a number). It counts requests and
 * writes per ticket, can inject 429 (with Retry-After), 500, dropped connections and slow answers,
 * and runs a hook between a read and a write (an agent's concurrent edit).
 *
 * One emulator is one Zendesk account (`subdomain`, `accountId`). For the hosted service it also
 * has a global OAuth client's authorization-code grant with PKCE, refresh rotation, scopes and
 * revocation (oauth-emulator.ts), and the Webhooks, Triggers, Ticket Fields and Apps APIs, with
 * triggers that send signed webhook requests when a ticket changes (provisioning-emulator.ts).
 * Each of those routes names its Zendesk source too, and says where a behaviour is unconfirmed.
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
  requester_id?: number;
  custom_status_id?: number | null;
  organization_id?: number | null;
  /** The group the ticket is assigned to: a number or null in the REST ticket (host-payloads/zendesk_incremental_tickets_cursor.real.json). */
  group_id?: number | null;
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
/** Groups of the emulated account; Support's id is the recorded export's (host-payloads/zendesk_incremental_ticket_events.real-edited.json). */
export const GROUPS = { triage: 7, support: 360003235353, tier2: 360003235354 };
/** An end user who is not the requester: a CC on the ticket. */
export const CC_USER = 4;

/** Error bodies as Zendesk sends them (docs: "Errors" in the API introduction, and the Tickets API). */
export const ERRORS = {
  // docs: Basic authentication failure answers this exact body.
  401: { error: "Couldn't authenticate you" },
  // docs: "403 Forbidden" for an endpoint the identity's role may not use (the incremental exports are admin-only).
  403: { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' },
  404: { error: 'RecordNotFound', description: 'Not found' },
  // docs: Tickets API "Protecting against ticket update collisions" (safe_update).
  409: { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.' },
  // docs: Tickets API: a closed ticket cannot be updated ("RecordInvalid" with details per field).
  422: { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: closed prevents ticket update' }] } },
};

export class ZendeskEmulator {
  /** The account: its subdomain ({subdomain}.zendesk.com) and its id (X-Zendesk-Account-Id, requirements' account_id). */
  subdomain = 'acme';
  accountId = 9001;
  tickets = new Map<number, Ticket>();
  /** Tickets deleted by an agent: the cursor export lists them with status "deleted" unless exclude_deleted=true. */
  deleted = new Set<number>();
  audits = new Map<number, Audit[]>();
  // Named, as host-payloads/zendesk_ticket_audits_include_users.real.json's sideloaded users are.
  users: { id: number; role: 'end-user' | 'agent' | 'admin'; name?: string; user_fields?: Record<string, unknown>; iana_time_zone?: string }[] = [
    { id: 1, role: 'end-user', name: 'Riley Requester' },
    { id: 2, role: 'agent', name: 'Alex Agent' },
    { id: 3, role: 'agent', name: 'Sam Lead' },
    { id: CC_USER, role: 'end-user' },
    { id: API_USER, role: 'admin' },
  ];
  /** The account's time zone (Admin Center > Account > Localization): a user who chose none has it. */
  defaultTimeZone = 'America/New_York';
  /** user id -> the groups the user belongs to */
  groupMemberships = new Map<number, number[]>();
  groupNames = new Map<number, string>([[GROUPS.triage, 'Triage'], [GROUPS.support, 'Support'], [GROUPS.tier2, 'Tier 2']]);
  /** Organizations: id -> their custom fields by field key (organization_fields). */
  organizations = new Map<number, Record<string, unknown>>();
  /** The role of the identity the API credentials stand for: the exports need an admin. */
  apiUserRole: 'agent' | 'admin' = 'admin';
  requests: { method: string; path: string; query: string }[] = [];
  /** Requests being answered now, and the most there were at once. */
  inFlight = 0;
  peakInFlight = 0;
  /** Successful writes per ticket (a PUT or an update_many item that changed it). */
  writes = new Map<number, number>();
  /** Runs after a write is received (a PUT, or a ticket of an update_many job) and before it is applied. */
  beforeWrite?: (id: number) => void;
  /** Called after a ticket changes, as a Zendesk trigger would call the webhook. */
  onChange?: (id: number) => void;
  /** Faults, applied to the next requests whose path matches (all requests when no match is given). */
  private faults: { fault: Fault; match?: RegExp }[] = [];
  private jobs = new Map<string, { id: string; status: string; results: unknown[]; total: number; progress: number }>();
  private seq = 1000;
  private tick = Date.parse('2026-11-20T14:00:00Z');
  private server?: Server;
  url = '';
  /**
   * OAuth clients (id -> secret) for the client-credentials grant. With oauthOnly, only tokens
   * issued here are accepted, and an expired or revoked one gets a 401.
   */
  oauthClients = new Map<string, string>();
  oauthOnly = false;
  /** Lifetime of an issued token, in seconds (the request's expires_in, 300..172800, wins). */
  tokenLifetimeS = 7200;
  /** Issued token -> expiry (ms, wall clock). */
  tokens = new Map<string, number>();
  /** The global OAuth client's grants, scopes and revocation (authorization code with PKCE, refresh with rotation). */
  readonly oauth = new OAuthServer(this);
  /** Global OAuth clients by unique identifier ("zdg-…"): {secret, redirectUris}. */
  globalClients = this.oauth.globalClients;
  /** Refreshes per global client: granted, and refused with invalid_grant (a refresh race loses one). */
  refreshes = this.oauth.refreshes;
  /** Webhooks, triggers, ticket fields and app installations, and the triggers' webhook deliveries. */
  readonly provisioning = new Provisioning(this);
  webhooks = this.provisioning.webhooks;
  triggers = this.provisioning.triggers;
  installations = this.provisioning.installations;
  /** Every webhook request the triggers sent, with the endpoint's status (await settled() first). */
  webhookDeliveries = this.provisioning.webhookDeliveries;

  /**
   * The clock the triggers' webhook deliveries are signed at (X-Zendesk-Webhook-Signature-Timestamp):
   * the wall clock, unless the host lives on another (the workbench's, which its service keeps too).
   */
  clock: () => number = () => Date.now();

  /** The next id of the account's sequence (audits, events, tokens, fields, triggers…). */
  nextId(): number {
    return this.seq++;
  }

  /** The admin's consent on the authorize page, without a browser: the URL Zendesk redirects to (code and state, or error=access_denied). */
  approve(params: AuthorizeParams | URLSearchParams | string, opts: { deny?: boolean; userId?: number } = {}): string {
    return this.oauth.approve(params, opts);
  }

  /** The admin deleting the external OAuth client's tokens, or removing the app: every token of the client is invalid at once. */
  revokeClient(clientId: string): number {
    return this.oauth.revokeClient(clientId);
  }

  /** An admin installing the app: its requirements.json's fields, webhooks (as given: inactive) and triggers are created. */
  installApp(opts: { appId: number; name?: string; settings?: Record<string, unknown>; secure?: string[]; requirements?: Requirements; enabled?: boolean }) {
    return this.provisioning.installApp(opts);
  }

  /** An admin saving the app's settings: they change and the installation's updated_at moves. */
  updateSettings(installationId: number, settings: Record<string, unknown>) {
    return this.provisioning.updateSettings(installationId, settings);
  }

  /** Resolves when no webhook delivery is in flight. */
  settled(): Promise<void> {
    return this.provisioning.settled();
  }

  /** Moves the host's clock forward to `ms` (never back): the next change is stamped after it. */
  advanceTo(ms: number): void {
    this.tick = Math.max(this.tick, ms);
  }

  /** A stamp that always moves forward, as Zendesk's updated_at does for every change. */
  stamp(): string {
    this.tick += 1000;
    return new Date(this.tick).toISOString().replace('.000Z', 'Z');
  }

  addTicket(t: Omit<Ticket, 'updated_at' | 'created_at'> & { created_at: string }, events: Record<string, unknown>[] = []): Ticket {
    const ticket = { requester_id: 1, custom_status_id: null, group_id: null, ...t, updated_at: this.stamp() };
    this.tickets.set(t.id, ticket);
    const create = [
      { type: 'Create', field_name: 'status', value: t.status },
      ...(ticket.custom_status_id ? [{ type: 'Create', field_name: 'custom_status_id', value: String(ticket.custom_status_id) }] : []),
      ...(t.priority ? [{ type: 'Create', field_name: 'priority', value: t.priority }] : []),
      ...t.custom_fields.filter((f) => f.value !== null).map((f) => ({ type: 'Create', field_name: String(f.id), value: f.value })),
      { type: 'Create', field_name: 'tags', value: t.tags },
      { type: 'Create', field_name: 'requester_id', value: String(ticket.requester_id) },
      // Recorded: a ticket's creating audit carries organization_id as a string (host-payloads/zendesk_ticket_audits_account_cursor.real.json).
      ...(ticket.organization_id ? [{ type: 'Create', field_name: 'organization_id', value: String(ticket.organization_id) }] : []),
      // Recorded: group_id as a string too, and only for a ticket created in a group (the same payload's ticket 1).
      ...(ticket.group_id ? [{ type: 'Create', field_name: 'group_id', value: String(ticket.group_id) }] : []),
    ];
    this.audits.set(t.id, [
      { id: this.seq++, ticket_id: t.id, created_at: t.created_at, author_id: ticket.requester_id, events: [{ id: this.seq++, type: 'Comment', public: true, author_id: ticket.requester_id, body: t.subject }, ...create] },
      ...events.map((e) => ({ id: this.seq++, ticket_id: t.id, ...(e as object) }) as Audit),
    ]);
    this.provisioning.ticketChanged(t.id, 'Create');
    return ticket;
  }

  fail(count: number, fault: Fault, match?: RegExp): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, match });
  }

  /**
   * An agent's edit in Zendesk's own UI: the ticket changes and an audit records it. Ids
   * (custom_status_id, group_id) are strings in the audit, as recorded Create events give them; a
   * group_id of null unassigns the group. No recorded Change of group_id was found: its
   * previous_value is taken to be like the value, a string or null.
   */
  agentEdit(id: number, change: { priority?: string; status?: string; custom_status_id?: number; group_id?: number | null; tags?: string[]; custom_fields?: { id: number; value: unknown }[] }, author = 2): void {
    const t = this.tickets.get(id)!;
    const events: Record<string, unknown>[] = [];
    for (const [k, v] of Object.entries(change)) {
      if (k === 'custom_fields') {
        for (const f of v as { id: number; value: unknown }[]) {
          const have = t.custom_fields.find((x) => x.id === f.id);
          events.push({ type: 'Change', field_name: String(f.id), value: f.value, previous_value: have?.value ?? null });
          if (have) have.value = f.value;
          else t.custom_fields.push({ ...f });
        }
        continue;
      }
      const before = (t as unknown as Record<string, unknown>)[k] ?? null;
      const id = k === 'custom_status_id' || k === 'group_id';
      const text = (x: unknown) => (id && x != null ? String(x) : x);
      events.push({ type: 'Change', field_name: k, value: text(v), previous_value: text(before) });
      (t as unknown as Record<string, unknown>)[k] = v;
    }
    t.updated_at = this.stamp();
    this.audits.get(id)!.push({ id: this.seq++, ticket_id: id, created_at: t.updated_at, author_id: author, events });
    this.provisioning.ticketChanged(id, 'Change');
  }

  /** A comment (a note when public is false) by a user, through Zendesk's UI or its API. */
  addComment(id: number, author: number, body: string, isPublic: boolean): void {
    const t = this.tickets.get(id)!;
    t.updated_at = this.stamp();
    this.audits.get(id)!.push({ id: this.seq++, ticket_id: id, created_at: t.updated_at, author_id: author, events: [{ id: this.seq++, type: 'Comment', public: isPublic, author_id: author, body }] });
    this.provisioning.ticketChanged(id, 'Change');
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      // Observation only (tests read how many requests a client had open at once); not a host behaviour.
      this.inFlight++;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      res.once('close', () => this.inFlight--);
      void this.handle(req, res);
    });
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
    this.requests.push({ method, path: p, query: url.search });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      if (status === 204) {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(data));
    };
    const html = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(text);
    };
    // A form (the consent page's) or JSON (the API's).
    const raw = Buffer.concat(chunks).toString('utf8');
    const isForm = /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const form = isForm ? new URLSearchParams(raw) : undefined;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are read field by field, as before
    let body: Record<string, any> = {};
    if (form) body = Object.fromEntries(form);
    else if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { error: 'InvalidJSON', description: 'The request body is not JSON' });
      }
    }
    // docs: PKCE step 1, and the global OAuth client's authorize URL (https://{subdomain}.zendesk.com/oauth/authorizations/new):
    // the admin's consent page (oauth-emulator.ts names the sources of each rule).
    if (method === 'GET' && p === '/oauth/authorizations/new') {
      const page = this.oauth.authorizePage(url.searchParams);
      return html(page.status, page.html);
    }
    // The consent page's Allow/Deny form (the form's target is the emulator's; Zendesk's is not published).
    if (method === 'POST' && p === '/oauth/authorizations') {
      const r = this.oauth.decide(form ?? new URLSearchParams(body as Record<string, string>));
      if (r.location) {
        res.writeHead(302, { location: r.location });
        return res.end();
      }
      return html(r.status, r.html!);
    }
    // docs: OAuth Tokens for Grant Types, "Create Token for Grant Type": authorization_code and refresh_token.
    if (method === 'POST' && p === '/oauth/tokens' && body.grant_type !== 'client_credentials') {
      const r = this.oauth.token(body, !isForm);
      return send(r.status, r.data);
    }
    // docs: OAuth Tokens API "Create Token" with grant_type client_credentials (confidential clients):
    // client_id, client_secret, scope, optional expires_in (300..172800 s); answers access_token,
    // token_type "bearer", scope, expires_in.
    if (method === 'POST' && p === '/oauth/tokens') {
      if (!body.client_id || this.oauthClients.get(body.client_id as string) !== body.client_secret) return send(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      const life = typeof body.expires_in === 'number' ? body.expires_in : this.tokenLifetimeS;
      if (!body.client_id || typeof body.client_id !== 'string') return send(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      if (life < 300 || life > 172_800) return send(400, { error: 'invalid_request', error_description: 'expires_in: 300..172800' });
      const token = `tok-${(this.seq++).toString(36)}-${Math.random().toString(36).slice(2)}`;
      this.tokens.set(token, Date.now() + life * 1000);
      return send(200, { access_token: token, token_type: 'bearer', scope: body.scope ?? 'read write', expires_in: life });
    }
    const authz = req.headers.authorization ?? '';
    if (!/^(Basic|Bearer) /.test(authz)) return send(401, ERRORS[401]);
    // A token of the global client's grants: valid on every route (whatever oauthOnly), refused when
    // expired or revoked, and held to its scopes (oauth-emulator.ts, missingScope). The identity is
    // the user who consented: their role, and the author of their writes.
    const grant = authz.startsWith('Bearer ') ? this.oauth.lookup(authz.slice(7)) : undefined;
    let role = this.apiUserRole;
    let userId = API_USER;
    if (grant) {
      if (!this.oauth.live(grant)) return send(401, INVALID_TOKEN);
      // docs: OAuth Tokens, "Show Token" and "Revoke Token" are "Allowed for: Admins, Agents, End Users";
      // the scope they need is not stated (unconfirmed): any live token may show or revoke itself.
      const own = /^\/api\/v2\/oauth\/tokens\//.test(p);
      const missing = own ? null : missingScope(grant.scopes, method, p);
      // Recorded in a user's report (support.zendesk.com/hc/en-us/community/posts/4485954843162): 403 with this body.
      if (missing) return send(403, { error: 'Forbidden', description: `You are missing the following required scopes: ${missing}` });
      grant.usedAt = Date.now();
      userId = grant.userId;
      const u = this.users.find((x) => x.id === grant.userId);
      role = u?.role === 'admin' ? 'admin' : 'agent';
    } else if (this.oauthOnly) {
      const until = authz.startsWith('Bearer ') ? this.tokens.get(authz.slice(7)) : undefined;
      // docs: an expired or revoked token is refused with 401 "invalid_token".
      if (until === undefined || until <= Date.now()) return send(401, { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid' });
    }
    const i = this.faults.findIndex((f) => !f.match || f.match.test(p));
    if (i >= 0) {
      const { fault } = this.faults.splice(i, 1)[0];
      if (fault.kind === 'drop') return req.socket.destroy();
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
      // docs: "Rate limits": a 429 carries Retry-After (seconds); its body is not part of the contract.
      if (fault.kind === 'status') return send(fault.status, fault.status === 429 ? { error: 'TooManyRequests' } : { error: 'InternalError' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    let m: RegExpExecArray | null;
    // docs: Tickets API "Show Ticket"; shape of host-payloads/zendesk_incremental_tickets_cursor.real.json's tickets.
    if (method === 'GET' && (m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const t = this.tickets.get(Number(m[1]));
      return t && !this.deleted.has(t.id) ? send(200, { ticket: this.restTicket(t) }) : send(404, ERRORS[404]);
    }
    // docs: Ticket Audits API "List Audits for a Ticket"; host-payloads/zendesk_ticket_audits_include_users.real.json
    // (100 a page, offset paging: next_page an absolute URL, previous_page, count; users sideloaded with include=users).
    if (method === 'GET' && (m = /^\/api\/v2\/tickets\/(\d+)\/audits\.json$/.exec(p))) {
      const a = this.audits.get(Number(m[1]));
      if (!a || this.deleted.has(Number(m[1]))) return send(404, ERRORS[404]);
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const more = a.length > page * 100;
      const slice = a.slice((page - 1) * 100, page * 100);
      const include = url.searchParams.get('include') === 'users';
      const authors = new Set(slice.flatMap((x) => [x.author_id, ...x.events.map((e) => e.author_id as number).filter(Boolean)]));
      return send(200, {
        audits: slice,
        ...(include ? { users: this.users.filter((u) => authors.has(u.id)) } : {}),
        next_page: more ? `${this.url}/api/v2/tickets/${m[1]}/audits.json?${include ? 'include=users&' : ''}page=${page + 1}` : null,
        previous_page: page > 1 ? `${this.url}/api/v2/tickets/${m[1]}/audits.json?page=${page - 1}` : null,
        count: a.length,
      });
    }
    // docs: Tickets API "Update Ticket": safe_update with updated_stamp (409 when stale); `tags` replaces the
    // list, and additional_tags/remove_tags, documented for Update Many Tickets only, are not applied here
    // (HOSTS.md, checked 2026-12-01); a closed ticket cannot be updated (422).
    if (method === 'PUT' && (m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const id = Number(m[1]);
      this.beforeWrite?.(id);
      const t = this.tickets.get(id);
      if (!t || this.deleted.has(id)) return send(404, ERRORS[404]);
      const u = body.ticket ?? {};
      if (t.status === 'closed') return send(422, ERRORS[422]);
      if (u.safe_update && u.updated_stamp !== t.updated_at) return send(409, ERRORS[409]);
      this.apply(t, u, false, userId);
      return send(200, { ticket: this.restTicket(t) });
    }
    // docs: Tickets API "Bulk Update Tickets" (PUT /api/v2/tickets/update_many, "tickets": at most 100, answers a job_status).
    if (method === 'PUT' && p === '/api/v2/tickets/update_many.json') {
      const list = (body.tickets ?? []) as ({ id: number } & Record<string, unknown>)[];
      if (list.length > 100) return send(400, { error: 'TooManyValues', description: 'update_many takes at most 100 tickets' });
      const job = { id: `V3-${(this.seq++).toString(16)}`, status: 'queued', results: [] as unknown[], total: list.length, progress: 0 };
      this.jobs.set(job.id, job);
      setImmediate(() => {
        for (const u of list) {
          this.beforeWrite?.(u.id);
          const t = this.tickets.get(u.id);
          if (!t || this.deleted.has(u.id)) job.results.push({ id: u.id, success: false, errors: 'RecordNotFound' });
          else if (t.status === 'closed') job.results.push({ id: u.id, success: false, errors: 'Status: closed prevents ticket update' });
          else {
            this.apply(t, u, true, userId);
            job.results.push({ id: u.id, success: true, action: 'update', status: 'Updated' });
          }
        }
        job.progress = job.total;
        job.status = 'completed';
      });
      return send(200, { job_status: { id: job.id, status: job.status, total: job.total, progress: null, results: null, url: `${this.url}/api/v2/job_statuses/${job.id}.json` } });
    }
    // docs: Job Statuses API "Show Many Job Statuses" (ids comma-separated).
    if (method === 'GET' && p === '/api/v2/job_statuses/show_many.json') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return send(200, { job_statuses: ids.map((id) => this.jobs.get(id)).filter(Boolean) });
    }
    // docs: Incremental Exports "Incremental Ticket Export, Cursor Based"; host-payloads/zendesk_incremental_tickets_cursor*.real.json.
    if (method === 'GET' && p === '/api/v2/incremental/tickets/cursor.json') {
      if (role !== 'admin') return send(403, ERRORS[403]);
      const r = this.exportTickets(url);
      return 'error' in r ? send(400, r) : send(200, r);
    }
    // docs: Incremental Exports "Incremental Ticket Event Export" (admins only, time-based, include=comment_events);
    // host-payloads/zendesk_incremental_ticket_events.real-edited.json.
    if (method === 'GET' && p === '/api/v2/incremental/ticket_events.json') {
      if (role !== 'admin') return send(403, ERRORS[403]);
      return send(200, this.exportEvents(url));
    }
    // docs: Users API "Show Many Users" (GET /api/v2/users/show_many?ids=…, at most 100 ids).
    if (method === 'GET' && p === '/api/v2/users/show_many.json') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean).map(Number);
      if (ids.length > 100) return send(400, { error: 'TooManyValues', description: 'at most 100 ids' });
      return send(200, { users: this.users.filter((u) => ids.includes(u.id)) });
    }
    // docs: Organizations API "Show Organization" (GET /api/v2/organizations/{organization_id}):
    // {"organization": {..., "organization_fields": {"<field key>": value}}}; 404 RecordNotFound when there is none.
    if (method === 'GET' && (m = /^\/api\/v2\/organizations\/(\d+)\.json$/.exec(p))) {
      const fields = this.organizations.get(Number(m[1]));
      if (!fields) return send(404, ERRORS[404]);
      return send(200, { organization: { id: Number(m[1]), url: `${this.url}/api/v2/organizations/${m[1]}.json`, name: `Organization ${m[1]}`, organization_fields: fields } });
    }
    // docs: Users API "Show User" (GET /api/v2/users/{user_id}): {"user": {..., "user_fields": {"<field key>": value}}}; 404 RecordNotFound.
    // Its iana_time_zone ("The time zone for the user, as an IANA name", read-only) beside time_zone
    // (Rails' names, "Alaska" in host-payloads' users); both are the account's default when unset.
    if (method === 'GET' && (m = /^\/api\/v2\/users\/(\d+)\.json$/.exec(p))) {
      const u = this.users.find((x) => x.id === Number(m![1]));
      if (!u) return send(404, ERRORS[404]);
      const zone = u.iana_time_zone ?? this.defaultTimeZone;
      return send(200, { user: { id: u.id, url: `${this.url}/api/v2/users/${u.id}.json`, role: u.role, time_zone: zone === 'America/New_York' ? 'Eastern Time (US & Canada)' : zone.split('/').pop(), iana_time_zone: zone, user_fields: u.user_fields ?? {} } });
    }
    // docs: Users API "Show the Currently Authenticated User" (GET /api/v2/users/me): {"user": {id, role, …}}.
    if (method === 'GET' && p === '/api/v2/users/me.json') {
      const u = this.users.find((x) => x.id === userId);
      return send(200, { user: { id: userId, url: `${this.url}/api/v2/users/${userId}.json`, role: u?.role ?? role, name: u?.name ?? `User ${userId}` } });
    }
    // docs: Groups API "List Groups" (GET /api/v2/groups): {"groups": [{id, name, …}], next_page, previous_page, count}, 100 a page.
    if (method === 'GET' && p === '/api/v2/groups.json') {
      const groups = [...this.groupNames].map(([gid, name]) => ({ id: gid, name, url: `${this.url}/api/v2/groups/${gid}.json` }));
      return send(200, { groups, next_page: null, previous_page: null, count: groups.length });
    }
    // docs: Groups API "List Groups" for a user (GET /api/v2/users/{user_id}/groups).
    if (method === 'GET' && (m = /^\/api\/v2\/users\/(\d+)\/groups\.json$/.exec(p))) {
      const uid = Number(m[1]);
      if (!this.users.some((u) => u.id === uid)) return send(404, ERRORS[404]);
      return send(200, { groups: (this.groupMemberships.get(uid) ?? []).map((g) => ({ id: g, name: this.groupNames.get(g) ?? `Group ${g}` })), next_page: null, previous_page: null, count: (this.groupMemberships.get(uid) ?? []).length });
    }
    // docs: OAuth Tokens, "Show Token" (GET /api/v2/oauth/tokens/current.json with the Bearer token;
    // "only the first 10 characters of the access token are included"). Basic auth has no current token.
    if (method === 'GET' && p === '/api/v2/oauth/tokens/current.json') {
      return grant ? send(200, { token: this.oauth.tokenObject(grant) }) : send(404, ERRORS[404]);
    }
    // docs: OAuth Tokens, "Revoke Token" (DELETE /api/v2/oauth/tokens/{oauth_token_id}, 204): "immediately
    // and permanently invalidates it". A token's owner or an admin may revoke it (unconfirmed for others).
    // DELETE …/current is not emulated: reports say it answered 204 without revoking (test/zendesk/oauth-sources.md, item 12).
    if (method === 'DELETE' && (m = /^\/api\/v2\/oauth\/tokens\/(\d+)(\.json)?$/.exec(p))) {
      const target = this.oauth.grants.find((g) => g.id === Number(m![1]));
      if (!target) return send(404, ERRORS[404]);
      if (role !== 'admin' && target.userId !== userId) return send(403, ERRORS[403]);
      this.oauth.revoke(target.id);
      return send(204);
    }
    if (this.provisioning.route({ method, path: p, url, body, userId, role, send })) return;
    return send(404, { error: 'InvalidEndpoint', description: `not emulated: ${method} ${p}` });
  }

  /** The ticket as the REST API shows it (the fields SLA Desk reads, in Zendesk's names). */
  private restTicket(t: Ticket) {
    return { url: `${this.url}/api/v2/tickets/${t.id}.json`, ...t, status: this.deleted.has(t.id) ? 'deleted' : t.status };
  }

  /** A write by the API user: changed fields become one audit; nothing changes, nothing is recorded. */
  /** bulk: an Update Many Tickets item, where additional_tags/remove_tags are documented. */
  private apply(t: Ticket, u: Record<string, unknown>, bulk: boolean, author = API_USER) {
    const events: Record<string, unknown>[] = [];
    if (typeof u.priority === 'string' && u.priority !== t.priority) {
      events.push({ type: 'Change', field_name: 'priority', value: u.priority, previous_value: t.priority });
      t.priority = u.priority;
    }
    // docs: Tickets API, group_id is writable; the audit's Change gives ids as text (as agentEdit's).
    if (typeof u.group_id === 'number' && u.group_id !== t.group_id) {
      events.push({ type: 'Change', field_name: 'group_id', value: String(u.group_id), previous_value: t.group_id == null ? null : String(t.group_id) });
      t.group_id = u.group_id;
    }
    let tags = [...t.tags];
    if (Array.isArray(u.tags)) tags = u.tags as string[];
    if (bulk && Array.isArray(u.additional_tags)) for (const x of u.additional_tags as string[]) if (!tags.includes(x)) tags.push(x);
    if (bulk && Array.isArray(u.remove_tags)) tags = tags.filter((x) => !(u.remove_tags as string[]).includes(x));
    if (JSON.stringify(tags) !== JSON.stringify(t.tags)) {
      events.push({ type: 'Change', field_name: 'tags', value: tags, previous_value: t.tags });
      t.tags = tags;
    }
    for (const f of (u.custom_fields ?? []) as { id: number; value: unknown }[]) {
      const have = t.custom_fields.find((x) => x.id === f.id);
      if (have && have.value === f.value) continue;
      events.push({ type: 'Change', field_name: String(f.id), value: f.value, previous_value: have?.value ?? null });
      if (have) have.value = f.value;
      else t.custom_fields.push({ id: f.id, value: f.value });
    }
    const comment = u.comment as { body?: string; public?: boolean; author_id?: number } | undefined;
    if (comment?.body) events.push({ id: this.seq++, type: 'Comment', public: comment.public !== false, author_id: comment.author_id ?? author, body: comment.body });
    if (!events.length) return;
    t.updated_at = this.stamp();
    this.audits.get(t.id)!.push({ id: this.seq++, ticket_id: t.id, created_at: t.updated_at, author_id: author, events });
    this.writes.set(t.id, (this.writes.get(t.id) ?? 0) + 1);
    this.provisioning.ticketChanged(t.id, 'Change');
    this.onChange?.(t.id);
  }

  /**
   * The cursor-based ticket export: the first request gives start_time, every next one the cursor
   * ("after_cursor" of the previous page, docs). The docs do not say what a request with both
   * does; this emulator refuses it, holding the client to the documented form. The cursor holds
   * the position only: options such as exclude_deleted and per_page apply as each request gives
   * them, and after_url repeats them (recorded: ...cursor.json?cursor=…&per_page=1 in
   * host-payloads/zendesk_incremental_tickets_cursor_per_page1.real.json), so a client that drops
   * after_url's parameters gets other pages. At the end of the stream after_url and after_cursor
   * are still given (recorded: zendesk_incremental_tickets_cursor.real.json), for the next poll.
   * Deleted tickets come with status "deleted" (as in the recorded real page) unless
   * exclude_deleted=true. Zendesk gives up to 1,000 tickets a page, ordered by updated_at.
   */
  private exportTickets(url: URL): Record<string, unknown> {
    const cursor = url.searchParams.get('cursor');
    const start = url.searchParams.get('start_time');
    if (cursor && start !== null) return { error: 'InvalidPaginationParameter', description: 'cursor and start_time cannot be combined' };
    if (!cursor && start === null) return { error: 'InvalidPaginationParameter', description: 'start_time is required' };
    // The cursor carries the position (in plain JSON here): the start and how far the stream went.
    const pos = cursor ? (JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { o: number; s: number }) : { o: 0, s: Number(start) * 1000 };
    const exclude = url.searchParams.get('exclude_deleted') === 'true';
    const all = [...this.tickets.values()]
      .filter((t) => Date.parse(t.updated_at) >= pos.s && !(exclude && this.deleted.has(t.id)))
      .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id - b.id);
    const size = Math.min(1000, Number(url.searchParams.get('per_page') ?? 1000));
    const page = all.slice(pos.o, pos.o + size);
    const next = pos.o + page.length;
    const after = Buffer.from(JSON.stringify({ ...pos, o: next })).toString('base64');
    const params = new URLSearchParams([...url.searchParams].filter(([k]) => k !== 'cursor' && k !== 'start_time'));
    const end = next >= all.length;
    return {
      tickets: page.map((t) => this.restTicket(t)),
      after_url: `${this.url}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(after)}${params.size ? `&${params}` : ''}`,
      after_cursor: after,
      before_url: null,
      before_cursor: null,
      end_of_stream: end,
    };
  }

  /**
   * Ticket events as the time-based export gives them: from start_time (Unix seconds), about 1,000
   * a page, one per audit with its changes as child events keyed by field name
   * ({"status":"hold","event_type":"Change","previous_value":"open"}), custom fields as
   * {"custom_ticket_fields":{"<id>":"<value>"}} (HOSTS.md, "Checked against the hosts' published
   * contracts"; no recorded page with one was found), tags with added_tags/removed_tags. A comment is
   * {comment_present, comment_public} unless include=comment_events, which gives the comment itself
   * (the docs' sideload example). No users are sideloaded. A page runs past 1,000 rather than split
   * events that share its last second; next_page starts at end_time itself, so pages overlap at that
   * second (as the recorded page's next_page does) and the client skips events it has seen.
   */
  private exportEvents(url: URL) {
    const start = Number(url.searchParams.get('start_time') ?? 0) * 1000;
    const withComments = (url.searchParams.get('include') ?? '').split(',').includes('comment_events');
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
    // A page that ran past 1,000 to keep its last second whole leaves nothing of that second: the
    // next page starts after it (else a second with over 1,000 events would repeat forever). This
    // is the emulator's reading of the documented "pages can overlap at their last second"; the
    // exact rule for such a second is not documented.
    const nextStart = n > 1000 ? endTime + 1 : endTime;
    return {
      ticket_events: page.map((a) => ({
        id: a.id,
        ticket_id: a.ticket_id,
        timestamp: second(a),
        created_at: a.created_at,
        updater_id: a.author_id,
        via: 'Web form',
        system: { client: null, location: null, latitude: null, longitude: null },
        event_type: 'Audit',
        child_events: a.events.map((e, k) => this.childEvent(a, e, k, withComments)),
      })),
      next_page: `${this.url}/api/v2/incremental/ticket_events.json?start_time=${nextStart}`,
      count: page.length,
      end_time: endTime,
      end_of_stream: endOfStream,
    };
  }

  private childEvent(a: Audit, e: Record<string, unknown>, k: number, withComments: boolean): Record<string, unknown> {
    const base = { id: (e.id as number | undefined) ?? a.id * 100 + k, via: 'Web form', via_reference_id: null };
    if (e.type === 'Comment') {
      if (!withComments) return { ...base, comment_present: true, comment_public: e.public, event_type: 'Comment' };
      return { ...base, type: 'Comment', author_id: e.author_id, body: e.body, html_body: `<div class="zd-comment"><p dir="auto">${String(e.body)}</p></div>`, public: e.public, attachments: [], audit_id: a.id, created_at: a.created_at, event_type: 'Comment' };
    }
    const name = String(e.field_name);
    // Recorded: the export gives group_id as a number ({"group_id":360003235353,"event_type":"Create"}),
    // where the audits give a string; its previous_value is taken to be a number too (not recorded).
    const num = (x: unknown) => (name === 'group_id' && x != null && x !== '' ? Number(x) : x);
    const change = e.type === 'Change' ? { previous_value: num(e.previous_value) } : {};
    if (/^\d+$/.test(name)) return { ...base, custom_ticket_fields: { [name]: e.value }, event_type: e.type, ...change };
    if (name === 'tags') {
      const now = (e.value as string[]) ?? [];
      const before = (e.previous_value as string[] | undefined) ?? [];
      return { ...base, tags: now, added_tags: now.filter((t) => !before.includes(t)), removed_tags: before.filter((t) => !now.includes(t)), event_type: e.type, ...change };
    }
    return { ...base, [name]: num(e.value), event_type: e.type, ...change };
  }
}

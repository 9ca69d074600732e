import { createHmac, randomBytes } from 'crypto';

/**
 * The provisioning half of the Zendesk emulator: the Webhooks API with signing secrets, ticket
 * triggers (and running their webhook actions when a ticket is created or updated), ticket fields,
 * and app installations with their requirements and settings. Sources:
 *  - "docs: Webhooks" = developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks
 *  - "docs: creating webhooks" = developer.zendesk.com/documentation/webhooks/creating-and-monitoring-webhooks/
 *  - "docs: verifying" = developer.zendesk.com/documentation/webhooks/verifying/
 *  - "docs: Triggers" = developer.zendesk.com/api-reference/ticketing/business-rules/triggers/
 *  - "docs: Ticket Fields" = developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/
 *  - "docs: Apps" = developer.zendesk.com/api-reference/ticketing/apps/apps/ (installations, requirements)
 *  - "WH-OAS" = a third party's hand-written OpenAPI for the Webhooks API (botbrains-io/python-zendesk,
 *    openapi-webhooks.yaml): used only where Zendesk's own text says nothing, and marked unconfirmed.
 *  - "facts §N" and "facts N" = the sections and the "Could NOT confirm" items of
 *    test/zendesk/oauth-sources.md, where each point is quoted with its URL.
 * host-payloads/zendesk_webhook_invocation_attempts.real.json is a recorded real delivery: its
 * headers (names, the timestamp format, ULID ids, the user agent) are the ones sent here.
 */

/** docs: "403 Forbidden" for a role the endpoint is not allowed for (Zendesk's error body). */
const FORBIDDEN = { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' };

export interface ProvisioningHost {
  url: string;
  accountId: number;
  nextId(): number;
  stamp(): string;
  /** The clock deliveries are signed at (the wall clock unless the host keeps another, as the workbench does). */
  clock?(): number;
}

/** What a route handler is given by the host. */
export interface RouteCtx {
  method: string;
  path: string;
  url: URL;
  body: Record<string, unknown>;
  /** The user the credentials act as, and their role (admin-only routes answer others 403). */
  userId: number;
  role: 'admin' | 'agent';
  send(status: number, data?: unknown): void;
}

export interface Webhook {
  id: string;
  name: string;
  status: 'active' | 'inactive';
  endpoint: string;
  http_method: string;
  request_format: string;
  subscriptions: string[];
  description?: string;
  authentication?: { type: string; add_position?: string; data?: Record<string, string> };
  custom_headers?: Record<string, string>;
  external_source?: unknown;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface Trigger {
  id: number;
  title: string;
  active: boolean;
  position: number;
  conditions: { all: Condition[]; any: Condition[] };
  actions: { field: string; value: unknown }[];
  description: string | null;
  category_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Condition {
  field: string;
  operator: string;
  value: unknown;
}

export interface TicketField {
  id: number;
  type: string;
  title: string;
  description: string;
  active: boolean;
  required: boolean;
  position: number;
  tag: string | null;
  custom_field_options?: { id: number; name: string; raw_name: string; value: string; default: boolean }[];
  removable: boolean;
  creator_app_name: string | null;
  creator_user_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface UserOrOrgField {
  id: number;
  key: string;
  type: string;
  title: string;
  description: string;
  active: boolean;
  creator_app_name: string | null;
}

export interface Requirement {
  account_id: number;
  identifier: string;
  requirement_id: number | string;
  requirement_type: string;
  created_at: string;
  updated_at: string;
}

export interface Installation {
  id: number;
  app_id: number;
  name: string;
  enabled: boolean;
  /** Every setting, the secure ones included; the API shows only the others. */
  settings: Record<string, unknown>;
  /** Names of the app's secure parameters (manifest.json `secure: true`). */
  secure: string[];
  requirements: Requirement[];
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  webhookId: string;
  triggerId: number;
  ticketId: number;
  invocationId: string;
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** The endpoint's HTTP status; null when no answer came (a refused connection or a timeout). */
  status: number | null;
  error?: string;
  at: string;
}

/** The app's requirements.json (zendesk-app/scripts/requirements.cjs builds it). */
export interface Requirements {
  ticket_fields?: Record<string, Record<string, unknown>>;
  user_fields?: Record<string, Record<string, unknown>>;
  organization_fields?: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, Record<string, unknown>>;
  triggers?: Record<string, Record<string, unknown>>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID (26 Crockford base-32 characters, time first): the form of webhook and invocation ids in the recorded delivery. */
export function ulid(now = Date.now()): string {
  let t = '';
  for (let i = 0, n = now; i < 10; i++, n = Math.floor(n / 32)) t = CROCKFORD[n % 32] + t;
  const r = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return t + r;
}

const iso = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Zendesk's system ticket fields (docs: Ticket Fields, "type": subject, description, status, tickettype, priority, group, assignee). */
const SYSTEM_FIELDS: [string, string][] = [
  ['subject', 'Subject'],
  ['description', 'Description'],
  ['status', 'Status'],
  ['tickettype', 'Type'],
  ['priority', 'Priority'],
  ['group', 'Group'],
  ['assignee', 'Assignee'],
];

export class Provisioning {
  webhooks = new Map<string, Webhook>();
  /** Webhook id -> its signing secret, made at creation (docs: Webhooks, "Show Webhook Signing Secret"). */
  signingSecrets = new Map<string, string>();
  /** Webhooks created by an app's requirements: id -> installation id. */
  appWebhooks = new Map<string, number>();
  triggers = new Map<number, Trigger>();
  ticketFields: TicketField[];
  userFields: UserOrOrgField[] = [];
  organizationFields: UserOrOrgField[] = [];
  installations = new Map<number, Installation>();
  /** Every webhook request a trigger sent, with the endpoint's answer, in the order they were sent. */
  webhookDeliveries: Delivery[] = [];
  /** How long a delivery waits for the endpoint (Zendesk's own timeout is unconfirmed). */
  deliveryTimeoutMs = 10_000;
  private inFlight = new Set<Promise<void>>();

  constructor(private host: ProvisioningHost) {
    const at = '2026-01-05T09:00:00Z';
    this.ticketFields = SYSTEM_FIELDS.map(([type, title], i) => ({ id: 360_000_000_001 + i, type, title, description: '', active: true, required: type === 'subject', position: i + 1, tag: null, removable: false, creator_app_name: null, creator_user_id: null, created_at: at, updated_at: at }));
  }

  /** Resolves when no webhook delivery is in flight (deliveries a delivery's answer causes included). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  // ---------------------------------------------------------------- webhooks

  private webhookJson(w: Webhook) {
    // The authentication's data (a password or token) is not shown back (unconfirmed: WH-OAS
    // documents the object without saying; the emulator keeps credentials out of answers).
    const { authentication, ...rest } = w;
    return { ...rest, ...(authentication ? { authentication: { type: authentication.type, add_position: authentication.add_position ?? 'header' } } : {}) };
  }

  /**
   * docs: Webhooks, "Create or Clone Webhook": name, endpoint, http_method, request_format and
   * status are mandatory; request_format is json, xml or form_encoded; an event-subscribed webhook
   * must be POST and json. The 400 body is unconfirmed: WH-OAS's `errors` array of {field, code,
   * message} is used.
   */
  private validateWebhook(w: Record<string, unknown>): { field: string; code: string; message: string }[] {
    const errors: { field: string; code: string; message: string }[] = [];
    for (const f of ['name', 'endpoint', 'http_method', 'request_format', 'status']) {
      if (typeof w[f] !== 'string' || !(w[f] as string).trim()) errors.push({ field: f, code: 'blank', message: `${f} is required` });
    }
    if (typeof w.status === 'string' && w.status && !['active', 'inactive'].includes(w.status)) errors.push({ field: 'status', code: 'invalid', message: 'status must be active or inactive' });
    if (typeof w.request_format === 'string' && w.request_format && !['json', 'xml', 'form_encoded'].includes(w.request_format)) errors.push({ field: 'request_format', code: 'invalid', message: 'request_format must be json, xml or form_encoded' });
    if (typeof w.http_method === 'string' && w.http_method && !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(w.http_method)) errors.push({ field: 'http_method', code: 'invalid', message: 'http_method must be GET, POST, PUT, PATCH or DELETE' });
    if (typeof w.endpoint === 'string' && w.endpoint) {
      try {
        if (!/^https?:$/.test(new URL(w.endpoint).protocol)) throw new Error();
      } catch {
        errors.push({ field: 'endpoint', code: 'invalid', message: 'endpoint must be an absolute http(s) URL' });
      }
    }
    const subs = w.subscriptions;
    if (subs !== undefined && (!Array.isArray(subs) || subs.some((s) => typeof s !== 'string'))) errors.push({ field: 'subscriptions', code: 'invalid', message: 'subscriptions must be an array of strings' });
    if (Array.isArray(subs) && subs.some((s) => String(s).startsWith('zen:event-type:')) && (w.http_method !== 'POST' || w.request_format !== 'json')) errors.push({ field: 'subscriptions', code: 'invalid', message: 'a webhook subscribed to events must be POST and json' });
    return errors;
  }

  createWebhook(w: Record<string, unknown>, userId: number | string, appInstallation?: number): Webhook {
    const now = iso();
    const hook = this.createShape({ ...w, id: ulid(), created_at: now, created_by: userId, updated_at: now, updated_by: userId });
    this.webhooks.set(hook.id, hook);
    this.signingSecrets.set(hook.id, randomBytes(32).toString('base64url'));
    if (appInstallation !== undefined) this.appWebhooks.set(hook.id, appInstallation);
    return hook;
  }

  private webhookRoutes(r: RouteCtx): boolean {
    const { method, path: p, url } = r;
    let m: RegExpExecArray | null;
    // docs: Webhooks, "Create or Clone Webhook" (POST /api/v2/webhooks, {"webhook": {…}}, 201 {"webhook": {…}}).
    if (method === 'POST' && /^\/api\/v2\/webhooks(\.json)?$/.test(p)) {
      const clone = url.searchParams.get('clone_webhook_id');
      let w = r.body.webhook as Record<string, unknown> | undefined;
      if (clone) {
        const src = this.webhooks.get(clone);
        if (!src) return (r.send(404, { errors: [{ code: 'WebhookNotFound', message: 'Webhook not found' }] }), true);
        // docs: "admins cannot clone webhooks created by Zendesk apps" (403 body unconfirmed).
        if (this.appWebhooks.has(clone)) return (r.send(403, { errors: [{ code: 'Forbidden', message: 'Webhooks created by a Zendesk app cannot be cloned' }] }), true);
        w = { ...src, name: `${src.name} (copy)` };
      }
      if (!w || typeof w !== 'object') return (r.send(400, { errors: [{ field: 'webhook', code: 'blank', message: 'webhook is required' }] }), true);
      const errors = this.validateWebhook(w);
      if (errors.length) return (r.send(400, { errors }), true);
      return (r.send(201, { webhook: this.webhookJson(this.createWebhook(w, r.userId)) }), true);
    }
    // docs: Webhooks, "List Webhooks". The filters and cursor paging (filter[name_contains],
    // filter[status], page[size], page[after]; meta {has_more, after_cursor, before_cursor} and
    // links {next, prev}) come from WH-OAS only: unconfirmed (facts 13), taken as given there.
    if (method === 'GET' && /^\/api\/v2\/webhooks(\.json)?$/.test(p)) {
      const q = url.searchParams;
      const contains = (q.get('filter[name_contains]') ?? '').toLowerCase();
      const status = q.get('filter[status]');
      let list = [...this.webhooks.values()].filter((w) => w.name.toLowerCase().includes(contains) && (!status || w.status === status));
      const sort = q.get('sort');
      if (sort === 'name' || sort === 'status') list = list.sort((a, b) => a[sort].localeCompare(b[sort]));
      const size = Math.min(100, Math.max(1, Number(q.get('page[size]') ?? 100) || 100));
      const after = q.get('page[after]');
      const start = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) || 0 : 0;
      const slice = list.slice(start, start + size);
      const more = start + size < list.length;
      const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
      const base = new URLSearchParams([...q].filter(([k]) => k !== 'page[after]' && k !== 'page[before]'));
      const nextQ = new URLSearchParams(base);
      nextQ.set('page[after]', cursor(start + size));
      r.send(200, {
        webhooks: slice.map((w) => this.webhookJson(w)),
        meta: { has_more: more, after_cursor: more ? cursor(start + size) : null, before_cursor: start > 0 ? cursor(Math.max(0, start - size)) : null },
        links: { next: more ? `${this.host.url}/api/v2/webhooks?${nextQ}` : null, prev: null },
      });
      return true;
    }
    if ((m = /^\/api\/v2\/webhooks\/([0-9A-Za-z]+)(\/signing_secret)?(\.json)?$/.exec(p))) {
      const hook = this.webhooks.get(m[1]);
      if (!hook) return (r.send(404, { errors: [{ code: 'WebhookNotFound', message: 'Webhook not found' }] }), true);
      if (m[2]) {
        // docs: Webhooks, "Show Webhook Signing Secret" and "Reset Webhook Signing Secret" (POST, 201):
        // "admins cannot reveal secrets of webhooks created by Zendesk apps" (nor reset them), so
        // an app's requirement webhook answers 403 (body unconfirmed). The response shape
        // {"signing_secret":{"algorithm","secret"}} and the casing "SHA256" are WH-OAS's: unconfirmed (facts 13).
        if (method !== 'GET' && method !== 'POST') return false;
        if (this.appWebhooks.has(hook.id)) return (r.send(403, { errors: [{ code: 'Forbidden', message: 'The signing secret of a webhook created by a Zendesk app cannot be revealed or reset' }] }), true);
        if (method === 'POST') this.signingSecrets.set(hook.id, randomBytes(32).toString('base64url'));
        r.send(method === 'POST' ? 201 : 200, { signing_secret: { algorithm: 'SHA256', secret: this.signingSecrets.get(hook.id) } });
        return true;
      }
      // docs: Webhooks, "Show Webhook".
      if (method === 'GET') return (r.send(200, { webhook: this.webhookJson(hook) }), true);
      // docs: Webhooks, "Patch Webhook" (a partial object; activating is {"webhook":{"status":"active"}})
      // and "Update Webhook" (PUT, the whole object). Both answer 204 (WH-OAS; unconfirmed for PUT).
      // docs: creating webhooks: "You can't change an existing webhook's connection method", so a
      // change of subscriptions is refused (400 body unconfirmed).
      if (method === 'PATCH' || method === 'PUT') {
        const u = (r.body.webhook ?? {}) as Record<string, unknown>;
        const next: Record<string, unknown> = method === 'PATCH' ? { ...hook, ...u } : { ...u, id: hook.id };
        const errors = this.validateWebhook(next);
        const subsBefore = JSON.stringify(hook.subscriptions);
        const subsAfter = JSON.stringify((next.subscriptions as string[] | undefined) ?? []);
        if (subsBefore !== subsAfter) errors.push({ field: 'subscriptions', code: 'invalid', message: "You can't change an existing webhook's connection method" });
        if (errors.length) return (r.send(400, { errors }), true);
        const keep = { id: hook.id, created_at: hook.created_at, created_by: hook.created_by };
        const fresh = this.createShape(next);
        this.webhooks.set(hook.id, { ...fresh, ...keep, updated_at: iso(), updated_by: String(r.userId) });
        r.send(204);
        return true;
      }
      // docs: Webhooks, "Delete Webhook" (204).
      if (method === 'DELETE') {
        this.webhooks.delete(hook.id);
        this.signingSecrets.delete(hook.id);
        this.appWebhooks.delete(hook.id);
        r.send(204);
        return true;
      }
    }
    return false;
  }

  private createShape(w: Record<string, unknown>): Webhook {
    return {
      id: String(w.id),
      name: String(w.name),
      status: w.status as Webhook['status'],
      endpoint: String(w.endpoint),
      http_method: String(w.http_method),
      request_format: String(w.request_format),
      subscriptions: (w.subscriptions as string[] | undefined) ?? [],
      ...(typeof w.description === 'string' ? { description: w.description } : {}),
      ...(w.authentication ? { authentication: w.authentication as Webhook['authentication'] } : {}),
      ...(w.custom_headers ? { custom_headers: w.custom_headers as Record<string, string> } : {}),
      ...(w.external_source ? { external_source: w.external_source } : {}),
      created_at: String(w.created_at),
      created_by: String(w.created_by),
      updated_at: String(w.updated_at),
      updated_by: String(w.updated_by),
    };
  }

  // ---------------------------------------------------------------- triggers

  private triggerJson(t: Trigger) {
    return { url: `${this.host.url}/api/v2/triggers/${t.id}.json`, ...t, raw_title: t.title, default: false };
  }

  /**
   * docs: Triggers: title, conditions and actions are required (TriggerObject `required`). The
   * 422 RecordInvalid body is the one the Tickets API documents (unconfirmed for triggers). A
   * notification_webhook action must name an existing webhook (unconfirmed: the emulator refuses
   * a trigger that would call nothing).
   */
  private validateTrigger(t: Record<string, unknown>): string | null {
    if (typeof t.title !== 'string' || !t.title.trim()) return 'Title: cannot be blank';
    const c = t.conditions as { all?: unknown; any?: unknown } | undefined;
    if (!c || typeof c !== 'object' || (c.all !== undefined && !Array.isArray(c.all)) || (c.any !== undefined && !Array.isArray(c.any))) return 'Conditions: must be an object with "all" and "any" arrays';
    if (!Array.isArray(t.actions) || !t.actions.length) return 'Actions: cannot be blank';
    for (const a of t.actions as { field?: string; value?: unknown }[]) {
      if (a.field !== 'notification_webhook') continue;
      if (!Array.isArray(a.value) || a.value.length !== 2 || !this.webhooks.has(String(a.value[0]))) return 'Actions: notification_webhook must name an existing webhook and a body';
    }
    return null;
  }

  createTrigger(t: Record<string, unknown>): Trigger {
    const now = iso();
    const c = t.conditions as { all?: Condition[]; any?: Condition[] };
    const trigger: Trigger = {
      id: this.host.nextId(),
      title: String(t.title),
      active: t.active !== false,
      position: typeof t.position === 'number' ? t.position : this.triggers.size + 1,
      conditions: { all: c.all ?? [], any: c.any ?? [] },
      actions: t.actions as Trigger['actions'],
      description: typeof t.description === 'string' ? t.description : null,
      category_id: typeof t.category_id === 'string' ? t.category_id : null,
      created_at: now,
      updated_at: now,
    };
    this.triggers.set(trigger.id, trigger);
    return trigger;
  }

  private triggerRoutes(r: RouteCtx): boolean {
    const { method, path: p, url } = r;
    let m: RegExpExecArray | null;
    const invalid = (description: string) => r.send(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { base: [{ description }] } });
    const list = (ts: Trigger[]) => {
      const active = url.searchParams.get('active');
      const shown = ts.filter((t) => active === null || String(t.active) === active).sort((a, b) => a.position - b.position || a.id - b.id);
      // docs: Triggers, offset pagination (100 a page); one page is enough here.
      r.send(200, { triggers: shown.map((t) => this.triggerJson(t)), next_page: null, previous_page: null, count: shown.length });
    };
    // docs: Triggers, "Create Trigger" (POST /api/v2/triggers, {"trigger": {…}}, 201 {"trigger": {…}}).
    if (method === 'POST' && /^\/api\/v2\/triggers(\.json)?$/.test(p)) {
      const t = (r.body.trigger ?? {}) as Record<string, unknown>;
      const error = this.validateTrigger(t);
      if (error) return (invalid(error), true);
      return (r.send(201, { trigger: this.triggerJson(this.createTrigger(t)) }), true);
    }
    // docs: Triggers, "List Ticket Triggers" (active filter).
    if (method === 'GET' && /^\/api\/v2\/triggers(\.json)?$/.test(p)) return (list([...this.triggers.values()]), true);
    // docs: Triggers, "Search Ticket Triggers": query is required, "find all triggers with matching title".
    if (method === 'GET' && /^\/api\/v2\/triggers\/search(\.json)?$/.test(p)) {
      const q = url.searchParams.get('query');
      if (!q) return (r.send(400, { error: 'InvalidParameter', description: 'query is required' }), true);
      return (list([...this.triggers.values()].filter((t) => t.title.toLowerCase().includes(q.toLowerCase()))), true);
    }
    if ((m = /^\/api\/v2\/triggers\/(\d+)(\.json)?$/.exec(p))) {
      const t = this.triggers.get(Number(m[1]));
      if (!t) return (r.send(404, { error: 'RecordNotFound', description: 'Not found' }), true);
      // docs: Triggers, "Show Ticket Trigger".
      if (method === 'GET') return (r.send(200, { trigger: this.triggerJson(t) }), true);
      // docs: Triggers, "Update Ticket Trigger": "Updating a condition or action updates both the
      // conditions and actions arrays": given conditions and actions replace the old ones.
      if (method === 'PUT') {
        const u = (r.body.trigger ?? {}) as Record<string, unknown>;
        const next = { ...t, ...u, conditions: u.conditions ?? t.conditions, actions: u.actions ?? t.actions };
        const error = this.validateTrigger(next);
        if (error) return (invalid(error), true);
        const c = next.conditions as { all?: Condition[]; any?: Condition[] };
        Object.assign(t, {
          title: String(next.title),
          active: next.active !== false,
          position: typeof next.position === 'number' ? next.position : t.position,
          conditions: { all: c.all ?? [], any: c.any ?? [] },
          actions: next.actions,
          description: typeof next.description === 'string' ? next.description : t.description,
          updated_at: iso(),
        });
        return (r.send(200, { trigger: this.triggerJson(t) }), true);
      }
      // docs: Triggers, "Delete Ticket Trigger" (204).
      if (method === 'DELETE') {
        this.triggers.delete(t.id);
        return (r.send(204), true);
      }
    }
    return false;
  }

  /**
   * A ticket was created or updated (an audit was made): each active trigger whose conditions hold
   * runs, in position order. Conditions: `update_type` "is"/"is_not" Create or Change (facts §6;
   * Zendesk's Conditions reference itself not retrieved, unconfirmed, facts 15); any other
   * condition does not hold, so a trigger that needs one does not fire. Actions: only
   * notification_webhook runs ({"field":"notification_webhook","value":["<webhook id>","<body>"]},
   * facts §6), with {{ticket.id}} replaced in the body; other actions and placeholders are not
   * emulated. A trigger runs once per update; triggers changing the ticket (and so re-running the
   * others) are not emulated.
   */
  ticketChanged(ticketId: number, updateType: 'Create' | 'Change'): void {
    const holds = (c: Condition) => {
      if (c.field !== 'update_type') return false;
      if (c.operator === 'is') return c.value === updateType;
      if (c.operator === 'is_not') return c.value !== updateType;
      return false;
    };
    const triggers = [...this.triggers.values()].filter((t) => t.active).sort((a, b) => a.position - b.position || a.id - b.id);
    for (const t of triggers) {
      const { all, any } = t.conditions;
      if (!all.every(holds) || (any.length > 0 && !any.some(holds))) continue;
      for (const a of t.actions) {
        if (a.field !== 'notification_webhook' || !Array.isArray(a.value)) continue;
        const hook = this.webhooks.get(String(a.value[0]));
        // An inactive webhook sends nothing (docs: creating webhooks, a webhook's status).
        if (!hook || hook.status !== 'active') continue;
        const body = String(a.value[1] ?? '').replace(/\{\{\s*ticket\.id\s*\}\}/g, String(ticketId));
        this.deliver(hook, t.id, ticketId, body);
      }
    }
  }

  /**
   * One delivery, sent without blocking the change that caused it. docs: verifying: the signature
   * is base64(HMACSHA256(TIMESTAMP + BODY)) with the webhook's signing secret, in
   * X-Zendesk-Webhook-Signature, the timestamp in X-Zendesk-Webhook-Signature-Timestamp. The other
   * headers, their spelling and the timestamp's form (seconds, "Z") are the recorded delivery's
   * (host-payloads/zendesk_webhook_invocation_attempts.real.json). Zendesk's retries (for 409,
   * 429 and 503 answers) and its circuit breaker are not emulated: each delivery is one attempt.
   */
  private deliver(hook: Webhook, triggerId: number, ticketId: number, body: string): void {
    const timestamp = iso(this.host.clock?.() ?? Date.now());
    const invocationId = ulid();
    const secret = this.signingSecrets.get(hook.id)!;
    const contentType = hook.request_format === 'xml' ? 'application/xml; charset=utf-8' : hook.request_format === 'form_encoded' ? 'application/x-www-form-urlencoded; charset=utf-8' : 'application/json; charset=utf-8';
    const headers: Record<string, string> = {
      'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
      'X-Zendesk-Webhook-Signature': createHmac('sha256', secret).update(timestamp + body).digest('base64'),
      'Content-Type': contentType,
      'User-Agent': 'Zendesk Webhook',
      'X-Zendesk-Account-Id': String(this.host.accountId),
      'X-Zendesk-Webhook-Id': hook.id,
      'X-Zendesk-Webhook-Invocation-Id': invocationId,
      ...(hook.custom_headers ?? {}),
    };
    // docs: Webhooks, `authentication` (basic_auth, bearer_token, api_key; add_position "header").
    const auth = hook.authentication;
    if (auth?.type === 'bearer_token' && auth.data?.token) headers.Authorization = `Bearer ${auth.data.token}`;
    if (auth?.type === 'basic_auth' && auth.data?.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${auth.data.username}:${auth.data.password ?? ''}`).toString('base64')}`;
    if (auth?.type === 'api_key' && auth.data?.name) headers[auth.data.name] = auth.data.value ?? '';
    const record: Delivery = { webhookId: hook.id, triggerId, ticketId, invocationId, endpoint: hook.endpoint, method: hook.http_method, headers, body, status: null, at: timestamp };
    this.webhookDeliveries.push(record);
    const send = (async () => {
      try {
        const res = await fetch(hook.endpoint, { method: hook.http_method, headers, body: hook.http_method === 'GET' ? undefined : body, signal: AbortSignal.timeout(this.deliveryTimeoutMs), redirect: 'manual' });
        record.status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        record.error = (e as Error).message;
      }
    })();
    this.inFlight.add(send);
    void send.finally(() => this.inFlight.delete(send));
  }

  // ---------------------------------------------------------------- ticket fields and apps

  private fieldJson(f: TicketField, creator: boolean) {
    const { creator_app_name, creator_user_id, ...rest } = f;
    return {
      url: `${this.host.url}/api/v2/ticket_fields/${f.id}.json`,
      ...rest,
      raw_title: f.title,
      raw_description: f.description,
      title_in_portal: f.title,
      raw_title_in_portal: f.title,
      visible_in_portal: false,
      editable_in_portal: false,
      required_in_portal: false,
      agent_description: null,
      ...(creator ? { creator_app_name, creator_user_id } : {}),
    };
  }

  private installationJson(i: Installation) {
    // unconfirmed (facts 9): what the REST `settings` shows for a secure setting; the emulator
    // leaves secure settings out of `settings` and `settings_objects` (they are for the ZAF proxy).
    // The installation's name and title are among its settings (docs: Apps, the install request's "settings": {"name": …}).
    const settings = { name: i.name, title: i.name, ...Object.fromEntries(Object.entries(i.settings).filter(([k]) => !i.secure.includes(k))) };
    return {
      id: i.id,
      app_id: i.app_id,
      product: 'support',
      settings,
      settings_objects: Object.entries(settings).map(([name, value]) => ({ name, value })),
      enabled: i.enabled,
      role_restrictions: null,
      group_restrictions: null,
      servable: true,
      pending_installation: false,
      pending_job_id: null,
      created_at: i.created_at,
      updated_at: i.updated_at,
      updated: i.updated_at.replace(/[-T:Z]/g, ''),
    };
  }

  private appRoutes(r: RouteCtx): boolean {
    const { method, path: p, url } = r;
    let m: RegExpExecArray | null;
    // docs: Apps, "Update App Installation" (PUT /api/v2/apps/installations/{id}, Admins): the given
    // settings are merged into the installation's, and updated_at moves. That a secure setting can be
    // set this way, and is then never shown back, is unconfirmed (facts 9).
    if (method === 'PUT' && (m = /^\/api\/v2\/apps\/installations\/(\d+)(\.json)?$/.exec(p))) {
      if (r.role !== 'admin') return (r.send(403, FORBIDDEN), true);
      const i = this.installations.get(Number(m[1]));
      if (!i) return (r.send(404, { error: 'RecordNotFound', description: 'Not found' }), true);
      const settings = (r.body as { settings?: unknown } | null)?.settings;
      if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return (r.send(400, { error: 'InvalidValue', description: 'settings: expected an object' }), true);
      this.updateSettings(i.id, settings as Record<string, unknown>);
      return (r.send(200, this.installationJson(i)), true);
    }
    // docs: Ticket Fields, "Create Ticket Field" (POST /api/v2/ticket_fields, "Allowed For: Admins"):
    // {"ticket_field": {"type", "title", …}}, 201 with the field; `type` and `title` are required
    // (422 RecordInvalid otherwise). Only the text type is emulated: the app creates no other.
    if (method === 'POST' && /^\/api\/v2\/ticket_fields(\.json)?$/.test(p)) {
      if (r.role !== 'admin') return (r.send(403, FORBIDDEN), true);
      const f = (r.body as { ticket_field?: Record<string, unknown> } | null)?.ticket_field;
      const title = typeof f?.title === 'string' ? f.title.trim() : '';
      if (!f || f.type !== 'text' || !title) return (r.send(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { ...(title ? {} : { title: [{ description: 'Title: cannot be blank' }] }), ...(f?.type === 'text' ? {} : { type: [{ description: 'Type: not emulated (text only)' }] }) } }), true);
      const now = this.host.stamp();
      const field: TicketField = { id: this.host.nextId(), type: 'text', title, description: typeof f.description === 'string' ? f.description : '', active: true, required: false, position: this.ticketFields.length + 1, tag: null, removable: true, creator_app_name: null, creator_user_id: r.userId, created_at: now, updated_at: now };
      this.ticketFields.push(field);
      return (r.send(201, { ticket_field: this.fieldJson(field, false) }), true);
    }
    if (method !== 'GET') return false;
    // docs: Ticket Fields, "List Ticket Fields" ("Allowed For: Anyone"); creator=true adds
    // creator_app_name and creator_user_id (-1 for a field an app made). No `key`: ticket fields have none.
    if (/^\/api\/v2\/ticket_fields(\.json)?$/.test(p)) {
      const creator = url.searchParams.get('creator') === 'true';
      return (r.send(200, { ticket_fields: this.ticketFields.map((f) => this.fieldJson(f, creator)), next_page: null, previous_page: null, count: this.ticketFields.length }), true);
    }
    // docs: User Fields / Organization Fields, "List …" (these have a `key`).
    if ((m = /^\/api\/v2\/(user|organization)_fields(\.json)?$/.exec(p))) {
      const fields = m[1] === 'user' ? this.userFields : this.organizationFields;
      return (r.send(200, { [`${m[1]}_fields`]: fields.map((f) => ({ url: `${this.host.url}/api/v2/${m![1]}_fields/${f.id}.json`, ...f, raw_title: f.title, raw_description: f.description })), next_page: null, previous_page: null, count: fields.length }), true);
    }
    // docs: Apps, "List App Installations" (Agents): {"installations": [...]}, with the settings.
    if (/^\/api\/v2\/apps\/installations(\.json)?$/.test(p)) return (r.send(200, { installations: [...this.installations.values()].map((i) => this.installationJson(i)) }), true);
    // docs: Apps, "Show App Installation".
    if ((m = /^\/api\/v2\/apps\/installations\/(\d+)(\.json)?$/.exec(p))) {
      const i = this.installations.get(Number(m[1]));
      return (i ? r.send(200, this.installationJson(i)) : r.send(404, { error: 'RecordNotFound', description: 'Not found' }), true);
    }
    // docs: Apps, "List Requirements" (GET /api/v2/apps/installations/{id}/requirements, Agents):
    // {"requirements":[{"account_id","identifier","requirement_id","requirement_type","created_at","updated_at"}]}.
    if ((m = /^\/api\/v2\/apps\/installations\/(\d+)\/requirements(\.json)?$/.exec(p))) {
      const i = this.installations.get(Number(m[1]));
      return (i ? r.send(200, { requirements: i.requirements, next_page: null, previous_page: null, count: i.requirements.length }) : r.send(404, { error: 'RecordNotFound', description: 'Not found' }), true);
    }
    return false;
  }

  /**
   * An admin installing the app: its requirements.json made into ticket, user and organization
   * fields, webhooks and triggers (docs: Apps, requirements; developer.zendesk.com/apps/docs/agent/apps_requirements),
   * each recorded as a requirement with the account id. A trigger's notification_webhook names the
   * webhook by its requirement identifier, which becomes the webhook's id. Zendesk installs
   * requirements asynchronously (pending_job_id); here they are done when this returns.
   */
  installApp(opts: { appId: number; name?: string; settings?: Record<string, unknown>; secure?: string[]; requirements?: Requirements; enabled?: boolean }): Installation {
    const id = this.host.nextId();
    const name = opts.name ?? 'SLA Desk';
    const now = this.host.stamp();
    const inst: Installation = { id, app_id: opts.appId, name, enabled: opts.enabled !== false, settings: { ...(opts.settings ?? {}) }, secure: opts.secure ?? [], requirements: [], created_at: now, updated_at: now };
    const reqs = opts.requirements ?? {};
    const record = (identifier: string, requirement_id: number | string, requirement_type: string) => inst.requirements.push({ account_id: this.host.accountId, identifier, requirement_id, requirement_type, created_at: now, updated_at: now });
    for (const [identifier, f] of Object.entries(reqs.ticket_fields ?? {})) {
      const fid = this.host.nextId();
      const options = f.custom_field_options as { name: string; value: string }[] | undefined;
      this.ticketFields.push({
        id: fid,
        type: String(f.type),
        title: String(f.title),
        description: typeof f.description === 'string' ? f.description : '',
        active: true,
        required: false,
        position: this.ticketFields.length + 1,
        tag: typeof f.tag === 'string' ? f.tag : null,
        ...(options ? { custom_field_options: options.map((o) => ({ id: this.host.nextId(), name: o.name, raw_name: o.name, value: o.value, default: false })) } : {}),
        removable: true,
        creator_app_name: name,
        creator_user_id: -1,
        created_at: now,
        updated_at: now,
      });
      record(identifier, fid, 'ticket_fields');
    }
    for (const kind of ['user_fields', 'organization_fields'] as const) {
      for (const [identifier, f] of Object.entries(reqs[kind] ?? {})) {
        const fid = this.host.nextId();
        (kind === 'user_fields' ? this.userFields : this.organizationFields).push({ id: fid, key: String(f.key ?? identifier), type: String(f.type), title: String(f.title), description: typeof f.description === 'string' ? f.description : '', active: true, creator_app_name: name });
        record(identifier, fid, kind);
      }
    }
    const hookIds = new Map<string, string>();
    for (const [identifier, w] of Object.entries(reqs.webhooks ?? {})) {
      const errors = this.validateWebhook(w);
      if (errors.length) throw new Error(`requirements: webhook ${identifier}: ${errors.map((e) => e.message).join('; ')}`);
      const hook = this.createWebhook(w, '-1', id);
      hookIds.set(identifier, hook.id);
      record(identifier, hook.id, 'webhooks');
    }
    for (const [identifier, t] of Object.entries(reqs.triggers ?? {})) {
      const actions = ((t.actions ?? []) as { field: string; value: unknown }[]).map((a) =>
        a.field === 'notification_webhook' && Array.isArray(a.value) && hookIds.has(String(a.value[0])) ? { ...a, value: [hookIds.get(String(a.value[0])), ...a.value.slice(1)] } : a,
      );
      const trig = { ...t, actions };
      const error = this.validateTrigger(trig);
      if (error) throw new Error(`requirements: trigger ${identifier}: ${error}`);
      record(identifier, this.createTrigger(trig).id, 'triggers');
    }
    this.installations.set(id, inst);
    return inst;
  }

  /**
   * An admin saving the app's settings in Admin Center: the settings change and updated_at moves
   * (unconfirmed that Zendesk moves updated_at on a settings change only, facts 10; no event fires).
   */
  updateSettings(installationId: number, settings: Record<string, unknown>): Installation {
    const i = this.installations.get(installationId);
    if (!i) throw new Error(`no app installation ${installationId}`);
    Object.assign(i.settings, settings);
    i.updated_at = this.host.stamp();
    return i;
  }

  route(r: RouteCtx): boolean {
    return this.webhookRoutes(r) || this.triggerRoutes(r) || this.appRoutes(r);
  }
}

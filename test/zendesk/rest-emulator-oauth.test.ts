import { createHash, createHmac, randomBytes } from 'crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';
import { DEFAULT_PRESET, listPresets, loadPolicy } from '@sla-desk/core/dist/presets';
import { verifySignature } from '../../zendesk-app/service/src/signature';
import { API_USER, ZendeskEmulator } from './rest-emulator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requirementsFor } = require('../../zendesk-app/scripts/requirements.cjs') as { requirementsFor: (d: unknown, all: unknown[]) => Record<string, Record<string, Record<string, unknown>>> };

/**
 * The emulator's global-OAuth and provisioning contract, on real HTTP: what the hosted service
 * will be built against (issue 21). Each test drives the routes as a client would.
 */

const CLIENT = 'zdg-sla-desk';
const SECRET = 'global-secret';
const REDIRECT = 'https://sla.example/oauth/callback';

let z: ZendeskEmulator;
let base: string;
const basic = { authorization: `Basic ${Buffer.from('admin@acme.test/token:api-token').toString('base64')}` };

beforeEach(async () => {
  z = new ZendeskEmulator();
  z.globalClients.set(CLIENT, { secret: SECRET, redirectUris: [REDIRECT, 'http://localhost:7777/cb', 'http://sla.example/insecure'] });
  z.addTicket({ id: 1, subject: 'Printer on fire', status: 'open', priority: 'normal', tags: [], custom_fields: [], created_at: '2026-11-20T13:00:00Z' });
  base = await z.start();
});

afterEach(async () => {
  await z.settled();
  await z.stop();
  jest.restoreAllMocks();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeParams(over: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  return { verifier, params: { response_type: 'code', client_id: CLIENT, redirect_uri: REDIRECT, scope: 'read write', state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...over } };
}

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const postToken = (body: Record<string, unknown>) => call('POST', '/oauth/tokens', {}, body);

/** The whole grant: consent (programmatic), then the code exchanged with its verifier. */
async function connect(scope = 'read write', extra: Record<string, unknown> = {}) {
  const { verifier, params } = authorizeParams({ scope });
  const code = new URL(z.approve(params)).searchParams.get('code')!;
  const r = await postToken({ grant_type: 'authorization_code', code, client_id: CLIENT, client_secret: SECRET, redirect_uri: REDIRECT, code_verifier: verifier, ...extra });
  expect(r.status).toBe(201);
  return r.body as { access_token: string; refresh_token: string; scope: string; token_type: string; expires_in: number; refresh_token_expires_in: number };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authorization-code grant with PKCE for a global client', () => {
  test('the consent page lists the scopes, and Allow / Deny redirect with code or access_denied and the state', async () => {
    const { params } = authorizeParams({ scope: 'tickets:read webhooks:write' });
    const page = await fetch(`${base}/oauth/authorizations/new?${new URLSearchParams(params)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<li>tickets:read</li><li>webhooks:write</li>');
    expect(html).toMatch(/<form method="post" action="\/oauth\/authorizations">/);
    // The browser posts the form back: its hidden inputs and the button pressed.
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1], m[2]]);
    expect(Object.fromEntries(fields)).toEqual(params);
    const submit = (decision: string) =>
      fetch(`${base}/oauth/authorizations`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams([...fields, ['decision', decision]]).toString() });
    const allow = await submit('allow');
    expect(allow.status).toBe(302);
    const to = new URL(allow.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(REDIRECT);
    expect(to.searchParams.get('state')).toBe('st-1');
    expect(to.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
    const deny = await submit('deny');
    expect(deny.status).toBe(302);
    const denied = new URL(deny.headers.get('location')!);
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', state: 'st-1' });
    // The consent is an admin's of this account.
    expect(z.oauth.consents.map((c) => [c.userId, c.allowed])).toEqual([[API_USER, true], [API_USER, false]]);
    expect(z.users.find((u) => u.id === API_USER)!.role).toBe('admin');
  });

  test.each([
    ['an unknown client', { client_id: 'zdg-nobody' }, /unknown client_id/],
    ['a redirect_uri that is not registered', { redirect_uri: 'https://evil.example/cb' }, /not registered/],
    ['a registered redirect_uri on http that is not localhost', { redirect_uri: 'http://sla.example/insecure' }, /must be https/],
    ['code_challenge_method plain', { code_challenge_method: 'plain' }, /S256/],
    ['response_type token', { response_type: 'token' }, /response_type/],
  ])('%s answers a 400 page, never a redirect', async (_what, over, message) => {
    const { params } = authorizeParams(over);
    const page = await fetch(`${base}/oauth/authorizations/new?${new URLSearchParams(params)}`, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toMatch(message);
    const post = await fetch(`${base}/oauth/authorizations`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, decision: 'allow' }).toString() });
    expect(post.status).toBe(400);
    expect(post.headers.get('location')).toBeNull();
    expect(() => z.approve(params)).toThrow(message);
  });

  test('localhost may be http', () => {
    const { params } = authorizeParams({ redirect_uri: 'http://localhost:7777/cb' });
    expect(z.approve(params)).toMatch(/^http:\/\/localhost:7777\/cb\?code=[\w-]+&state=st-1$/);
  });

  test('the code gives a bearer pair with the default lifetimes; it is single-use', async () => {
    const { verifier, params } = authorizeParams();
    const code = new URL(z.approve(params)).searchParams.get('code')!;
    const exchange = { grant_type: 'authorization_code', code, client_id: CLIENT, client_secret: SECRET, redirect_uri: REDIRECT, code_verifier: verifier };
    const first = await postToken(exchange);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', scope: 'read write', refresh_token: expect.any(String), expires_in: 1800, refresh_token_expires_in: 2_592_000 });
    expect((await call('GET', '/api/v2/tickets/1.json', bearer(first.body.access_token))).status).toBe(200);
    const again = await postToken(exchange);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  test('PKCE: a wrong or missing code_verifier is refused; the redirect_uri and the client secret must match', async () => {
    const exchange = (over: Record<string, unknown>) => {
      const { verifier, params } = authorizeParams();
      const code = new URL(z.approve(params)).searchParams.get('code')!;
      return postToken({ grant_type: 'authorization_code', code, client_id: CLIENT, client_secret: SECRET, redirect_uri: REDIRECT, code_verifier: verifier, ...over });
    };
    expect(await exchange({ code_verifier: pkce().verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange({ code_verifier: undefined })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange({ redirect_uri: 'http://localhost:7777/cb' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange({ client_secret: 'nope' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await exchange({})).toMatchObject({ status: 201 });
  });

  test('a code is valid 120 seconds', async () => {
    const { verifier, params } = authorizeParams();
    const t0 = Date.now();
    const code = new URL(z.approve(params)).searchParams.get('code')!;
    jest.spyOn(Date, 'now').mockReturnValue(t0 + 121_000);
    const r = await postToken({ grant_type: 'authorization_code', code, client_id: CLIENT, client_secret: SECRET, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(r).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  test('requested lifetimes are honoured within the documented ranges', async () => {
    const t = await connect('read', { expires_in: 600, refresh_token_expires_in: 604_800 });
    expect([t.expires_in, t.refresh_token_expires_in]).toEqual([600, 604_800]);
    const { verifier, params } = authorizeParams();
    const code = new URL(z.approve(params)).searchParams.get('code')!;
    const r = await postToken({ grant_type: 'authorization_code', code, client_id: CLIENT, client_secret: SECRET, redirect_uri: REDIRECT, code_verifier: verifier, expires_in: 200 });
    expect(r).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    // An access token past its expires_in is refused.
    const t0 = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(t0 + 601_000);
    expect(await call('GET', '/api/v2/tickets/1.json', bearer(t.access_token))).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  test('the client-credentials grant keeps working as before', async () => {
    z.oauthClients.set('local-client', 'local-secret');
    const r = await postToken({ grant_type: 'client_credentials', client_id: 'local-client', client_secret: 'local-secret', scope: 'read write' });
    expect(r).toMatchObject({ status: 200, body: { token_type: 'bearer', expires_in: 7200 } });
    z.oauthOnly = true;
    expect((await call('GET', '/api/v2/tickets/1.json', bearer(r.body.access_token))).status).toBe(200);
    expect((await call('GET', '/api/v2/tickets/1.json', basic)).status).toBe(401);
  });
});

describe('refresh with rotation', () => {
  test('a refresh gives a new pair and invalidates the old access and refresh tokens at once', async () => {
    const old = await connect();
    const r = await postToken({ grant_type: 'refresh_token', refresh_token: old.refresh_token, client_id: CLIENT, client_secret: SECRET });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ token_type: 'bearer', scope: 'read write', expires_in: 1800, refresh_token_expires_in: 2_592_000 });
    expect(r.body.access_token).not.toBe(old.access_token);
    expect(r.body.refresh_token).not.toBe(old.refresh_token);
    expect(await call('GET', '/api/v2/tickets/1.json', bearer(old.access_token))).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect((await call('GET', '/api/v2/tickets/1.json', bearer(r.body.access_token))).status).toBe(200);
    const reuse = await postToken({ grant_type: 'refresh_token', refresh_token: old.refresh_token, client_id: CLIENT, client_secret: SECRET });
    expect(reuse).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });
    // The new pair still refreshes.
    expect((await postToken({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token, client_id: CLIENT, client_secret: SECRET })).status).toBe(201);
    expect(z.refreshes.get(CLIENT)).toEqual({ granted: 2, refused: 1 });
  });

  test('two refreshes at once with the same token: one wins, the other gets invalid_grant', async () => {
    const t = await connect();
    const body = { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT, client_secret: SECRET };
    const both = await Promise.all([postToken(body), postToken(body)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(z.refreshes.get(CLIENT)).toEqual({ granted: 1, refused: 1 });
  });

  test('a refresh needs the client secret and the same client', async () => {
    const t = await connect();
    z.globalClients.set('zdg-other', { secret: 'other', redirectUris: [REDIRECT] });
    expect(await postToken({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT, client_secret: 'wrong' })).toMatchObject({ status: 401 });
    expect(await postToken({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'zdg-other', client_secret: 'other' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await call('GET', '/api/v2/tickets/1.json', bearer(t.access_token))).status).toBe(200);
  });
});

describe('scopes', () => {
  test('GETs need read or the resource scope, writes need write or <resource>:write; ticket fields need plain read', async () => {
    const forbidden = (scope: string) => ({ status: 403, body: { error: 'Forbidden', description: `You are missing the following required scopes: ${scope}` } });
    const ticketsRead = bearer((await connect('tickets:read')).access_token);
    expect((await call('GET', '/api/v2/tickets/1.json', ticketsRead)).status).toBe(200);
    expect(await call('PUT', '/api/v2/tickets/1.json', ticketsRead, { ticket: { priority: 'high' } })).toEqual(forbidden('write'));
    expect(await call('GET', '/api/v2/ticket_fields.json', ticketsRead)).toEqual(forbidden('read'));
    expect(await call('GET', '/api/v2/webhooks', ticketsRead)).toEqual(forbidden('read'));
    expect(z.tickets.get(1)!.priority).toBe('normal');

    const readOnly = bearer((await connect('read')).access_token);
    expect((await call('GET', '/api/v2/webhooks', readOnly)).status).toBe(200);
    expect((await call('GET', '/api/v2/ticket_fields.json', readOnly)).status).toBe(200);
    expect(await call('POST', '/api/v2/webhooks', readOnly, { webhook: {} })).toEqual(forbidden('write'));

    const provisioner = bearer((await connect('webhooks:write triggers:write apps:read')).access_token);
    expect((await call('GET', '/api/v2/webhooks', provisioner)).status).toBe(200);
    expect((await call('GET', '/api/v2/triggers', provisioner)).status).toBe(200);
    expect((await call('GET', '/api/v2/apps/installations.json', provisioner)).status).toBe(200);
    expect(await call('GET', '/api/v2/tickets/1.json', provisioner)).toEqual(forbidden('read'));
    expect(await call('POST', '/api/v2/webhooks', provisioner, { webhook: { name: 'x', endpoint: 'https://sla.example/webhook', http_method: 'POST', request_format: 'json', status: 'inactive' } })).toMatchObject({ status: 201 });

    // Writes by a grant's token are the consenting admin's.
    const rw = bearer((await connect('read write')).access_token);
    expect((await call('PUT', '/api/v2/tickets/1.json', rw, { ticket: { priority: 'high', comment: { body: 'raised', public: false } } })).status).toBe(200);
    expect(z.audits.get(1)!.at(-1)).toMatchObject({ author_id: API_USER });

    // Basic auth is not held to scopes.
    expect((await call('GET', '/api/v2/ticket_fields.json', basic)).status).toBe(200);
  });
});

describe('revocation', () => {
  test('Show Token for the current token; revoking it by id makes the token 401 and its refresh token invalid_grant', async () => {
    const t = await connect('read write');
    const shown = await call('GET', '/api/v2/oauth/tokens/current.json', bearer(t.access_token));
    expect(shown.status).toBe(200);
    expect(shown.body.token).toMatchObject({ id: expect.any(Number), client_id: expect.any(Number), user_id: API_USER, scopes: ['read', 'write'], token: t.access_token.slice(0, 10), expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(Date.parse(shown.body.token.expires_at) - Date.now()).toBeGreaterThan(1700_000);
    expect((await call('DELETE', `/api/v2/oauth/tokens/${shown.body.token.id}.json`, bearer(t.access_token))).status).toBe(204);
    expect(await call('GET', '/api/v2/tickets/1.json', bearer(t.access_token))).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await postToken({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT, client_secret: SECRET })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await call('GET', '/api/v2/oauth/tokens/current.json', basic)).status).toBe(404);
  });

  test('revokeClient (the admin removing the app) invalidates every token of that client at once, and only of that client', async () => {
    const a = await connect();
    const b = await connect('tickets:read');
    z.globalClients.set('zdg-other', { secret: 'other', redirectUris: [REDIRECT] });
    const { verifier, params } = authorizeParams({ client_id: 'zdg-other' });
    const code = new URL(z.approve(params)).searchParams.get('code')!;
    const other = await postToken({ grant_type: 'authorization_code', code, client_id: 'zdg-other', client_secret: 'other', redirect_uri: REDIRECT, code_verifier: verifier });
    expect(z.revokeClient(CLIENT)).toBe(2);
    for (const t of [a, b]) {
      expect((await call('GET', '/api/v2/tickets/1.json', bearer(t.access_token))).status).toBe(401);
      expect((await postToken({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT, client_secret: SECRET })).body.error).toBe('invalid_grant');
    }
    expect((await call('GET', '/api/v2/tickets/1.json', bearer(other.body.access_token))).status).toBe(200);
  });
});

const hookBody = (over: Record<string, unknown> = {}) => ({ webhook: { name: 'SLA Desk service', endpoint: 'https://sla.example/webhook', http_method: 'POST', request_format: 'json', status: 'inactive', subscriptions: ['conditional_ticket_events'], ...over } });

describe('Webhooks API', () => {
  test('create validates the mandatory fields; list filters and pages; signing secret; patch activates; delete', async () => {
    const bad = await call('POST', '/api/v2/webhooks', basic, { webhook: { name: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['endpoint', 'http_method', 'request_format', 'status']);
    const created = await call('POST', '/api/v2/webhooks', basic, hookBody());
    expect(created.status).toBe(201);
    const hook = created.body.webhook;
    expect(hook).toMatchObject({ id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), name: 'SLA Desk service', status: 'inactive', subscriptions: ['conditional_ticket_events'], created_by: String(API_USER) });
    await call('POST', '/api/v2/webhooks', basic, hookBody({ name: 'Another hook', status: 'active' }));

    const list = await call('GET', '/api/v2/webhooks?filter[name_contains]=sla%20desk', basic);
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([hook.id]);
    expect(list.body.meta).toMatchObject({ has_more: false, after_cursor: null });
    expect((await call('GET', '/api/v2/webhooks?filter[status]=active', basic)).body.webhooks.map((w: { name: string }) => w.name)).toEqual(['Another hook']);
    const page1 = await call('GET', '/api/v2/webhooks?page[size]=1', basic);
    expect(page1.body).toMatchObject({ webhooks: [{ id: hook.id }], meta: { has_more: true }, links: { next: expect.stringContaining('page%5Bafter%5D=') } });
    const page2 = await call('GET', new URL(page1.body.links.next).pathname + new URL(page1.body.links.next).search, basic);
    expect(page2.body).toMatchObject({ webhooks: [{ name: 'Another hook' }], meta: { has_more: false } });

    const s1 = await call('GET', `/api/v2/webhooks/${hook.id}/signing_secret`, basic);
    expect(s1).toEqual({ status: 200, body: { signing_secret: { algorithm: 'SHA256', secret: expect.stringMatching(/^[\w-]{40,}$/) } } });
    const other = (await call('GET', '/api/v2/webhooks?filter[status]=active', basic)).body.webhooks[0];
    expect((await call('GET', `/api/v2/webhooks/${other.id}/signing_secret`, basic)).body.signing_secret.secret).not.toBe(s1.body.signing_secret.secret);

    expect(await call('PATCH', `/api/v2/webhooks/${hook.id}`, basic, { webhook: { status: 'active' } })).toEqual({ status: 204, body: undefined });
    expect((await call('GET', `/api/v2/webhooks/${hook.id}`, basic)).body.webhook).toMatchObject({ status: 'active', name: 'SLA Desk service' });
    expect((await call('PATCH', `/api/v2/webhooks/${hook.id}`, basic, { webhook: { subscriptions: ['zen:event-type:user.deleted'] } })).status).toBe(400);
    // The secret is the one made at creation.
    expect((await call('GET', `/api/v2/webhooks/${hook.id}/signing_secret`, basic)).body).toEqual(s1.body);
    expect((await call('DELETE', `/api/v2/webhooks/${hook.id}`, basic)).status).toBe(204);
    expect((await call('GET', `/api/v2/webhooks/${hook.id}`, basic)).status).toBe(404);
  });
});

describe('Triggers API', () => {
  test('create, search by title, show, list, and update replacing conditions and actions', async () => {
    const hook = (await call('POST', '/api/v2/webhooks', basic, hookBody())).body.webhook;
    expect((await call('POST', '/api/v2/triggers', basic, { trigger: { conditions: { all: [], any: [] }, actions: [] } })).status).toBe(422);
    expect((await call('POST', '/api/v2/triggers', basic, { trigger: { title: 'x', conditions: { all: [], any: [] }, actions: [{ field: 'notification_webhook', value: ['01NOPE', '{}'] }] } })).status).toBe(422);
    const trigger = { title: 'SLA Desk: evaluate the ticket', conditions: { all: [], any: [{ field: 'update_type', operator: 'is', value: 'Create' }] }, actions: [{ field: 'notification_webhook', value: [hook.id, '{"ticket_id": "{{ticket.id}}"}'] }], active: false };
    const created = await call('POST', '/api/v2/triggers', basic, { trigger });
    expect(created.status).toBe(201);
    expect(created.body.trigger).toMatchObject({ id: expect.any(Number), ...trigger });
    const id = created.body.trigger.id;
    await call('POST', '/api/v2/triggers', basic, { trigger: { ...trigger, title: 'Something else' } });
    expect((await call('GET', '/api/v2/triggers/search?query=sla%20desk', basic)).body.triggers.map((t: { id: number }) => t.id)).toEqual([id]);
    expect((await call('GET', '/api/v2/triggers/search', basic)).status).toBe(400);
    expect((await call('GET', '/api/v2/triggers', basic)).body.triggers).toHaveLength(2);
    const put = await call('PUT', `/api/v2/triggers/${id}`, basic, { trigger: { active: true, conditions: { all: [], any: [{ field: 'update_type', operator: 'is', value: 'Change' }] } } });
    expect(put.status).toBe(200);
    expect(put.body.trigger).toMatchObject({ active: true, conditions: { all: [], any: [{ value: 'Change' }] }, actions: trigger.actions });
    expect((await call('GET', `/api/v2/triggers/${id}.json`, basic)).body.trigger).toEqual(put.body.trigger);
    expect((await call('GET', '/api/v2/triggers?active=true', basic)).body.triggers.map((t: { id: number }) => t.id)).toEqual([id]);
  });
});

/** A local endpoint that records what the triggers send, with the raw bytes. */
async function receiver(delayMs = 0) {
  const got: { method: string; headers: IncomingHttpHeaders; raw: Buffer }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    got.push({ method: req.method!, headers: req.headers, raw: Buffer.concat(chunks) });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the triggers run', () => {
  test('a ticket update sends the trigger body, signed so that the service verifies it; inactive webhooks and unknown conditions send nothing', async () => {
    const rx = await receiver(200);
    try {
      const hook = (await call('POST', '/api/v2/webhooks', basic, hookBody({ endpoint: rx.url, status: 'active' }))).body.webhook;
      const secret = (await call('GET', `/api/v2/webhooks/${hook.id}/signing_secret`, basic)).body.signing_secret.secret as string;
      const asRequired = { title: 'SLA Desk', conditions: { all: [], any: [{ field: 'update_type', operator: 'is', value: 'Create' }, { field: 'update_type', operator: 'is', value: 'Change' }] }, actions: [{ field: 'notification_webhook', value: [hook.id, '{"ticket_id": "{{ticket.id}}"}'] }] };
      await call('POST', '/api/v2/triggers', basic, { trigger: asRequired });
      // Never fires: a condition the emulator does not know does not hold, and an inactive trigger does not run.
      await call('POST', '/api/v2/triggers', basic, { trigger: { ...asRequired, title: 'unknown', conditions: { all: [{ field: 'status', operator: 'is', value: 'open' }], any: [] } } });
      await call('POST', '/api/v2/triggers', basic, { trigger: { ...asRequired, title: 'off', active: false } });
      const changed: number[] = [];
      z.onChange = (id) => changed.push(id);

      const put = await call('PUT', '/api/v2/tickets/1.json', basic, { ticket: { priority: 'high' } });
      expect(put.status).toBe(200);
      // The API answered before the delivery did: the endpoint is still holding it.
      expect(z.webhookDeliveries).toHaveLength(1);
      expect(z.webhookDeliveries[0].status).toBeNull();
      await z.settled();
      expect(z.webhookDeliveries[0]).toMatchObject({ webhookId: hook.id, ticketId: 1, status: 200 });
      expect(changed).toEqual([1]);
      expect(rx.got).toHaveLength(1);
      const d = rx.got[0];
      expect(d.method).toBe('POST');
      expect(d.raw.toString('utf8')).toBe('{"ticket_id": "1"}');
      expect(d.headers['content-type']).toMatch(/^application\/json/);
      expect(d.headers['x-zendesk-account-id']).toBe('9001');
      expect(d.headers['x-zendesk-webhook-id']).toBe(hook.id);
      expect(d.headers['x-zendesk-webhook-invocation-id']).toMatch(/^[0-9A-Z]{26}$/);
      const ts = d.headers['x-zendesk-webhook-signature-timestamp'] as string;
      expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const sig = d.headers['x-zendesk-webhook-signature'] as string;
      expect(verifySignature(secret, sig, ts, d.raw, Date.now())).toEqual({ ok: true });
      // The documented order exactly (verifySignature also accepts body + timestamp): base64(HMAC-SHA256(secret, timestamp + body)).
      expect(sig).toBe(createHmac('sha256', secret).update(ts + d.raw.toString('utf8')).digest('base64'));
      expect(verifySignature('another-secret', sig, ts, d.raw, Date.now())).toEqual({ ok: false, reason: 'mismatch' });

      // Every change that makes an audit runs the triggers: an agent's edit, a comment, update_many, a new ticket.
      z.agentEdit(1, { status: 'pending' });
      z.addComment(1, 2, 'looking', false);
      await call('PUT', '/api/v2/tickets/update_many.json', basic, { tickets: [{ id: 1, priority: 'urgent' }] });
      await new Promise((r) => setTimeout(r, 20)); // the bulk job runs after its answer
      z.addTicket({ id: 2, subject: 'New', status: 'new', priority: null, tags: [], custom_fields: [], created_at: '2026-11-20T15:00:00Z' });
      await z.settled();
      expect(rx.got.map((g) => g.raw.toString('utf8'))).toEqual(['{"ticket_id": "1"}', '{"ticket_id": "1"}', '{"ticket_id": "1"}', '{"ticket_id": "1"}', '{"ticket_id": "2"}']);

      // An inactive webhook sends nothing.
      await call('PATCH', `/api/v2/webhooks/${hook.id}`, basic, { webhook: { status: 'inactive' } });
      z.agentEdit(1, { status: 'open' });
      await z.settled();
      expect(rx.got).toHaveLength(5);
      expect(z.webhookDeliveries).toHaveLength(5);
    } finally {
      await z.settled();
      await rx.close();
    }
  });

  test('a Create-only trigger fires for a new ticket and not for an update; a refused connection is recorded', async () => {
    const rx = await receiver();
    const dead = await receiver();
    await dead.close();
    try {
      const hook = (await call('POST', '/api/v2/webhooks', basic, hookBody({ endpoint: rx.url, status: 'active' }))).body.webhook;
      const gone = (await call('POST', '/api/v2/webhooks', basic, hookBody({ endpoint: dead.url, status: 'active' }))).body.webhook;
      const onCreate = (id: string) => ({ title: 'created', conditions: { all: [{ field: 'update_type', operator: 'is', value: 'Create' }], any: [] }, actions: [{ field: 'notification_webhook', value: [id, '{"id": {{ticket.id}}}'] }] });
      await call('POST', '/api/v2/triggers', basic, { trigger: onCreate(hook.id) });
      await call('POST', '/api/v2/triggers', basic, { trigger: onCreate(gone.id) });
      z.agentEdit(1, { priority: 'low' });
      z.addTicket({ id: 3, subject: 'Another', status: 'new', priority: null, tags: [], custom_fields: [], created_at: '2026-11-20T15:00:00Z' });
      await z.settled();
      expect(rx.got.map((g) => g.raw.toString('utf8'))).toEqual(['{"id": 3}']);
      const failed = z.webhookDeliveries.find((d) => d.webhookId === gone.id)!;
      expect(failed).toMatchObject({ ticketId: 3, status: null, error: expect.any(String) });
    } finally {
      await rx.close();
    }
  });
});

describe('ticket fields and the app installation', () => {
  const requirements = () => {
    const presets = listPresets().map((p) => loadPolicy(p.id));
    return requirementsFor(loadPolicy(DEFAULT_PRESET), presets);
  };

  test('installApp creates the required fields, the webhook (inactive) and the trigger, and records the requirements with the account id', async () => {
    const reqs = requirements();
    const inst = z.installApp({ appId: 777, settings: { policy_preset: 'kiwi-stage-plus', lock_priority: true, service_token: 's3cret' }, secure: ['service_token'], requirements: reqs });
    const token = bearer((await connect('read webhooks:read triggers:read apps:read')).access_token);

    const listed = await call('GET', '/api/v2/apps/installations.json', token);
    expect(listed.status).toBe(200);
    expect(listed.body.installations).toEqual([expect.objectContaining({ id: inst.id, app_id: 777, enabled: true, updated_at: expect.any(String) })]);
    const shown = (await call('GET', `/api/v2/apps/installations/${inst.id}.json`, token)).body;
    expect(shown.settings).toMatchObject({ policy_preset: 'kiwi-stage-plus', lock_priority: true });
    expect(shown.settings).not.toHaveProperty('service_token');
    expect(shown.settings_objects).toContainEqual({ name: 'lock_priority', value: true });
    expect(JSON.stringify(shown)).not.toContain('s3cret');

    const { requirements: recorded } = (await call('GET', `/api/v2/apps/installations/${inst.id}/requirements.json`, token)).body;
    const expectedIds = [...Object.keys(reqs.ticket_fields), ...Object.keys(reqs.user_fields), ...Object.keys(reqs.organization_fields), 'sla_desk_service', 'sla_desk_evaluate'];
    expect(recorded.map((r: { identifier: string }) => r.identifier)).toEqual(expectedIds);
    for (const r of recorded) expect(r).toMatchObject({ account_id: 9001, requirement_id: expect.anything(), requirement_type: expect.stringMatching(/^(ticket_fields|user_fields|organization_fields|webhooks|triggers)$/) });
    const byIdentifier = Object.fromEntries(recorded.map((r: { identifier: string; requirement_id: unknown }) => [r.identifier, r.requirement_id]));

    // Fields: made by the app (creator=true says so), with their options; no key on ticket fields.
    const fields = (await call('GET', '/api/v2/ticket_fields.json?creator=true', token)).body.ticket_fields as Record<string, unknown>[];
    const tier = fields.find((f) => f.id === byIdentifier.sla_tier)!;
    expect(tier).toMatchObject({ type: 'tagger', title: 'Tier', raw_title: 'Tier', active: true, creator_app_name: 'SLA Desk', creator_user_id: -1 });
    expect((tier.custom_field_options as { value: string }[]).map((o) => o.value)).toEqual((reqs.ticket_fields.sla_tier.custom_field_options as { value: string }[]).map((o) => o.value));
    expect(tier).not.toHaveProperty('key');
    expect(fields.find((f) => f.type === 'subject')).toMatchObject({ creator_app_name: null });
    expect((await call('GET', '/api/v2/ticket_fields.json', token)).body.ticket_fields[0]).not.toHaveProperty('creator_app_name');

    // The webhook, inactive as required; admins cannot reveal an app webhook's signing secret.
    const hook = (await call('GET', `/api/v2/webhooks/${byIdentifier.sla_desk_service}`, token)).body.webhook;
    expect(hook).toMatchObject({ name: 'SLA Desk service', status: 'inactive', endpoint: 'https://sla-desk.invalid/webhook', subscriptions: ['conditional_ticket_events'] });
    expect((await call('GET', `/api/v2/webhooks/${hook.id}/signing_secret`, basic)).status).toBe(403);

    // The trigger, calling that webhook by its id.
    const trig = (await call('GET', `/api/v2/triggers/${byIdentifier.sla_desk_evaluate}`, token)).body.trigger;
    expect(trig).toMatchObject({ title: 'SLA Desk: evaluate the ticket', active: true, actions: [{ field: 'notification_webhook', value: [hook.id, '{"ticket_id": "{{ticket.id}}"}'] }] });
    // An inactive webhook: a ticket change sends nothing.
    z.agentEdit(1, { priority: 'high' });
    await z.settled();
    expect(z.webhookDeliveries).toEqual([]);
  });

  test('updateSettings changes the settings read back and moves updated_at', async () => {
    const inst = z.installApp({ appId: 777, settings: { lock_priority: false } });
    const before = (await call('GET', `/api/v2/apps/installations/${inst.id}.json`, basic)).body;
    z.updateSettings(inst.id, { lock_priority: true, lead_groups: '7' });
    const after = (await call('GET', `/api/v2/apps/installations/${inst.id}.json`, basic)).body;
    expect(after.settings).toMatchObject({ lock_priority: true, lead_groups: '7' });
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect(after.created_at).toBe(before.created_at);
    expect((await call('GET', '/api/v2/apps/installations/1.json', basic)).status).toBe(404);
  });
});

import { randomBytes } from 'crypto';
import { listPresets, loadPolicy } from '@sla-desk/core/dist/presets';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { connectionState, saveTokens, storedTokens, type TokenSet } from '../../zendesk-app/service/src/oauth';
import { unseal } from '../../zendesk-app/service/src/sealed';
import { WEBHOOK_NAME, TRIGGER_TITLE } from '../../zendesk-app/service/src/provision';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, freePort, openStore, resetStore, STORES, type StoreKind } from './helpers';

// requirements.json as the install creates it (zendesk-app/scripts/requirements.cjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requirementsFor } = require('../../zendesk-app/scripts/requirements.cjs') as { requirementsFor: (p: unknown, all: unknown[]) => Record<string, unknown> };

/**
 * Issue 21: a Marketplace customer connects the hosted service in one click. The admin opens
 * /connect from the app, allows SLA Desk on their Zendesk's consent page (the emulator's, which
 * follows Zendesk's authorization-code grant with PKCE), and the service sets itself up: the
 * webhook, its signing secret, the trigger, the app's fields and settings. A ticket then arrives
 * by email and gets its SLA through Zendesk's own trigger. Nothing is copied by hand.
 */
jest.setTimeout(60_000);

const APP_ID = 777;
const CLIENT = 'zdg-sla-desk';
const SECRET = 'global-client-secret-0123456789';
const KEY = randomBytes(32);
const logs: Record<string, unknown>[] = [];

describe.each(STORES)('on %s', (kind: StoreKind) => {
  let store: Awaited<ReturnType<typeof openStore>>;
  const zs: ZendeskEmulator[] = [];
  const svcs: Service[] = [];
  beforeAll(async () => {
    store = await openStore(kind);
  });
  afterAll(() => store?.close());
  beforeEach(() => resetStore(store.db));
  afterEach(async () => {
    for (const s of svcs.splice(0)) await s.close();
    for (const z of zs.splice(0)) await z.stop();
  });

  /** A Zendesk account with SLA Desk installed from the Marketplace, and the global client known to it. */
  async function account(subdomain: string, accountId: number, settings: Record<string, unknown>, redirect: string) {
    const z = new ZendeskEmulator();
    z.subdomain = subdomain;
    z.accountId = accountId;
    await z.start();
    zs.push(z);
    z.globalClients.set(CLIENT, { secret: SECRET, redirectUris: [redirect] });
    const inst = z.installApp({ appId: APP_ID, settings, secure: ['service_token'], requirements: requirementsFor(loadPolicy('kiwi-stage-plus'), listPresets().map((p) => loadPolicy(p.id))) as never });
    return { z, inst };
  }

  async function service(port: number, subdomains: Map<string, ZendeskEmulator>, extra: Record<string, unknown> = {}) {
    const publicUrl = `http://127.0.0.1:${port}`;
    const s = await startService(null, {
      db: store.db,
      port,
      encryptionKeys: [KEY],
      adminToken: ADMIN_TOKEN,
      pollMs: 20,
      backoffMs: () => 20,
      catchUpMs: 0,
      appSettingsMs: 50,
      log: (e) => void logs.push(e),
      tenantBaseUrl: (sub) => subdomains.get(sub)!.url,
      globalOauth: { client: { id: CLIENT, secret: SECRET, redirectUri: `${publicUrl}/oauth/callback` }, publicUrl, appId: APP_ID },
      ...extra,
    });
    svcs.push(s);
    return s;
  }

  /** The admin's click: /connect, Zendesk's consent page (allowed), and back to the callback. */
  async function connect(svc: Service, z: ZendeskEmulator, subdomain: string): Promise<{ status: number; text: string }> {
    const start = await fetch(`${svc.url}/connect?subdomain=${subdomain}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const consent = new URL(start.headers.get('location')!);
    expect(consent.origin + consent.pathname).toBe(`${z.url}/oauth/authorizations/new`);
    expect(Object.fromEntries(consent.searchParams)).toMatchObject({ response_type: 'code', client_id: CLIENT, code_challenge_method: 'S256', scope: 'read tickets:write webhooks:write triggers:write apps:write' });
    const back = z.approve(consent.searchParams);
    const done = await fetch(back);
    return { status: done.status, text: await done.text() };
  }

  /** A ticket as an email creates it, with the installed Impact, Urgency and Tier fields. */
  function emailTicket(z: ZendeskEmulator, id: number, inst: { requirements: { identifier: string; requirement_id: number | string }[] }) {
    const field = (k: string) => Number(inst.requirements.find((r) => r.identifier === k)!.requirement_id);
    z.addTicket({ id, subject: 'Site down', status: 'open', priority: null, tags: [], created_at: new Date(Date.now() - 60_000).toISOString(), custom_fields: [{ id: field('sla_impact'), value: 'sla_impact_1' }, { id: field('sla_urgency'), value: 'sla_urgency_1' }, { id: field('sla_tier'), value: 'sla_tier_plus' }] });
    return { due: field('sla_due_first_response'), state: field('sla_state') };
  }

  async function until(what: () => boolean | Promise<boolean>, ms = 10_000) {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what.toString().slice(0, 160)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  test('one click: consent, the service sets itself up, and a ticket by email gets its SLA through the trigger; again, nothing twice', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, { policy_preset: 'kiwi-stage-plus', lead_groups: 'Triage' }, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    const r = await connect(svc, z, 'acme');
    expect(r.status).toBe(200);
    expect(r.text).toContain('SLA Desk is connected to acme');
    // The webhook points at the service and is active; its secret is the tenant's; the trigger calls it.
    const hooks = [...z.webhooks.values()].filter((w) => w.name === WEBHOOK_NAME);
    expect(hooks.map((w) => [w.endpoint, w.status])).toEqual([[`http://127.0.0.1:${port}/webhook`, 'active']]);
    const triggers = [...z.triggers.values()].filter((t) => t.title === TRIGGER_TITLE);
    expect(triggers.map((t) => t.active)).toEqual([true]);
    expect(JSON.stringify(triggers[0].actions)).toContain(hooks[0].id);
    const [row] = await store.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', ['9001']);
    const settings = unseal<Record<string, string>>([KEY], '9001', row.sealed).value;
    expect(settings).toMatchObject({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_AUTH: 'global_oauth', SLA_POLICY: 'kiwi-stage-plus', SLA_LEAD_GROUP_IDS: '7', SLA_WEBHOOK_SECRET: expect.stringMatching(/.{16,}/) });
    expect(JSON.parse(settings.SLA_FIELD_IDS)).toMatchObject({ impact: expect.any(Number), due_first_response: expect.any(Number) });
    expect(JSON.stringify(settings)).not.toMatch(/access_token|refresh_token/);
    expect((await connectionState(store.db, '9001'))?.state).toBe('connected');

    // A ticket arrives by email: Zendesk's trigger calls the service, which writes its SLA.
    const ids = emailTicket(z, 1, inst);
    await until(async () => (await z.settled(), await svc.drain(), z.tickets.get(1)!.custom_fields.some((f) => f.id === ids.due && f.value)));
    expect(z.webhookDeliveries.filter((d) => d.status === 200).length).toBeGreaterThan(0);
    expect(z.tickets.get(1)!.priority).toBe('urgent');

    // Setup again (a reconnect): the same webhook and trigger, adopted; none made twice.
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    expect([...z.webhooks.values()].filter((w) => w.name === WEBHOOK_NAME)).toHaveLength(1);
    expect([...z.triggers.values()].filter((t) => t.title === TRIGGER_TITLE)).toHaveLength(1);
  });

  test('a denied consent, a used state and an unknown subdomain connect nothing, each with what to do', async () => {
    const port = await freePort();
    const { z } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    const start = await fetch(`${svc.url}/connect?subdomain=acme`, { redirect: 'manual' });
    const denied = await fetch(z.approve(new URL(start.headers.get('location')!).searchParams, { deny: true }));
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('choose Connect again');
    expect(await store.db.query('SELECT 1 FROM tenants')).toEqual([]);
    // The state was used by the denial: replaying the callback finds nothing.
    const again = await fetch(z.approve(new URL(start.headers.get('location')!).searchParams));
    expect(again.status).toBe(400);
    const bad = await fetch(`${svc.url}/connect?subdomain=${encodeURIComponent('evil.example/')}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
  });

  test('two accounts connected this way stay apart: each its own secret, policy and tickets', async () => {
    const port = await freePort();
    const a = await account('acme', 9001, { policy_preset: 'kiwi-stage-plus' }, `http://127.0.0.1:${port}/oauth/callback`);
    const b = await account('globex', 9002, { policy_preset: 'scalr' }, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', a.z], ['globex', b.z]]));
    expect((await connect(svc, a.z, 'acme')).status).toBe(200);
    expect((await connect(svc, b.z, 'globex')).status).toBe(200);
    const secrets = await Promise.all(['9001', '9002'].map(async (id) => unseal<Record<string, string>>([KEY], id, (await store.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', [id]))[0].sealed).value));
    expect(secrets[0].SLA_WEBHOOK_SECRET).not.toBe(secrets[1].SLA_WEBHOOK_SECRET);
    expect(secrets.map((s) => s.SLA_POLICY)).toEqual(['kiwi-stage-plus', 'scalr']);
    const ids = emailTicket(a.z, 1, a.inst);
    await until(async () => (await a.z.settled(), await svc.drain(), a.z.tickets.get(1)!.custom_fields.some((f) => f.id === ids.due && f.value)));
    // Account b's Zendesk was never written to, and holds no ticket 1.
    expect(b.z.requests.filter((x) => x.method === 'PUT' && x.path.startsWith('/api/v2/tickets'))).toEqual([]);
  });

  test('a refresh race between two instances: one refresh, both use the new pair, nobody is locked out', async () => {
    const port = await freePort();
    const { z } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    // The stored access token is at its end: both instances find it so at once.
    const [row] = await store.db.query<{ sealed: string }>('SELECT sealed FROM oauth_tokens WHERE account_id = $1', ['9001']);
    const have = unseal<TokenSet>([KEY], 'oauth 9001', row.sealed).value;
    await saveTokens(store.db, [KEY], '9001', { ...have, expires_at: Date.now() - 1 });
    const client = { id: CLIENT, secret: SECRET, redirectUri: `http://127.0.0.1:${port}/oauth/callback` };
    const one = storedTokens(store.db, [KEY], '9001', z.url, client);
    const two = storedTokens(store.db, [KEY], '9001', z.url, client);
    const before = z.refreshes.get(CLIENT)?.granted ?? 0;
    const [t1, t2] = await Promise.all([one.token(), two.token()]);
    expect(t1).toBe(t2);
    expect(t1).not.toBe(have.access_token);
    expect(z.refreshes.get(CLIENT)).toMatchObject({ granted: before + 1, refused: 0 });
    const ok = await fetch(`${z.url}/api/v2/oauth/tokens/current.json`, { headers: { authorization: `Bearer ${t1}` } });
    expect(ok.status).toBe(200);
  });

  test('revoked access: the account is marked disconnected, its jobs parked and shown, and a reconnect brings it back', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    // The admin removes SLA Desk's access: every token of the client is void.
    z.revokeClient(CLIENT);
    const ids = emailTicket(z, 1, inst);
    await z.settled();
    await until(async () => (await connectionState(store.db, '9001'))?.state === 'disconnected');
    await until(async () => (await store.db.query<{ state: string }>("SELECT state FROM jobs WHERE tenant = '9001'")).some((j) => j.state === 'parked'));
    const parked = await (await fetch(`${svc.url}/admin/jobs/parked`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(parked.parked).toEqual([expect.objectContaining({ tenant: '9001', ticket_id: 1, last_error: expect.stringMatching(/disconnected.*reconnects/) })]);
    expect(z.tickets.get(1)!.custom_fields.find((f) => f.id === ids.due)?.value ?? null).toBeNull();
    // Reconnected, the parked work runs again.
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    expect((await connectionState(store.db, '9001'))?.state).toBe('connected');
    await fetch(`${svc.url}/admin/jobs/parked/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await until(async () => (await svc.drain(), z.tickets.get(1)!.custom_fields.some((f) => f.id === ids.due && f.value)));
  });

  test('an export of what the service keeps, without secrets or tokens; a disconnected account deleted after the retention, a connected one kept', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    const ids = emailTicket(z, 1, inst);
    await until(async () => (await z.settled(), await svc.drain(), z.tickets.get(1)!.custom_fields.some((f) => f.id === ids.due && f.value)));
    const res = await fetch(`${svc.url}/admin/tenants/9001/export`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = await res.text();
    const out = JSON.parse(body);
    expect(out).toMatchObject({ account: '9001', connection: { state: 'connected' }, settings: { ZENDESK_SUBDOMAIN: 'acme', SLA_WEBHOOK_SECRET: '(kept, not shown)' } });
    expect(out.tickets.map((t: { ticket_id: unknown }) => Number(t.ticket_id))).toEqual([1]);
    expect(body).not.toMatch(/Site down|tok-|refresh_token|access_token/);
    expect((await fetch(`${svc.url}/admin/tenants/9001/export`)).status).toBe(401);
    // Thirty days after Zendesk refused the connection, the account's data goes; not before.
    const { purgeDisconnected, RETENTION_MS } = await import('../../zendesk-app/service/src/retention');
    expect(await purgeDisconnected(store.db, svc.tenants, Date.now())).toEqual([]);
    await store.db.query(`UPDATE oauth_tokens SET state = 'disconnected', updated_at = $1 WHERE account_id = '9001'`, [Date.now() - RETENTION_MS + 60_000]);
    expect(await purgeDisconnected(store.db, svc.tenants, Date.now())).toEqual([]);
    expect(await purgeDisconnected(store.db, svc.tenants, Date.now() + 120_000)).toEqual(['9001']);
    for (const table of ['tenants', 'oauth_tokens']) expect(await store.db.query(`SELECT 1 FROM ${table}`)).toEqual([]);
    expect(await store.db.query(`SELECT 1 FROM tickets WHERE tenant = '9001'`)).toEqual([]);
  });

  test('the app sees the connection\'s health with the token the service left in its secure setting; nobody else does', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    // The token is in the installation's settings (secure: never listed back), and only its hash in the store.
    const token = String(z.installations.get(inst.id)!.settings.service_token);
    expect(token.length).toBeGreaterThanOrEqual(32);
    const listed = await (await fetch(`${z.url}/api/v2/apps/installations.json`, { headers: { authorization: 'Basic eA==' } })).json();
    expect(JSON.stringify(listed)).not.toContain(token);
    const [row] = await store.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', ['9001']);
    expect(JSON.stringify(unseal([KEY], '9001', row.sealed).value)).not.toContain(token);
    const ask = (t: string, sub = 'acme') => fetch(`${svc.url}/app/status?subdomain=${sub}`, { headers: { authorization: `Bearer ${t}` } });
    expect(await (await ask(token)).json()).toEqual({ connected: true, webhook: 'active', lastDelivery: null, parkedJobs: 0, queuedJobs: 0, metricsWithoutField: [], reportHistory: null, todo: [] });
    // The reports' history, as the worker's rounds keep it (history.test.ts runs them): its state and counts.
    await store.db.query("INSERT INTO outcome_history (tenant, state, next_path, read_count, kept_count, next_at, updated_at) VALUES ('9001', 'running', NULL, 120, 7, 0, 0)");
    expect((await (await ask(token)).json()).reportHistory).toEqual({ state: 'running', ticketsRead: 120, ticketsKept: 7 });
    await store.db.query("DELETE FROM outcome_history WHERE tenant = '9001'");
    for (const [t, sub] of [['x'.repeat(43), 'acme'], [token, 'globex']]) expect((await ask(t, sub)).status).toBe(401);
    expect((await fetch(`${svc.url}/app/status?subdomain=acme`)).status).toBe(401);
    // The admin deactivates the webhook, and later Zendesk refuses the grant: each says what to do.
    const hook = [...z.webhooks.values()].find((w) => w.name === WEBHOOK_NAME)!;
    hook.status = 'inactive';
    expect((await (await ask(token)).json()).todo).toEqual(['The webhook to the service is inactive: choose Connect again, and the service sets it up again.']);
    // The service finds out by itself: its next call (the settings' poll) is refused, and so is the refresh.
    z.revokeClient(CLIENT);
    await until(async () => (await connectionState(store.db, '9001'))?.state === 'disconnected');
    const s = await (await ask(token)).json();
    expect(s).toMatchObject({ connected: false, todo: ["Zendesk refused SLA Desk's access (Zendesk refused the refresh (invalid_grant)): an admin chooses Connect again."] });
  });

  /** A button on the app's page: /app/confirm, Zendesk's sign-in and consent as `userId`, and back. */
  async function confirm(svc: Service, z: ZendeskEmulator, action: string, userId?: number) {
    const start = await fetch(`${svc.url}/app/confirm?subdomain=acme&action=${action}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const consent = new URL(start.headers.get('location')!).searchParams;
    // It asks only to read who signs in: the confirmation's token is revoked once it has said so.
    expect(consent.get('scope')).toBe('read');
    return fetch(z.approve(consent, userId === undefined ? {} : { userId }));
  }

  test('an admin exports what the service keeps and disconnects, confirmed by signing in to Zendesk; an agent cannot, even with the app\'s token', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, {}, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    const token = String(z.installations.get(inst.id)!.settings.service_token);
    // The app's token (any agent's browser sends it through ZAF) opens neither.
    for (const [m, path] of [['GET', '/app/export'], ['POST', '/app/disconnect']]) expect((await fetch(`${svc.url}${path}?subdomain=acme`, { method: m, headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`${svc.url}/app/confirm?subdomain=acme&action=drop`, { redirect: 'manual' })).status).toBe(400);
    // An agent signs in: refused, and nothing is deleted; the confirmation's token is revoked.
    const agent = z.users.find((u) => u.role === 'agent')!.id;
    const refused = await confirm(svc, z, 'disconnect', agent);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only an admin can disconnect SLA Desk');
    expect(z.oauth.grants.filter((g) => g.userId === agent).map((g) => g.revoked)).toEqual(['revoked']);
    expect(await store.db.query('SELECT 1 FROM tenants')).toHaveLength(1);
    // An admin exports: a download, without secrets.
    const ex = await confirm(svc, z, 'export');
    expect(ex.headers.get('content-disposition')).toBe('attachment; filename="sla-desk-acme.json"');
    expect(await ex.json()).toMatchObject({ account: '9001', settings: { ZENDESK_SUBDOMAIN: 'acme', SLA_WEBHOOK_SECRET: '(kept, not shown)' } });
    // And disconnects: the service's token revoked at Zendesk, the data gone.
    const [tok] = await store.db.query<{ sealed: string }>('SELECT sealed FROM oauth_tokens');
    const access = unseal<TokenSet>([KEY], 'oauth 9001', tok.sealed).value.access_token;
    const gone = await confirm(svc, z, 'disconnect');
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('SLA Desk is disconnected from acme');
    expect((await fetch(`${z.url}/api/v2/oauth/tokens/current.json`, { headers: { authorization: `Bearer ${access}` } })).status).toBe(401);
    for (const table of ['tenants', 'oauth_tokens', 'tickets']) expect(await store.db.query(`SELECT 1 FROM ${table}`)).toEqual([]);
    expect((await fetch(`${svc.url}/app/status?subdomain=acme`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    // Every confirmation's token is revoked: only the service's own grants were ever left live.
    expect(z.oauth.grants.filter((g) => g.scopes.join(' ') === 'read' && !g.revoked)).toEqual([]);
  });

  test("the report opens only for an admin or a triage lead, who shows who they are by signing in to Zendesk: the app's token says only which account", async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, { lead_groups: 'Triage' }, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    const token = String(z.installations.get(inst.id)!.settings.service_token);
    const app = (path: string, init: { method?: string; secret?: string } = {}) =>
      fetch(`${svc.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...(init.secret ? { 'x-sla-report-session': init.secret } : {}) } });
    const admin = z.users.find((u) => u.role === 'admin')!.id;
    const [plain, lead] = [2, 3];
    z.groupMemberships.set(lead, [7]);
    z.groupMemberships.set(plain, [8]);
    /** The page's button, for the user it is open for; the new window's sign-in, as `signer`. */
    const signIn = async (pageUser: number, signer: number) => {
      const begun = await app(`/app/report/sign-in?subdomain=acme&user=${pageUser}`, { method: 'POST' });
      expect(begun.status).toBe(201);
      const { url, secret } = await begun.json();
      expect(url).not.toContain(secret);
      expect(await (await app('/app/report/sign-in?subdomain=acme', { secret })).json()).toMatchObject({ state: 'pending' });
      expect((await app('/app/report?subdomain=acme', { secret })).status).toBe(403);
      const start = await fetch(url, { redirect: 'manual' });
      const consent = new URL(start.headers.get('location')!).searchParams;
      expect(consent.get('scope')).toBe('read');
      const back = await fetch(z.approve(consent, { userId: signer }));
      const state = await (await app('/app/report/sign-in?subdomain=acme', { secret })).json();
      return { status: back.status, text: await back.text(), state, report: (await app('/app/report?subdomain=acme', { secret })).status, url };
    };
    const byAdmin = await signIn(admin, admin);
    expect([byAdmin.status, byAdmin.state.state, byAdmin.report]).toEqual([200, 'granted', 200]);
    const byLead = await signIn(lead, lead);
    expect([byLead.status, byLead.state.state, byLead.report]).toEqual([200, 'granted', 200]);
    expect(byLead.text).toContain('You are signed in to the SLA report');
    // An agent in no lead group: refused, on the window and to the page.
    const byAgent = await signIn(plain, plain);
    expect([byAgent.status, byAgent.state, byAgent.report]).toEqual([403, { state: 'refused', reason: 'not an admin, nor in a triage-lead group', expiresAt: expect.any(String) }, 403]);
    expect(byAgent.text).toContain('The SLA report is for admins and triage leads');
    // An agent's page, signed in by a lead (a link passed on): the page's user is not who signed in.
    const passedOn = await signIn(plain, lead);
    expect([passedOn.status, passedOn.state.reason, passedOn.report]).toEqual([403, "signed in as another user than the one on SLA Desk's page", 403]);
    // A sign-in's link is decided once.
    const start = await fetch(byLead.url, { redirect: 'manual' });
    const again = await fetch(z.approve(new URL(start.headers.get('location')!).searchParams, { userId: lead }));
    expect([again.status, await again.text()]).toEqual([400, expect.stringContaining('This sign-in has expired')]);
    // Nothing without the app's token, nor a bad user or reference; every sign-in's token is revoked.
    expect((await fetch(`${svc.url}/app/report/sign-in?subdomain=acme&user=3`, { method: 'POST' })).status).toBe(401);
    expect((await app('/app/report/sign-in?subdomain=acme&user=x', { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${svc.url}/app/confirm?subdomain=acme&action=report&ref=..`, { redirect: 'manual' })).status).toBe(400);
    expect(z.oauth.grants.filter((g) => g.scopes.join(' ') === 'read' && !g.revoked)).toEqual([]);
  });

  test('the install makes only the default policy\'s due fields; another policy\'s come from the admin page\'s setup, and the service then writes them', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, { policy_preset: 'zendesk-parity' }, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    const before = z.provisioning.ticketFields.length;
    const token = String(z.installations.get(inst.id)!.settings.service_token);
    const status = async () => (await fetch(`${svc.url}/app/status?subdomain=acme`, { headers: { authorization: `Bearer ${token}` } })).json();
    const policy = loadPolicy('zendesk-parity');
    const unfielded = Object.keys(policy.metrics).filter((m) => !['first_response', 'resolution'].includes(m));
    expect((await status()).metricsWithoutField).toEqual(unfielded.map((m) => policy.metrics[m].label));
    // The admin page's setup, as the admin (ZAF's requests act as the signed-in user).
    const admin = { authorization: 'Basic eA==', 'content-type': 'application/json' };
    const api = {
      get: async (path: string) => (await fetch(z.url + path, { headers: admin })).json(),
      post: async (path: string, body: unknown) => (await fetch(z.url + path, { method: 'POST', headers: admin, body: JSON.stringify(body) })).json(),
      put: async (path: string, body: unknown) => (await fetch(z.url + path, { method: 'PUT', headers: admin, body: JSON.stringify(body) })).json(),
    };
    const { ensureDueFields } = await import('../../zendesk-app/src/zaf/setup');
    const known = { first_response: 1, resolution: 2 };
    const setup = await ensureDueFields(api, policy, known, '');
    expect(setup.created).toEqual(unfielded);
    await api.put(`/api/v2/apps/installations/${inst.id}.json`, { settings: { field_ids: setup.setting } });
    expect(z.provisioning.ticketFields.length).toBe(before + unfielded.length);
    expect(z.provisioning.ticketFields.at(-1)!.title).toBe(`SLA: ${policy.metrics[unfielded.at(-1)!].label.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())} due`);
    // Run again (or from a second admin's page): every field is adopted, none made twice.
    const again = await ensureDueFields(api, policy, known, setup.setting);
    expect([again.created, again.adopted.length]).toEqual([[], unfielded.length]);
    expect(z.provisioning.ticketFields.length).toBe(before + unfielded.length);
    // The service follows the setting within its minute, and its status has nothing left to do.
    await until(async () => (await status()).metricsWithoutField.length === 0);
    // An agent cannot make fields or change the app's settings: Zendesk refuses them, on its side.
    z.apiUserRole = 'agent';
    const agentApi = { post: async (path: string, body: unknown) => (await fetch(z.url + path, { method: 'POST', headers: admin, body: JSON.stringify(body) })).status };
    expect(await agentApi.post('/api/v2/ticket_fields.json', { ticket_field: { type: 'text', title: 'x' } })).toBe(403);
    expect((await fetch(`${z.url}/api/v2/apps/installations/${inst.id}.json`, { method: 'PUT', headers: admin, body: JSON.stringify({ settings: { field_ids: '{}' } }) })).status).toBe(403);
  });

  test('a settings change made in the app reaches the service within a minute, and the tickets are evaluated again', async () => {
    const port = await freePort();
    const { z, inst } = await account('acme', 9001, { policy_preset: 'kiwi-stage-plus', lock_priority: false }, `http://127.0.0.1:${port}/oauth/callback`);
    const svc = await service(port, new Map([['acme', z]]));
    expect((await connect(svc, z, 'acme')).status).toBe(200);
    const ids = emailTicket(z, 1, inst);
    await until(async () => (await z.settled(), await svc.drain(), z.tickets.get(1)!.custom_fields.some((f) => f.id === ids.due && f.value)));
    const dueBefore = z.tickets.get(1)!.custom_fields.find((f) => f.id === ids.due)!.value;
    // The admin switches the app to another preset and turns the priority lock on.
    logs.length = 0;
    z.updateSettings(inst.id, { policy_preset: 'scalr', lock_priority: true });
    await until(async () => {
      const [row] = await store.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', ['9001']);
      const s = unseal<Record<string, string>>([KEY], '9001', row.sealed).value;
      return s.SLA_POLICY === 'scalr' && s.SLA_LOCK_PRIORITY === 'true';
    });
    // The ticket is read and evaluated under the new policy: its due changes.
    await until(async () => (await svc.drain(), z.tickets.get(1)!.custom_fields.find((f) => f.id === ids.due)?.value !== dueBefore));
  });
});

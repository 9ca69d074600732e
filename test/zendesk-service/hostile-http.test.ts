import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { request } from 'http';
import { connect, type Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { configFromEnv } from '../../zendesk-app/service/src/config';
import type { Db } from '../../zendesk-app/service/src/db';
import { isPublicAddress, notifyRoute, publicLookup } from '../../zendesk-app/service/src/notify';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { signWebhook } from '../../zendesk-app/service/src/signature';
import { clientCredentials, zendeskClient } from '../../zendesk-app/service/src/zendesk';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, IDS, NOW, openStore, resetStore, SECRET, serviceConfig } from './helpers';
import { randomBytes } from 'crypto';

/**
 * The service as an attacker meets it, over real HTTP on loopback: admin routes under every
 * spelling of their path, tenant settings that name files or addresses, unknown account ids by
 * the thousand, errors that must still be answered, tenant enumeration, idle connections, and
 * settings that are not what they claim.
 */
jest.setTimeout(60_000);

// npm test runs every file under two zones. These run the service over loopback HTTP with UTC
// instants; the engine's independence from the machine's zone is proven by the core's tests under
// both. To keep the suite within CI's time, they run once, under the first zone (UTC).
const describeOnce = process.env.TZ && process.env.TZ !== 'UTC' ? describe.skip : describe;

let z: ZendeskEmulator;
let svc: Service | undefined;
let db: Db;
let store: Awaited<ReturnType<typeof openStore>>;
const logs: Record<string, unknown>[] = [];
const KEY = randomBytes(32);

beforeAll(async () => {
  store = await openStore('pglite');
  db = store.db;
});
afterAll(async () => {
  await store?.close();
});
beforeEach(async () => {
  await resetStore(db);
  z = new ZendeskEmulator();
  await z.start();
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await z.stop();
  logs.length = 0;
});

async function boot(opts: Parameters<typeof startService>[1] = {}, dbOverride?: Db) {
  svc = await startService(serviceConfig(z.url), { db: dbOverride ?? db, now: () => NOW, log: (e) => void logs.push(e), pollMs: 20, backoffMs: () => 20, catchUpMs: 0, encryptionKey: KEY, adminToken: ADMIN_TOKEN, ...opts });
  return svc;
}

/** One raw request (any request target, as a client may send it); resolves with the status line's code. */
function raw(url: string, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(0));
    const h = Object.entries({ host: 'x', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`${method} ${target} HTTP/1.1\r\n${h}\r\n${body}`);
  });
}

const TENANT_BODY = JSON.stringify({ settings: { ZENDESK_SUBDOMAIN: 'evil', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'attacker-chosen-secret-0000', SLA_POLICY: 'kiwi-stage-plus' } });
const SPELLINGS = (path: string) => {
  const p = path.slice(1);
  return [`/%61dmin/${p.slice(6)}`, `/%61%64%6d%69%6e/${p.slice(6)}`, `http://x/${p}`, `http://x//${p}`, `//${p}`, `/${p.toUpperCase()}`, `/Admin/${p.slice(6)}`, `/${p}/`, `/${p}?x=1`, `/./${p}`, `/admin%2F${p.slice(6)}`, `/${p}%00`, `/${p}#x`];
};

describeOnce('1. the admin token cannot be bypassed', () => {
  test.each([
    ['GET', '/admin/jobs/parked', ''],
    ['POST', '/admin/jobs/parked/retry', ''],
    ['GET', '/admin/stats', ''],
    ['PUT', '/admin/tenants/4242', TENANT_BODY],
    ['DELETE', '/admin/tenants/4242', ''],
  ])('%s %s, in every spelling, without the token: 401 or 404, and nothing changes', async (method, path, body) => {
    await boot();
    await db.query("INSERT INTO tenants (account_id, sealed, updated_at) VALUES ('4242', 'v2:00000000:AAAA', 0)");
    for (const target of [path, ...SPELLINGS(path)]) {
      const status = await raw(svc!.url, method, target, {}, body);
      expect([400, 401, 404]).toContain(status);
      // And with a wrong token.
      expect([400, 401, 404]).toContain(await raw(svc!.url, method, target, { authorization: 'Bearer not-the-admin-token-0000000000000' }, body));
    }
    const rows = await db.query<{ sealed: string }>("SELECT sealed FROM tenants WHERE account_id = '4242'");
    expect(rows).toEqual([{ sealed: 'v2:00000000:AAAA' }]);
  });

  test('the token opens them, in any spelling the router takes', async () => {
    await boot();
    expect(await raw(svc!.url, 'GET', '/%61dmin/jobs/parked', { authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
    expect(await raw(svc!.url, 'GET', '/admin/stats', { authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
  });

  test('without an admin token configured, admin routes do not exist, whatever is sent', async () => {
    await boot({ adminToken: undefined });
    for (const path of ['/admin/jobs/parked', '/admin/tenants/4242', '/admin/stats']) {
      for (const target of [path, ...SPELLINGS(path)]) {
        for (const method of ['GET', 'PUT', 'DELETE', 'POST']) expect([400, 404]).toContain(await raw(svc!.url, method, target, {}, method === 'PUT' ? TENANT_BODY : ''));
      }
    }
    expect(await db.query('SELECT 1 FROM tenants')).toEqual([]);
  });

  test('a short or patterned admin token is refused at start', async () => {
    await expect(boot({ adminToken: 'short-token' })).rejects.toThrow(/SLA_ADMIN_TOKEN: at least 32 random characters/);
    await expect(boot({ adminToken: '0'.repeat(40) })).rejects.toThrow(/SLA_ADMIN_TOKEN/);
  });
});

const put = (account: string, settings: Record<string, string>) => fetch(`${svc!.url}/admin/tenants/${account}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ settings }) });
const base = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'a-signing-secret-0123456789' };

describeOnce('2. a tenant\'s policy is text, never a path on the server', () => {
  test('SLA_POLICY naming a file (YAML, /dev/zero, a directory) is refused at once, and the answer tells nothing of the file', async () => {
    await boot();
    const dir = mkdtempSync(join(tmpdir(), 'sla-hostile-'));
    const secretFile = join(dir, 'secret.yaml');
    writeFileSync(secretFile, 'database_password: hunter2\nprivate_key_location: /etc/x\n');
    for (const ref of [secretFile, '/dev/zero', dir, '/etc/passwd', '../../etc/passwd', 'sla-desk-data']) {
      const r = await put('5001', { ...base, SLA_POLICY: ref });
      expect(r.status).toBe(400);
      const text = await r.text();
      expect(text).toMatch(/SLA_POLICY: expected a preset id/);
      expect(text).not.toMatch(/database_password|private_key|directory|ENOENT|EISDIR|larger/);
    }
    expect(await db.query('SELECT 1 FROM tenants')).toEqual([]);
  });

  test('the environment may name a file, read with the 1 MB cap (so /dev/zero ends with an error, not a hang)', () => {
    expect(() => configFromEnv({ ...base, SLA_POLICY: '/dev/zero' })).toThrow(/SLA_POLICY: .*larger than 1 MB/);
  });

  test('7. a policy the schema takes but the check refuses (defaultTier: constructor) is refused for a tenant, naming the path', async () => {
    await boot();
    const { readFileSync } = await import('fs');
    const text = readFileSync(join(__dirname, 'fast-24x7.yaml'), 'utf8').replace(/^defaultTier:.*$/m, 'defaultTier: constructor');
    expect(text).toMatch(/^defaultTier: constructor$/m);
    const r = await put('5002', { ...base, SLA_POLICY_TEXT: text });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatch(/SLA_POLICY_TEXT: defaultTier: unknown tier "constructor"/);
    expect(() => configFromEnv({ ...base, SLA_POLICY_TEXT: text })).toThrow(/defaultTier/);
  });
});

describeOnce('3. unknown account ids cost no memory', () => {
  test('thousands of unsigned deliveries with new account ids leave the caches bounded; a long or non-digit id is not even looked up', async () => {
    await boot({ tenantCacheMax: 50 });
    const body = JSON.stringify({ ticket_id: '1' });
    const send = (account: string) => fetch(`${svc!.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-account-id': account, 'x-zendesk-webhook-signature': 'AAAA', 'x-zendesk-webhook-signature-timestamp': new Date(NOW).toISOString() }, body });
    for (let i = 0; i < 10; i++) await Promise.all([...Array(30)].map((_, j) => send(String(1_000_000 + i * 30 + j))));
    expect(svc!.tenants.cached()).toBeLessThanOrEqual(50);
    const before = svc!.tenants.cached();
    for (const bad of ['x'.repeat(4000), '0001', '1e3', '-1', '12345678901234567890123']) expect((await send(bad)).status).toBe(401);
    expect(svc!.tenants.cached()).toBe(before);
    // Headers over 8 KB are not Zendesk's: refused before any route runs.
    expect(await raw(svc!.url, 'POST', '/webhook', { 'x-zendesk-account-id': '1'.repeat(16_000) }, body)).toBe(431);
  });
});

describeOnce('4. a tenant cannot choose where the service sends requests and secrets', () => {
  test.each([
    [{ ZENDESK_BASE_URL: 'http://127.0.0.1:1/' }, /ZENDESK_BASE_URL: not a tenant setting/],
    [{ ZENDESK_SUBDOMAIN: '127.0.0.1:9999/x?' }, /ZENDESK_SUBDOMAIN: expected the subdomain alone/],
    [{ ZENDESK_SUBDOMAIN: 'acme.evil.example' }, /ZENDESK_SUBDOMAIN/],
    [{ ZENDESK_SUBDOMAIN: 'ACME' }, /ZENDESK_SUBDOMAIN/],
    [{ SLA_NOTIFY_URL: 'http://hooks.example.com/x' }, /SLA_NOTIFY_URL: expected an https URL/],
    [{ SLA_NOTIFY_URL: 'file:///etc/passwd' }, /SLA_NOTIFY_URL/],
  ])('%j is refused', async (extra, message) => {
    await boot();
    const r = await put('6001', { ...base, ...extra });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatch(message);
  });

  test('the Zendesk address follows from the subdomain alone', async () => {
    await boot();
    expect((await put('6002', base)).status).toBe(200);
    const t = await svc!.tenants.stored('6002');
    expect(t!.cfg.baseURL).toBe('https://acme.zendesk.com');
  });

  test('notices go only to https on public addresses, checked on the resolved address; the allow-list opens a host', async () => {
    const tenant = { trusted: false, allowHosts: new Set<string>(['hooks.internal:8443']) };
    for (const a of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.1.1', '172.16.0.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '224.0.0.1', '64:ff9b:1::a00:1', '2002:7f00:1::1', 'fec0::1']) expect([a, isPublicAddress(a)]).toEqual([a, false]);
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect([a, isPublicAddress(a)]).toEqual([a, true]);
    expect(notifyRoute('http://hooks.slack.com/x', tenant)).toEqual({ refused: 'not https' });
    expect(notifyRoute('https://169.254.169.254/latest', tenant)).toEqual({ refused: 'not a public address' });
    expect(notifyRoute('https://[::1]:8443/x', tenant)).toEqual({ refused: 'not a public address' });
    expect(notifyRoute('https://hooks.slack.com/x', tenant)).toBe('public-only');
    expect(notifyRoute('https://hooks.internal:8443/x', tenant)).toBe('as-is');
    expect(notifyRoute('http://127.0.0.1:1/x', { trusted: true, allowHosts: new Set() })).toBe('as-is');
    // A name that resolves to loopback is refused when the connection looks it up.
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicLookup('localhost', { all: true }, (e) => resolve(e)));
    expect(err?.code).toBe('ENOTPUBLIC');
  });

  test('no redirect is followed with credentials: a 307 from /oauth/tokens or the API reaches nowhere', async () => {
    let trapped = 0;
    const trap: Server = createServer((_req, res) => {
      trapped++;
      res.end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const to = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/steal`;
    const redirector: Server = createServer((_req, res) => {
      res.writeHead(307, { location: to });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const from = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      await expect(clientCredentials(from, 'id', 'the-client-secret', 'read').token()).rejects.toThrow(/OAuth token request failed: 307/);
      const http = zendeskClient(from, { oauthToken: 'tok' }, { retries: 0 });
      await expect(http.get('/api/v2/tickets/1.json')).rejects.toMatchObject({ response: { status: 307 } });
      await expect(http.put('/api/v2/tickets/1.json', { ticket: {} })).rejects.toMatchObject({ response: { status: 307 } });
      expect(trapped).toBe(0);
    } finally {
      trap.close();
      redirector.close();
    }
  });
});

describeOnce('5. every error is answered', () => {
  /** The store fails every statement once `broken` is set: each route must still answer, at once. */
  function breakable(inner: Db) {
    const state = { broken: false };
    const fail = () => Promise.reject(new Error('injected store failure'));
    const db: Db = {
      kind: inner.kind,
      query: ((sql: string, params?: unknown[]) => (state.broken ? fail() : inner.query(sql, params))) as Db['query'],
      tx: ((fn: Parameters<Db['tx']>[0]) => (state.broken ? fail() : inner.tx(fn))) as Db['tx'],
      close: () => Promise.resolve(),
    };
    return { db, state };
  }

  test('under a store error, each route answers (5xx or its own refusal) well before the client would give up', async () => {
    const b = breakable(db);
    await boot({}, b.db);
    b.state.broken = true;
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const answers: [string, number][] = [];
    const call = async (name: string, path: string, init: RequestInit = {}) => {
      const r = await fetch(`${svc!.url}${path}`, { ...init, signal: AbortSignal.timeout(3_000) });
      answers.push([name, r.status]);
      await r.text();
    };
    await call('healthz', '/healthz');
    await call('webhook (env tenant)', '/webhook', { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(SECRET, new Date(NOW).toISOString(), '{"ticket_id":"1"}'), 'x-zendesk-webhook-signature-timestamp': new Date(NOW).toISOString() }, body: '{"ticket_id":"1"}' });
    await call('webhook (stored tenant)', '/webhook', { method: 'POST', headers: { 'x-zendesk-account-id': '777', 'x-zendesk-webhook-signature': 'x', 'x-zendesk-webhook-signature-timestamp': new Date(NOW).toISOString() }, body: '{}' });
    await call('stats', '/admin/stats', { headers: auth });
    await call('parked', '/admin/jobs/parked', { headers: auth });
    await call('retry', '/admin/jobs/parked/retry', { method: 'POST', headers: auth });
    await call('put tenant', '/admin/tenants/777', { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ settings: base }) });
    await call('delete tenant', '/admin/tenants/777', { method: 'DELETE', headers: auth });
    expect(answers).toEqual([
      ['healthz', 503],
      ['webhook (env tenant)', 503],
      ['webhook (stored tenant)', 503],
      ['stats', 500],
      ['parked', 500],
      ['retry', 500],
      ['put tenant', 500],
      ['delete tenant', 500],
    ]);
    b.state.broken = false;
  });
});

describeOnce('9 and 22. unauthenticated requests neither slow the worker nor tell tenants apart', () => {
  test('an unknown account and a known one with a bad signature get the same answer; /healthz is liveness alone', async () => {
    await boot();
    expect((await put('8001', base)).status).toBe(200);
    const body = JSON.stringify({ ticket_id: '1' });
    const ts = new Date(NOW).toISOString();
    const answer = async (account: string) => {
      const r = await fetch(`${svc!.url}/webhook`, { method: 'POST', headers: { 'x-zendesk-account-id': account, 'x-zendesk-webhook-signature': signWebhook('a-guess-0123456789abcdef', ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
      return [r.status, await r.text()];
    };
    expect(await answer('8001')).toEqual(await answer('8002'));
    expect(await answer('8001')).toEqual([401, '{"error":"signature not verified"}']);
    expect(await (await fetch(`${svc!.url}/healthz`)).json()).toEqual({ ok: true });
  });

  test('48 sockets trickling unsigned bodies do not throttle the worker', async () => {
    await boot({ concurrency: 8, bodyTimeoutMs: 20_000 });
    const sockets: Socket[] = [];
    const { port } = new URL(svc!.url);
    for (let i = 0; i < 48; i++) {
      const s = connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      s.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ticket_id":`);
      sockets.push(s);
    }
    try {
      await new Promise((r) => setTimeout(r, 200));
      for (let id = 1; id <= 16; id++) addKiwiTicket(z, id);
      // Each Zendesk request takes 300 ms: passes at full width overlap; at the burst width (2) they would not exceed 2.
      z.fail(200, { kind: 'slow', ms: 300 });
      await Promise.all([...Array(16)].map((_, i) => deliver(svc!.url, i + 1)));
      await svc!.drain(30_000);
      expect(z.peakInFlight).toBeGreaterThan(4);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describeOnce('26. settings are validated as what they are', () => {
  const env = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'a-signing-secret-0123456789' };
  test.each([
    [{ ZENDESK_SUBDOMAIN: undefined, ZENDESK_BASE_URL: 'file:///etc/passwd' }, /ZENDESK_BASE_URL: expected an http\(s\) URL/],
    [{ ZENDESK_SUBDOMAIN: undefined, ZENDESK_BASE_URL: 'https://user:pw@acme.zendesk.com' }, /ZENDESK_BASE_URL/],
    [{ SLA_FIELD_IDS: '{"impact":"eleven"}' }, /SLA_FIELD_IDS\.impact: expected a field id/],
    [{ SLA_FIELD_IDS: '{"impact":-3}' }, /SLA_FIELD_IDS\.impact/],
    [{ SLA_FIELD_IDS: '{"impact":1.5}' }, /SLA_FIELD_IDS\.impact/],
    [{ SLA_FIELD_IDS: '{"imapct":11}' }, /SLA_FIELD_IDS\.imapct: unknown key/],
    [{ SLA_FIELD_IDS: '[11]' }, /SLA_FIELD_IDS: expected JSON like/],
    [{ ZENDESK_SERVICE_USER_ID: 'svc' }, /ZENDESK_SERVICE_USER_ID: expected the API user's id/],
    [{ ZENDESK_SERVICE_USER_ID: '0x10' }, /ZENDESK_SERVICE_USER_ID/],
    [{ SLA_LEAD_GROUP_IDS: '0x10,1e3' }, /SLA_LEAD_GROUP_IDS: expected group ids/],
    [{ SLA_LEAD_GROUP_IDS: '7,,8' }, /SLA_LEAD_GROUP_IDS/],
    [{ SLA_WEBHOOK_SECRET: 'x' }, /SLA_WEBHOOK_SECRET: expected the webhook's signing secret \(at least 16 random characters\)/],
    [{ SLA_WEBHOOK_SECRET: 'a'.repeat(40) }, /SLA_WEBHOOK_SECRET/],
    [{ PORT: '8080x' }, /PORT/],
    [{ SLA_LOCK_PRIORITY: 'yes' }, /SLA_LOCK_PRIORITY/],
  ])('%j is refused, naming the variable', (extra, message) => {
    expect(() => configFromEnv({ ...env, ...extra } as NodeJS.ProcessEnv)).toThrow(message);
  });

  test('good values pass, as what they are', () => {
    const c = configFromEnv({ ...env, SLA_FIELD_IDS: '{"impact":11,"version_released":19,"due_resolution":"16"}', ZENDESK_SERVICE_USER_ID: '99', SLA_LEAD_GROUP_IDS: '7, 8' });
    expect(c.fieldIds).toMatchObject({ impact: 11, versionReleased: 19, due: { resolution: 16 } });
    expect(c.serviceUserId).toBe(99);
    expect(c.leadGroupIds).toEqual([7, 8]);
  });

  test('account ids 0001 and 1 are not two tenants: only the canonical form is taken', async () => {
    await boot();
    expect((await put('0001', base)).status).toBe(400);
    expect((await put('1', base)).status).toBe(200);
    expect(await db.query('SELECT account_id FROM tenants')).toEqual([{ account_id: '1' }]);
  });
});

describeOnce('25. idle connections cannot starve the service under a small file limit', () => {
  const main = join(__dirname, '..', '..', 'zendesk-app', 'service', 'dist', 'service', 'src', 'main.js');
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  test('800 idle sockets from one client; /healthz and a delivery from others still answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sla-fd-'));
    // The service on its own, under a soft limit of 300 open files.
    child = spawn('bash', ['-c', `ulimit -Sn 300 && exec "${process.execPath}" "${main}"`], {
      env: { PATH: process.env.PATH, ZENDESK_BASE_URL: z.url, ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: SECRET, SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: JSON.stringify({ impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state }), PORT: '0', HOST: '0.0.0.0', SLA_DATA_DIR: join(dir, 'data'), SLA_CATCH_UP_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (c) => {
        out += c;
        const m = /"msg":"listening","url":"([^"]+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      child!.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const port = Number(new URL(url).port);
    const idle: Socket[] = [];
    for (let i = 0; i < 800; i++) {
      const s = connect({ port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      idle.push(s);
    }
    await new Promise((r) => setTimeout(r, 500));
    const from = (localAddress: string, path: string, method = 'GET', headers: Record<string, string> = {}, body = '') =>
      new Promise<number>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path, method, localAddress, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.setTimeout(5_000, () => req.destroy());
        req.end(body);
      });
    try {
      expect(await from('127.0.0.2', '/healthz')).toBe(200);
      addKiwiTicket(z, 1);
      const ts = new Date().toISOString();
      const body = JSON.stringify({ ticket_id: '1' });
      expect(await from('127.0.0.3', '/webhook', 'POST', { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(SECRET, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body)).toBe(200);
      // And again, with the 800 still there.
      expect(await from('127.0.0.2', '/healthz')).toBe(200);
    } finally {
      for (const s of idle) s.destroy();
    }
  });
});

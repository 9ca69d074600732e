// The multi-account service under a noisy tenant and a paused desk, for npm run bench:
//  - the quiet tenant's lag (delivery to write) while a noisy tenant, whose Zendesk answers every
//    request in 2 s, has 300 deliveries queued;
//  - Zendesk writes per paused ticket-hour: 100 paused tickets, an hour of the SLA clock in
//    one-minute steps, a delivery per ticket per step, and every write of the service delivered
//    back to it as Zendesk's trigger would.
//  - the event loop's longest stall while one ticket from 1901, on a policy of ten zones, is handled.
// Against the Zendesk REST emulator of test/zendesk over real HTTP on loopback; the code compiled
// by the workbench build.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export async function serviceFairnessRows(root, log) {
  const build = join(root, 'workbench', '.build');
  const req = createRequire(join(root, 'zendesk-app', 'package.json'));
  const { ZendeskEmulator } = req(join(build, 'test', 'zendesk', 'rest-emulator.js'));
  const { startService } = req(join(build, 'zendesk-app', 'service', 'src', 'server.js'));
  const { signWebhook } = req(join(build, 'zendesk-app', 'service', 'src', 'signature.js'));
  const { loadPolicy } = req('@sla-desk/core/dist/presets.js');
  const NOW = Date.parse('2026-11-20T15:00:00Z');
  const IDS = JSON.stringify({ impact: 11, urgency: 12, tier: 13, state: 14, due_first_response: 15, due_resolution: 16 });
  const ADMIN = randomBytes(24).toString('hex');
  const rows = [];
  const pct = (xs, p) => {
    const a = [...xs].sort((x, y) => x - y);
    return a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
  };
  const addTicket = (z, id, impact = '4', urgency = '4') =>
    z.addTicket({ id, subject: `t${id}`, status: 'open', priority: null, tags: [], created_at: '2026-11-20T14:00:00Z', custom_fields: [{ id: 11, value: `sla_impact_${impact}` }, { id: 12, value: `sla_urgency_${urgency}` }, { id: 13, value: 'sla_tier_plus' }] });
  let inv = 0;
  const deliver = (url, account, secret, id, at) => {
    const body = JSON.stringify({ ticket_id: String(id) });
    const ts = new Date(Math.floor(at / 1000) * 1000).toISOString();
    return fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(account ? { 'x-zendesk-account-id': account } : {}), 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts, 'x-zendesk-webhook-invocation-id': `bench-${++inv}` }, body }).then((r) => r.text());
  };

  log('service: quiet tenant beside a noisy one...');
  {
    const noisy = new ZendeskEmulator();
    const quietZ = new ZendeskEmulator();
    await noisy.start();
    await quietZ.start();
    const hosts = { noisy: noisy.url, quiet: quietZ.url };
    const svc = await startService(null, { now: () => NOW, log: () => undefined, encryptionKeys: [randomBytes(32)], adminToken: ADMIN, tenantBaseUrl: (s) => hosts[s], catchUpMs: 0 });
    const settings = (sub) => ({ ZENDESK_SUBDOMAIN: sub, ZENDESK_OAUTH_TOKEN: 'bench', SLA_WEBHOOK_SECRET: `bench-secret-${sub}-0123456789`, SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: IDS });
    for (const [account, sub] of [['101', 'noisy'], ['202', 'quiet']]) {
      const r = await fetch(`${svc.url}/admin/tenants/${account}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ settings: settings(sub) }) });
      if (!r.ok) throw new Error(`tenant ${account}: ${await r.text()}`);
    }
    const N_NOISY = 300;
    const N_QUIET = 40;
    for (let id = 1; id <= N_NOISY; id++) addTicket(noisy, id);
    for (let id = 1; id <= N_QUIET; id++) addTicket(quietZ, id);
    noisy.fail(100_000, { kind: 'slow', ms: 2_000 });
    for (let id = 1; id <= N_NOISY; id++) await deliver(svc.url, '101', 'bench-secret-noisy-0123456789', id, NOW);
    // The quiet tenant's deliveries come one every 100 ms; each one's lag is until its write lands.
    const sentAt = new Map();
    const lags = [];
    quietZ.beforeWrite = (id) => lags.push(Date.now() - sentAt.get(id));
    for (let id = 1; id <= N_QUIET; id++) {
      sentAt.set(id, Date.now());
      await deliver(svc.url, '202', 'bench-secret-quiet-0123456789', id, NOW);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 200 && lags.length < N_QUIET; i++) await new Promise((r) => setTimeout(r, 50));
    await noisy.stop();
    await svc.close();
    await quietZ.stop();
    if (lags.length < N_QUIET) throw new Error(`quiet tenant: only ${lags.length} of ${N_QUIET} written`);
    rows.push([`Service, two tenants: the quiet tenant's lag (delivery to write) p50, beside a noisy tenant with ${N_NOISY} deliveries queued and a Zendesk that answers in 2 s`, pct(lags, 50).toFixed(0), 'ms', '', null]);
    rows.push([`Service, two tenants: the quiet tenant's lag p99 (${N_QUIET} deliveries, one every 100 ms)`, pct(lags, 99).toFixed(0), 'ms', '< 1,000 ms', pct(lags, 99) < 1000]);
  }

  log('service: writes per paused ticket-hour...');
  {
    const z = new ZendeskEmulator();
    await z.start();
    let clock = NOW;
    const secret = 'bench-secret-0123456789abcdef';
    const cfg = { baseURL: z.url, auth: { oauthToken: 'bench' }, webhookSecret: secret, policy: loadPolicy('kiwi-stage-plus'), fieldIds: { impact: 11, urgency: 12, tier: 13, state: 14, due: { first_response: 15, resolution: 16 }, source: 'settings', missing: [] }, leadGroupIds: [], lockPriority: false, serviceUserId: 99, port: 0 };
    const svc = await startService(cfg, { now: () => clock, log: () => undefined, catchUpMs: 0, pollMs: 50 });
    const echoes = [];
    // Zendesk's trigger: every change, the service's own writes included, is a delivery.
    z.onChange = (id) => void echoes.push(deliver(svc.url, null, secret, id, clock));
    const N = 100;
    const settle = async () => {
      for (let i = 0; i < 4; i++) {
        await Promise.all(echoes.splice(0));
        await svc.drain(60_000);
      }
    };
    for (let id = 1; id <= N; id++) addTicket(z, id);
    for (let id = 1; id <= N; id++) await deliver(svc.url, null, secret, id, clock);
    await settle();
    for (let id = 1; id <= N; id++) z.agentEdit(id, { status: 'pending' });
    for (let id = 1; id <= N; id++) await deliver(svc.url, null, secret, id, clock);
    await settle();
    const before = [...z.writes.values()].reduce((a, b) => a + b, 0);
    for (let m = 1; m <= 60; m++) {
      clock = NOW + m * 60_000;
      await Promise.all([...Array(N)].map((_, i) => deliver(svc.url, null, secret, i + 1, clock)));
      await settle();
    }
    const after = [...z.writes.values()].reduce((a, b) => a + b, 0);
    await svc.close();
    await z.stop();
    const perHour = (after - before) / N;
    rows.push([`Service: Zendesk writes per paused ticket-hour (${N} pending tickets, a delivery per ticket every minute for an hour, the service's own writes delivered back)`, perHour.toFixed(2), 'writes', '0', perHour === 0]);
  }
  log('service: one ticket from 1901 on a policy of ten zones...');
  {
    // Each in a fresh process: the zones' offsets are cached per process.
    const run = (args) =>
      new Promise((resolve, reject) => execFile(process.execPath, [join(root, 'bench', 'old-ticket-stall.cjs'), ...args], { maxBuffer: 1e7 }, (e, out) => (e ? reject(e) : resolve(JSON.parse(out)))));
    const direct = [];
    const service = [];
    for (let i = 0; i < 3; i++) {
      direct.push((await run(['--direct'])).maxMs);
      const r = await run([]);
      if (r.written !== 1) throw new Error('the 1901 ticket was not written');
      service.push(r.maxMs);
    }
    const min = (xs) => Math.min(...xs);
    rows.push(['A ticket created in 1901, policy of ten zones (core/test/fixtures/old-ticket.cjs), fresh process: one synchronous evaluation holds the event loop (best of 3)', min(direct).toFixed(0), 'ms', '', null]);
    rows.push(['The same ticket through the service (zones and Calendar years warmed a few at a time between turns): the longest event-loop stall during its delivery and pass (best of 3)', min(service).toFixed(0), 'ms', '< 50 ms', min(service) < 50]);
  }
  return rows;
}

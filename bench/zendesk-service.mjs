// The Zendesk service's figures for npm run bench: webhook deliveries handled per second, and the
// backfill's tickets per minute and Zendesk requests per 1,000 tickets, against the Zendesk REST
// emulator of test/zendesk over real HTTP on loopback. Uses the code compiled by the workbench build.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export async function zendeskServiceRows(root, log) {
  const build = join(root, 'workbench', '.build');
  const req = createRequire(join(root, 'zendesk-app', 'package.json'));
  const { ZendeskEmulator } = req(join(build, 'test', 'zendesk', 'rest-emulator.js'));
  const { startService } = req(join(build, 'zendesk-app', 'service', 'src', 'server.js'));
  const { signWebhook } = req(join(build, 'zendesk-app', 'service', 'src', 'signature.js'));
  const { backfill } = req(join(build, 'zendesk-app', 'service', 'src', 'backfill.js'));
  const { zendeskClient } = req(join(build, 'zendesk-app', 'service', 'src', 'zendesk.js'));
  const { loadPolicy } = req('@sla-desk/core/dist/presets.js');
  const NOW = Date.parse('2026-11-20T15:00:00Z');
  const cfgFor = (url) => ({
    baseURL: url,
    auth: { oauthToken: 'bench' },
    webhookSecret: 'bench-secret',
    policy: loadPolicy('kiwi-stage-plus'),
    fieldIds: { impact: 11, urgency: 12, tier: 13, state: 14, due: { first_response: 15, resolution: 16 }, source: 'settings', missing: [] },
    leadGroupIds: [],
    lockPriority: false,
    serviceUserId: 99,
    port: 0,
  });
  const addTickets = (z, n) => {
    for (let id = 1; id <= n; id++)
      z.addTicket({ id, subject: `t${id}`, status: 'open', priority: null, tags: [], created_at: '2026-11-20T14:00:00Z', custom_fields: [{ id: 11, value: `sla_impact_${1 + (id % 4)}` }, { id: 12, value: `sla_urgency_${1 + ((id >> 2) % 4)}` }, { id: 13, value: id % 2 ? 'sla_tier_plus' : 'sla_tier_basic' }] });
  };
  const rows = [];

  log('zendesk service: webhook deliveries...');
  {
    const z = new ZendeskEmulator();
    await z.start();
    addTickets(z, 400);
    const svc = await startService(cfgFor(z.url), { now: () => NOW, log: () => undefined });
    const ids = [...Array(2000)].map((_, i) => 1 + ((i * 7919) % 400));
    let next = 0;
    const t0 = process.hrtime.bigint();
    const worker = async () => {
      while (next < ids.length) {
        const n = next++;
        const body = JSON.stringify({ ticket_id: ids[n] });
        // Each delivery has its own signed time, as Zendesk's do: the service answers a replay from memory.
        const ts = new Date(NOW + n).toISOString();
        const r = await fetch(`${svc.url}/webhook`, { method: 'POST', headers: { 'x-zendesk-webhook-signature': signWebhook('bench-secret', ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
        await r.text();
      }
    };
    await Promise.all([...Array(50)].map(worker));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rows.push(['Zendesk service: signed webhook deliveries handled (2,000 over 400 tickets, concurrency 50, emulator in the same process)', Math.round(2000 / s).toLocaleString('en'), '/s', '', null]);
    await svc.close();
    await z.stop();
  }

  log('zendesk service: backfill...');
  {
    const z = new ZendeskEmulator();
    await z.start();
    const N = 5000;
    addTickets(z, N);
    const dir = mkdtempSync(join(os.tmpdir(), 'sla-bench-backfill-'));
    const cfg = cfgFor(z.url);
    const t0 = process.hrtime.bigint();
    const summary = await backfill(zendeskClient(z.url, cfg.auth), cfg, { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 20 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rmSync(dir, { recursive: true, force: true });
    const per1000 = z.requests.length / (N / 1000);
    rows.push([`Backfill: ${N.toLocaleString('en')} tickets, all changed (emulator without rate limits)`, Math.round((summary.changed / s) * 60).toLocaleString('en'), 'tickets/min', '', null]);
    rows.push(['Backfill: Zendesk requests per 1,000 tickets (reads included)', per1000.toFixed(1), 'requests', '≤ 20', per1000 <= 20]);
    await z.stop();
  }
  return rows;
}

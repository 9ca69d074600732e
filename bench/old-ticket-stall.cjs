'use strict';
// One fresh process: the SLA Desk service (the workbench build) and the Zendesk emulator, a policy
// of ten zones (core/test/fixtures/old-ticket.cjs, one that `sla check` passes) and one ticket
// imported with created_at 1901-01-01. Prints the event loop's longest stall (ms) while the
// service handles that ticket's delivery, and, with --direct, while core evaluates the same
// timeline in one synchronous call (what a pass did before it warmed the zones between turns).
const { join } = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const root = join(__dirname, '..');
const build = join(root, 'workbench', '.build');
const { createRequire } = require('node:module');
const req = createRequire(join(root, 'zendesk-app', 'package.json'));
const core = req('@sla-desk/core');
const { hostilePolicy1901, ticket1901 } = require(join(root, 'core', 'test', 'fixtures', 'old-ticket.cjs'));

async function main() {
  const parsed = core.validatePolicyText(JSON.stringify(hostilePolicy1901()));
  if (!parsed.policy) throw new Error(JSON.stringify(parsed.problems.filter((p) => p.level === 'error')));
  const policy = parsed.policy;
  const now = Date.parse('2026-11-20T15:00:00Z');
  const h = monitorEventLoopDelay({ resolution: 5 });
  if (process.argv.includes('--direct')) {
    h.enable();
    await new Promise((r) => setTimeout(r, 50));
    core.evaluate(policy, core.TimelineSchema.parse(ticket1901), now);
    await new Promise((r) => setTimeout(r, 50));
    h.disable();
    return process.stdout.write(JSON.stringify({ maxMs: h.max / 1e6 }));
  }
  const { ZendeskEmulator } = req(join(build, 'test', 'zendesk', 'rest-emulator.js'));
  const { startService } = req(join(build, 'zendesk-app', 'service', 'src', 'server.js'));
  const { signWebhook } = req(join(build, 'zendesk-app', 'service', 'src', 'signature.js'));
  const z = new ZendeskEmulator();
  await z.start();
  const secret = 'bench-secret-0123456789abcdef';
  const cfg = { baseURL: z.url, auth: { oauthToken: 'bench' }, webhookSecret: secret, policy, fieldIds: { state: 14, due: {}, source: 'settings', missing: [] }, leadGroupIds: [], lockPriority: false, serviceUserId: 99, port: 0 };
  const svc = await startService(cfg, { now: () => now, log: () => undefined, catchUpMs: 0, pollMs: 20 });
  z.addTicket({ id: 1, subject: 'imported', status: 'open', priority: 'urgent', tags: [], created_at: '1901-01-01T00:00:00Z', custom_fields: [] });
  h.enable();
  const body = JSON.stringify({ ticket_id: '1' });
  const ts = new Date(now).toISOString();
  const r = await fetch(`${svc.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
  if (!r.ok) throw new Error(`webhook ${r.status}`);
  await svc.drain(120_000);
  h.disable();
  const written = z.writes.get(1) ?? 0;
  await svc.close();
  await z.stop();
  process.stdout.write(JSON.stringify({ maxMs: h.max / 1e6, written }));
}
main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});

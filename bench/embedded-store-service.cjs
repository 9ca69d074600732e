'use strict';
// The Zendesk service alone in a process, for bench/embedded-store.mjs: its resident set is the
// service's and the embedded store's, not the emulator's or the load's. Driven over IPC.
//   argv: build directory, Zendesk (emulator) URL, data directory ('' = in memory; postgres://… =
//         PostgreSQL, for comparison), policy file
//   -> { ready, url, startMs, maxRssMB }   after startService resolved (store opened and migrated, listening)
//   <- { advance: ms, now: true }          moves the SLA clock forward (the worker then finds transitions due) -> { now }
//   <- { drain: ms }                       -> { drained, rssMB, detail, passes, transitions, … } once nothing is left to do
//   <- { close: true }                     -> { closed, maxRssMB }, then the process exits
const t0 = performance.now();
const { join } = require('node:path');
const { readFileSync } = require('node:fs');
const [build, zendeskUrl, dataDir, policyFile] = process.argv.slice(2);
const { startService } = require(join(build, 'zendesk-app', 'service', 'src', 'server.js'));
const { parsePolicy } = require('@sla-desk/core');

const v8 = require('node:v8');

const mb = (bytes) => Math.round(bytes / 2 ** 20);
let offset = 0;
// The highest RSS sampled since the last answer (the peak of each phase; maxRSS is the whole run's).
let phasePeak = 0;
let atPeak = null;
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss <= phasePeak) return;
  phasePeak = rss;
  const u = process.memoryUsage();
  atPeak = { heapMB: mb(u.heapTotal), externalMB: mb(u.external), arrayBuffersMB: mb(u.arrayBuffers) };
}, 250).unref();
const now = () => Date.now() + offset;

(async () => {
  const policy = parsePolicy(readFileSync(policyFile, 'utf8')).policy;
  const cfg = {
    baseURL: zendeskUrl,
    auth: { oauthToken: 'bench' },
    webhookSecret: 'bench-secret',
    policy,
    fieldIds: { impact: 11, urgency: 12, tier: 13, state: 14, due: { first_response: 15, resolution: 16 }, source: 'settings', missing: [] },
    leadGroupIds: [],
    lockPriority: false,
    serviceUserId: 99,
    port: 0,
  };
  const pg = dataDir.startsWith('postgres://');
  const svc = await startService(cfg, { now, log: () => undefined, dataDir: pg ? undefined : dataDir || undefined, databaseUrl: pg ? dataDir : undefined, pollMs: 200 });
  process.send({ ready: true, url: svc.url, startMs: performance.now() - t0, rssMB: mb(process.memoryUsage().rss), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
  phasePeak = 0;
  process.on('message', async (m) => {
    try {
      if (m.advance) offset += m.advance;
      if (m.now) process.send({ now: now() });
      if (m.drain) {
        await svc.drain(m.drain);
        const s = svc.stats;
        const u = process.memoryUsage();
        if (global.gc) {
          global.gc();
          const g = process.memoryUsage();
          process.stderr.write(`  after a full GC: heap used ${mb(g.heapUsed)} MB of ${mb(g.heapTotal)}, RSS ${mb(g.rss)} MB\n`);
        }
        const detail = { phasePeakMB: mb(phasePeak), atPeak, heapMB: mb(u.heapTotal), heapUsedMB: mb(u.heapUsed), externalMB: mb(u.external), peakMallocedMB: mb(v8.getHeapStatistics().peak_malloced_memory) };
        phasePeak = 0;
        process.send({ drained: true, rssMB: mb(u.rss), detail, passes: s.passes, writes: s.writes, reads: s.reads, transitions: s.transitions, failed: s.failed });
      }
      if (m.close) {
        await svc.close();
        process.send({ closed: true, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }, () => process.exit(0));
      }
    } catch (e) {
      process.send({ error: e.stack || String(e) }, () => process.exit(1));
    }
  });
})().catch((e) => process.send({ error: e.stack || String(e) }, () => process.exit(1)));

// The embedded store's figures for npm run bench (issue 17, point 18): the Zendesk service's first
// start on an empty data directory, and its resident set with 10,000 open tickets on PGlite, with
// the service on PostgreSQL under the same load for comparison. The service runs alone in a child
// process (bench/embedded-store-service.cjs), so that its RSS is its own and the store's: the
// Zendesk REST emulator and the load stay in this process.
//   node bench/run.mjs --only=embedded-store   these rows alone, put into docs/benchmarks.md
//   node bench/embedded-store.mjs [--tickets=N] [--starts=N] [--stores=data directory,in memory,PostgreSQL] [--build=DIR]
//                                              prints them; BENCH_FLAGS="--v8-flag …" runs the service
//                                              process with those flags, BENCH_GC=1 logs its heap after a full GC
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

const PREFIX = 'Embedded store';
export const isEmbeddedStoreRow = (line) => line.startsWith(`| ${PREFIX}`);
export const embeddedStoreHow =
  `- ${PREFIX} (bench/embedded-store.mjs): the service compiled by the workbench build runs alone in a child process (bench/embedded-store-service.cjs), its store PGlite in a new data directory as \`npm run service\` keeps it (SLA_DATA_DIR), or in memory as the tests keep it, or, for comparison, a throw-away PostgreSQL cluster (whose own processes are not counted); the Zendesk REST emulator and the load stay in the parent. First start: from the spawn to \`startService\` resolved (store created and migrated, port listening), each run on a new empty directory; "a new install" gives each run an empty template cache (SLA_PGLITE_CACHE_DIR), so that it makes the template (initdb, in a child process of its own) before copying it. Open tickets: 10,000 tickets (fast-24x7, P1) delivered once each, 100 at a time, and worked; then the service's SLA clock is moved past their at-risk instant, then past their breach, so that each ticket has one pass that reads it from Zendesk and two that write a transition from the stored timeline and snapshot; peak RSS is the service process's \`process.resourceUsage().maxRSS\` over the whole run, its start included; the RSS after each phase and 30 s after the last (idle) are sampled in the process.`;

export async function embeddedStoreRows(root, log, { build = join(root, 'workbench', '.build'), tickets = 10_000, starts = 3, stores = ['data directory', 'in memory', 'PostgreSQL'] } = {}) {
  const req = createRequire(join(root, 'zendesk-app', 'package.json'));
  const { ZendeskEmulator } = req(join(build, 'test', 'zendesk', 'rest-emulator.js'));
  const { signWebhook } = req(join(build, 'zendesk-app', 'service', 'src', 'signature.js'));
  const { startCluster } = req(join(build, 'test', 'zendesk-service', 'pg-cluster.js'));
  const policyFile = join(root, 'test', 'zendesk-service', 'fast-24x7.yaml');
  const child = join(root, 'bench', 'embedded-store-service.cjs');
  const rows = [];
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const execArgv = [...(process.env.BENCH_GC ? ['--expose-gc'] : []), ...(process.env.BENCH_FLAGS ? process.env.BENCH_FLAGS.split(' ') : [])];

  // A service process, and a way to ask it something and wait for its answer. `cache`: where the
  // store keeps its template (SLA_PGLITE_CACHE_DIR; by default node_modules/.cache/sla-desk).
  const spawnService = (url, store, cache) => {
    const t = performance.now();
    const env = cache ? { ...process.env, SLA_PGLITE_CACHE_DIR: cache } : process.env;
    const p = fork(child, [build, url, store, policyFile], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env, execArgv });
    const waiting = [];
    p.on('message', (m) => {
      if (m.error) waiting.splice(0).forEach((w) => w.reject(new Error(`service process: ${m.error}`)));
      else waiting.shift()?.resolve(m);
    });
    p.on('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`service process exited ${code}`))));
    const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    const ask = (m) => {
      const r = next();
      p.send(m);
      return r;
    };
    return { ready: next().then((m) => ({ ...m, spawnMs: performance.now() - t })), ask };
  };

  // First start on an empty data directory, each run in a new one: on a new install (no template
  // yet: the first start makes it), and on an install that has it (every first start after that).
  if (starts > 0) {
    const scratch = mkdtempSync(join(os.tmpdir(), 'sla-bench-first-'));
    const z = new ZendeskEmulator();
    await z.start();
    try {
      for (const install of ['new', 'made']) {
        log(`embedded store: first start on an empty data directory (${install === 'new' ? 'a new install' : 'the template made'})...`);
        const ms = [];
        let peak = 0;
        for (let i = 0; i < starts; i++) {
          const dir = mkdtempSync(join(scratch, 'run-'));
          const s = spawnService(z.url, join(dir, 'data'), join(scratch, install === 'new' ? `cache-${i}` : 'cache-0'));
          const ready = await s.ready;
          const closed = await s.ask({ close: true });
          ms.push(ready.spawnMs);
          peak = Math.max(peak, closed.maxRssMB);
          log(`  run ${i + 1}: ${Math.round(ready.spawnMs)} ms to listening (startService ${Math.round(ready.startMs)} ms), peak RSS ${closed.maxRssMB} MB`);
          rmSync(dir, { recursive: true, force: true });
        }
        const what = install === 'new' ? 'on a new install (the template made first: initdb, in a child process)' : 'with the install\'s template made (every first start after the first)';
        const short = install === 'new' ? 'on a new install' : 'with the template made';
        rows.push([`${PREFIX} (PGlite): first start on an empty data directory ${what}: spawn to listening (store created and migrated), median of ${starts}`, (pct(ms, 50) / 1000).toFixed(2), 's', '< 3', pct(ms, 50) < 3000]);
        rows.push([`${PREFIX} (PGlite): first start ${short}, slowest of the ${starts}`, (Math.max(...ms) / 1000).toFixed(2), 's', '< 3', Math.max(...ms) < 3000]);
        rows.push([`${PREFIX} (PGlite): first start ${short}, peak RSS of the service process`, String(peak), 'MB', '≤ 250', peak <= 250]);
      }
    } finally {
      await z.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  // 10,000 open tickets: delivered, stored, then each one's two transitions written from the store.
  for (const store of stores) {
    log(`embedded store: ${tickets.toLocaleString('en')} open tickets (${store})...`);
    let cluster = null;
    if (store === 'PostgreSQL') {
      try {
        cluster = await startCluster();
      } catch (e) {
        log(`  no PostgreSQL here (${e.message}); skipped`);
        continue;
      }
    }
    const z = new ZendeskEmulator();
    await z.start();
    const created = new Date(Date.now()).toISOString();
    for (let id = 1; id <= tickets; id++) {
      z.addTicket({ id, subject: `t${id}`, status: 'open', priority: null, tags: [], created_at: created, custom_fields: [{ id: 11, value: 'sla_impact_1' }, { id: 12, value: 'sla_urgency_1' }, { id: 13, value: 'sla_tier_plus' }] });
      z.audits.get(id)[0].created_at = created;
    }
    const dir = store === 'data directory' ? mkdtempSync(join(os.tmpdir(), 'sla-bench-store-')) : null;
    const s = spawnService(z.url, cluster ? cluster.url : dir ? join(dir, 'data') : '');
    try {
      const { url, maxRssMB: startPeak } = await s.ready;
      log(`  started: peak RSS ${startPeak} MB`);
      const t0 = performance.now();
      let next = 0;
      let seq = 0;
      await Promise.all([...Array(100)].map(async () => {
        while (next < tickets) {
          const body = JSON.stringify({ ticket_id: String(++next) });
          const ts = new Date(Date.now() + (++seq % 1000)).toISOString();
          const r = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook('bench-secret', ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
          await r.text();
          if (!r.ok) throw new Error(`webhook answered ${r.status}`);
        }
      }));
      const phases = {};
      let since = t0;
      const phase = async (name, advance) => {
        if (advance) await s.ask({ advance, now: true });
        phases[name] = await s.ask({ drain: 600_000 });
        log(`  ${name} (${((performance.now() - since) / 1000).toFixed(0)} s): ${phases[name].passes} passes, ${phases[name].transitions} transitions, RSS ${phases[name].rssMB} MB ${JSON.stringify(phases[name].detail)}`);
        since = performance.now();
      };
      await phase('delivered and worked');
      // fast-24x7, P1: first response due 10 minutes after creation, at risk at 5.
      await phase('at risk written', 6 * 60_000);
      await phase('breaches written', 5 * 60_000);
      const seconds = (performance.now() - t0) / 1000;
      // Then quiet, as between bursts: what V8 and the store give back, they have given back.
      await new Promise((r) => setTimeout(r, 30_000));
      await phase('idle 30 s later');
      const { maxRssMB } = await s.ask({ close: true });
      const done = phases['breaches written'];
      const label = {
        'data directory': `${PREFIX} (PGlite) in a data directory (SLA_DATA_DIR, as \`npm run service\`)`,
        'in memory': `${PREFIX} (PGlite) in memory (as the tests keep it)`,
        PostgreSQL: `${PREFIX}, for comparison: the service on PostgreSQL (the server's processes not counted)`,
      }[store];
      const target = cluster ? ['', null] : ['≤ 250', maxRssMB <= 250];
      rows.push([`${label}: peak RSS of the service, ${tickets.toLocaleString('en')} open tickets delivered, stored and each one's two transitions written (${done.passes.toLocaleString('en')} passes in ${seconds.toFixed(0)} s)`, String(maxRssMB), 'MB', ...target]);
      rows.push([`${label}: RSS with the ${tickets.toLocaleString('en')} tickets stored, after their deliveries / after the last transition / idle 30 s later`, `${phases['delivered and worked'].rssMB} / ${done.rssMB} / ${phases['idle 30 s later'].rssMB}`, 'MB', ...(cluster ? ['', null] : ['≤ 250', phases['idle 30 s later'].rssMB <= 250])]);
      rows.push([`${label}: transitions written of those due`, `${done.transitions.toLocaleString('en')} / ${(2 * tickets).toLocaleString('en')}`, '', 'all', done.transitions === 2 * tickets]);
    } finally {
      await z.stop();
      await cluster?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

// Alone: prints the rows (docs/benchmarks.md is written by bench/run.mjs).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const rows = await embeddedStoreRows(root, (s) => process.stderr.write(`${s}\n`), {
    build: arg('build') ?? join(root, 'workbench', '.build'),
    tickets: Number(arg('tickets') ?? 10_000),
    starts: Number(arg('starts') ?? 3),
    stores: arg('stores')?.split(',').filter(Boolean) ?? ['data directory', 'in memory', 'PostgreSQL'],
  });
  for (const r of rows) process.stdout.write(`${r.slice(0, 3).join(' | ')}\n`);
}

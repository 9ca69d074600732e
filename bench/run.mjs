// npm run bench: measures the core engine and writes docs/benchmarks.md with the figures and the
// machine they were taken on. Throughputs are the best of several rounds, since this is a shared VM.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const core = require(join(root, 'core', 'dist', 'index.js'));
const { loadPolicy } = require(join(root, 'core', 'dist', 'presets.js'));
const reference = require(join(root, 'test', 'reference', 'minute-calendar.cjs'));
const { timelines } = require('./generate.cjs');
const moment = require('moment');
require('moment-business-time');

const quick = process.argv.includes('--quick');
// A bench table row, as docs/benchmarks.md shows it.
const tableRow = ([name, fig, unit, target, ok]) => `| ${name} | ${fig} | ${unit} | ${target} | ${ok === null ? '' : ok ? 'yes' : '**no**'} |`;

// --only=embedded-store: the embedded store's rows alone (bench/embedded-store.mjs, a few minutes),
// put into docs/benchmarks.md where a full run puts them (before the workbench's), in place of the
// ones there, with its bullet under "How it is measured".
if (process.argv.includes('--only=embedded-store')) {
  const { readFileSync } = await import('node:fs');
  const { embeddedStoreRows, embeddedStoreHow, isEmbeddedStoreRow } = await import('./embedded-store.mjs');
  const fresh = (await embeddedStoreRows(root, (s) => process.stderr.write(`${s}\n`))).map(tableRow);
  const file = join(root, 'docs', 'benchmarks.md');
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !isEmbeddedStoreRow(l) && !l.startsWith(embeddedStoreHow.slice(0, 40)));
  const rowsEnd = lines.findLastIndex((l) => l.startsWith('| ')) + 1;
  const workbench = lines.findIndex((l) => l.startsWith('| Workbench:'));
  lines.splice(workbench >= 0 ? workbench : rowsEnd, 0, ...fresh);
  const how = lines.findIndex((l) => l.startsWith('- Workbench:'));
  const alone = `${embeddedStoreHow} These rows: \`node bench/run.mjs --only=embedded-store\` on ${new Date().toISOString().slice(0, 10)}, after the rest.`;
  lines.splice(how >= 0 ? how : lines.length - 1, 0, alone);
  writeFileSync(file, lines.join('\n'));
  process.stderr.write(`${fresh.join('\n')}\n`);
  process.exit(0);
}
// --only=service-fairness: the multi-account service's rows alone (bench/service-fairness.mjs: a
// quiet tenant beside noisy ones, writes per paused ticket-hour, the stall of a ticket from 1901),
// put in place of the ones there, before the workbench's.
const FAIRNESS_ROW = /^\| (Service, two tenants|Service: Zendesk writes per paused|A ticket created in 1901|The same ticket through the service)/;
const FAIRNESS_HOW = '- Multi-account service (bench/service-fairness.mjs):';
if (process.argv.includes('--only=service-fairness')) {
  const { readFileSync } = await import('node:fs');
  const { serviceFairnessRows } = await import('./service-fairness.mjs');
  const fresh = (await serviceFairnessRows(root, (s) => process.stderr.write(`${s}\n`))).map(tableRow);
  const file = join(root, 'docs', 'benchmarks.md');
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !FAIRNESS_ROW.test(l) && !l.startsWith(FAIRNESS_HOW));
  const workbench = lines.findIndex((l) => l.startsWith('| Workbench:'));
  lines.splice(workbench >= 0 ? workbench : lines.findLastIndex((l) => l.startsWith('| ')) + 1, 0, ...fresh);
  const how = lines.findIndex((l) => l.startsWith('- Workbench:'));
  lines.splice(how >= 0 ? how : lines.length - 1, 0, `${FAIRNESS_HOW} the service compiled by the workbench build, with the Zendesk REST emulator on loopback. Quiet tenant: two stored tenants, the noisy one's Zendesk answering every request in 2 s with 300 deliveries queued, the quiet one's 40 deliveries one every 100 ms; the lag is from the delivery to the emulator receiving its write. Paused tickets: 100 pending KIWI tickets, the SLA clock moved an hour in one-minute steps, one delivery per ticket per step and every write of the service delivered back as Zendesk's trigger would. Old ticket: core/test/fixtures/old-ticket.cjs (ten zones, created 1901-01-01) in a fresh process, the event loop's longest stall by perf_hooks' monitorEventLoopDelay, once as one synchronous evaluate() and once through the service's delivery and pass. These rows: \`node bench/run.mjs --only=service-fairness\` on ${new Date().toISOString().slice(0, 10)}, after the rest.`);
  writeFileSync(file, lines.join('\n'));
  process.stderr.write(`${fresh.join('\n')}\n`);
  process.exit(0);
}
const TICKETS = quick ? 50_000 : 1_000_000;
/**
 * One bench module's rows alone (--only=<name>), put into docs/benchmarks.md in place of its old
 * ones, after the row `after` names (else after the last row), with its bullet before the workbench's.
 */
async function onlyRows(name, file, after) {
  const { readFileSync } = await import('node:fs');
  const mod = await import(file);
  const fresh = (await mod.rows(root, (s) => process.stderr.write(`${s}\n`))).map(tableRow);
  const out = join(root, 'docs', 'benchmarks.md');
  const lines = readFileSync(out, 'utf8').split('\n').filter((l) => !mod.ROW.test(l) && !l.startsWith(mod.HOW));
  const at = lines.findLastIndex(after);
  lines.splice(at >= 0 ? at + 1 : lines.findLastIndex((l) => l.startsWith('| ')) + 1, 0, ...fresh);
  const how = lines.findIndex((l) => l.startsWith('- Workbench:'));
  lines.splice(how >= 0 ? how : lines.length - 1, 0, `${mod.how} These rows: \`node bench/run.mjs --only=${name}\` on ${new Date().toISOString().slice(0, 10)}.`);
  writeFileSync(out, lines.join('\n'));
  process.stderr.write(`${fresh.join('\n')}\n`);
  process.exit(0);
}
// --only=rules: the rules' and ladders' row alone (bench/rules.mjs, a second), after the cycles' rows.
if (process.argv.includes('--only=rules')) await onlyRows('rules', './rules.mjs', (l) => l.startsWith('| A ticket with '));
// --only=outcome-report: the Zendesk report's rows alone (bench/outcome-report.mjs, a minute), after the service's PostgreSQL rows.
if (process.argv.includes('--only=outcome-report')) await onlyRows('outcome-report', './outcome-report.mjs', (l) => l.startsWith('| Zendesk service (PostgreSQL): deliveries worked per second'));
// --only=forge: the Forge app's rows alone (bench/forge.mjs, about two minutes), after the sidebar's.
if (process.argv.includes('--only=forge')) await onlyRows('forge', './forge.mjs', (l) => l.startsWith('| Sidebar ÷ empty Garden page'));
// --only=cycles: the recurring Metrics' rows alone (bench/cycles.mjs, a few seconds), after the evaluations'.
if (process.argv.includes('--only=cycles')) await onlyRows('cycles', './cycles.mjs', (l) => l.startsWith('| Ticket evaluations, re-evaluated: median'));
// --only=zendesk: the sidebar's rows alone (bench/zendesk.mjs, a minute), after the hostile inputs'.
// The app is built first, so that the rows measure the sources as they are.
if (process.argv.includes('--only=zendesk')) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('npm', ['run', 'build', '--silent', '-w', 'zendesk-app'], { cwd: root, stdio: 'inherit' });
  await onlyRows('zendesk', './zendesk.mjs', (l) => l.startsWith('| `sla evaluate` on a file with a 200 MB line'));
}

const rows = [];
const log = (s) => process.stderr.write(`${s}\n`);

function best(rounds, fn) {
  let top = 0;
  for (let r = 0; r < rounds; r++) top = Math.max(top, fn());
  return top;
}

// Operations per CPU second of this process: CPU time, not wall time, because a shared VM's stolen
// time would otherwise count against us. `fn` keeps its own accumulator and returns it: adding into
// a variable captured from outside would box a number on every call and measure that instead.
let sink = 0;
function rate(n, fn) {
  const c0 = process.cpuUsage();
  sink += fn();
  const used = process.cpuUsage(c0);
  return n / ((used.user + used.system) / 1e6);
}

// --- due additions -----------------------------------------------------------------------------
const KIWI_HOURS = { zone: 'America/Toronto', hours: { weekdays: ['08:30-16:30'] }, holidays: [] };
const cal = () => core.buildCalendar('bench', core.CalendarSchema.parse(KIWI_HOURS));
const N = 1 << 20;
const starts = new Float64Array(N);
const durs = new Float64Array(N);
for (let i = 0; i < N; i++) {
  starts[i] = Date.UTC(2026, 0, 5) + Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** 32 * 300 * 86400) * 1000;
  durs[i] = (1 + (i % 16)) * 3_600_000;
}
log('due additions (warm)...');
const warmCal = cal();
for (let i = 0; i < N; i++) warmCal.addWorking(starts[i], durs[i]);
function addAll(c, rounds) {
  let s = 0;
  for (let k = 0; k < rounds; k++) for (let i = 0; i < N; i++) s += c.addWorking(starts[i], durs[i]);
  return s;
}
const warm = best(7, () => rate(5 * N, () => addAll(warmCal, 5)));

log('due additions (cold: first call on a new calendar)...');
function addCold(count) {
  let s = 0;
  for (let i = 0; i < count; i++) s += cal().addWorking(starts[i], durs[i]);
  return s;
}
const cold = best(3, () => rate(200, () => addCold(200)));

log('minute-stepping reference...');
const refSpec = { zone: 'America/Toronto', weekly: [[], [[510, 990]], [[510, 990]], [[510, 990]], [[510, 990]], [[510, 990]], []], holidays: [] };
const refN = quick ? 10 : 40;
const refRate = rate(refN, () => {
  let s = 0;
  for (let i = 0; i < refN; i++) s += reference.due(refSpec, Math.floor(starts[i] / 60000) * 60000, durs[i] / 60000);
  return s;
});
// The reference and the engine must agree on what they computed.
for (let i = 0; i < 10; i++) {
  const s = Math.floor(starts[i] / 60000) * 60000;
  if (reference.due(refSpec, s, durs[i] / 60000) !== warmCal.addWorking(s, durs[i])) throw new Error('engine and reference disagree');
}

log('moment-business-time...');
moment.updateLocale('en', { workinghours: { 0: null, 1: ['08:30:00', '16:30:00'], 2: ['08:30:00', '16:30:00'], 3: ['08:30:00', '16:30:00'], 4: ['08:30:00', '16:30:00'], 5: ['08:30:00', '16:30:00'], 6: null } });
const mN = quick ? 2000 : 20000;
function addMoment(count) {
  let s = 0;
  for (let i = 0; i < count; i++) s += moment(starts[i]).addWorkingTime(durs[i] / 3_600_000, 'hours').valueOf();
  return s;
}
addMoment(mN);
const momentRate = best(5, () => rate(mN, () => addMoment(mN)));

rows.push(['Due additions, warm cache', fmt(warmCal && warm), '/s', '≥ 5,000,000 /s', warm >= 5e6]);
rows.push(['Due additions, cold (first call on a new calendar, compiles its year)', fmt(cold), '/s', '', null]);
rows.push(['Minute-stepping reference', fmt(refRate), '/s', '', null]);
rows.push(['moment-business-time 2.0.0', fmt(momentRate), '/s', '', null]);
rows.push(['Warm engine ÷ minute-stepping reference', `${fmt(warm / refRate)}×`, '', '', null]);
rows.push(['Warm engine ÷ moment-business-time', `${fmt(warm / momentRate)}×`, '', '≥ 1,000×', warm / momentRate >= 1000]);
rows.push(['Cold engine ÷ moment-business-time', `${fmt(cold / momentRate)}×`, '', '', null]);

// --- evaluations -------------------------------------------------------------------------------
log('ticket evaluations (in separate processes)...');
const EV = quick ? 50_000 : 200_000;
const PROCS = quick ? 3 : 5;
const runs = [];
for (let i = 0; i < PROCS; i++) {
  const out = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench', 'evaluate-worker.cjs'), String(EV)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`evaluate-worker exited ${code}`))));
  });
  runs.push(out);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const freshAll = runs.map((r) => r.fresh);
const againAll = runs.map((r) => r.again);
const fresh = Math.max(...freshAll);
const again = Math.max(...againAll);
rows.push([`Ticket evaluations, each timeline once (parsing its instants included): best of ${PROCS} processes`, fmt(fresh), '/s', '', null]);
rows.push([`Ticket evaluations, re-evaluated at a new "now" (a live countdown tick): best of ${PROCS} processes`, fmt(again), '/s', '≥ 500,000 /s', again >= 5e5]);
rows.push([`Ticket evaluations, re-evaluated: median of the ${PROCS} processes`, fmt(median(againAll)), '/s', '', null]);
const { rows: cyclesRows, how: cyclesHow } = await import('./cycles.mjs');
rows.push(...(await cyclesRows(root, log)));
const { rows: rulesRows, how: rulesHow } = await import('./rules.mjs');
rows.push(...(await rulesRows(root, log)));

// --- sla evaluate on a large file ------------------------------------------------------------------
const dir = mkdtempSync(join(os.tmpdir(), 'sla-bench-'));
const file = join(dir, 'tickets.jsonl');
log(`writing ${TICKETS.toLocaleString('en')} tickets...`);
await new Promise((resolve, reject) => {
  const out = createWriteStream(file);
  out.on('error', reject);
  const it = timelines(TICKETS, 3);
  const pump = () => {
    for (;;) {
      const n = it.next();
      if (n.done) return out.end(resolve);
      if (!out.write(JSON.stringify(n.value) + '\n')) return out.once('drain', pump);
    }
  };
  pump();
});
const bytes = statSync(file).size;
log('sla evaluate...');
const cli = await new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--require', join(root, 'bench', 'maxrss.cjs'), join(root, 'core', 'bin', 'sla.js'), 'evaluate', '--now', '2026-11-20T15:00:00Z', '--format', 'csv', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.on('error', reject);
  child.on('close', (code) => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const kb = Number(/MAXRSS_KB (\d+)/.exec(err)?.[1]);
    if (code !== 0) reject(new Error(`sla evaluate exited ${code}: ${err.slice(0, 500)}`));
    else resolve({ seconds, mb: kb / 1024 });
  });
});
rmSync(dir, { recursive: true, force: true });
rows.push([`\`sla evaluate\` on ${TICKETS.toLocaleString('en')} tickets (${(bytes / 1e6).toFixed(0)} MB of JSON lines): time`, cli.seconds.toFixed(1), 's', '', null]);
rows.push([`\`sla evaluate\` on ${TICKETS.toLocaleString('en')} tickets: peak RSS`, cli.mb.toFixed(0), 'MB', '< 300 MB', cli.mb < 300]);
rows.push([`\`sla evaluate\` throughput (read, validate, evaluate, write CSV)`, fmt(TICKETS / cli.seconds), 'tickets/s', '', null]);

// --- hostile inputs (issue 12) ---------------------------------------------------------------------
const { hostileRows } = await import('./hostile.mjs');
rows.push(...(await hostileRows(root, log)));

// --- the Zendesk sidebar ---------------------------------------------------------------------------
log('zendesk sidebar...');
const { zendeskRows, how: zendeskHow } = await import('./zendesk.mjs');
rows.push(...(await zendeskRows(root, log)));

// --- the Forge app -------------------------------------------------------------------------------------
log('forge app...');
const { forgeRows, how: forgeHow } = await import('./forge.mjs');
rows.push(...(await forgeRows(root, log)));

// --- the Zendesk service --------------------------------------------------------------------------------
const { zendeskServiceRows } = await import('./zendesk-service.mjs');
rows.push(...(await zendeskServiceRows(root, log)));
const outcomeReport = await import('./outcome-report.mjs');
rows.push(...(await outcomeReport.rows(root, log)));
const { serviceFairnessRows } = await import('./service-fairness.mjs');
rows.push(...(await serviceFairnessRows(root, log)));
const { embeddedStoreRows, embeddedStoreHow } = await import('./embedded-store.mjs');
rows.push(...(await embeddedStoreRows(root, log)));

// --- the workbench -------------------------------------------------------------------------------------
const { workbenchRows } = await import('./workbench.mjs');
rows.push(...(await workbenchRows(root, log)));

// --- report ----------------------------------------------------------------------------------------
function fmt(x) {
  return x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1);
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const md = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\`${quick ? ' (--quick: smaller samples)' : ''} on ${new Date().toISOString().slice(0, 10)}. Throughputs are operations per CPU second of one core, the best of several rounds.`,
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}.`,
  '',
  '| Measure | Figure | Unit | Target | Met |',
  '| --- | ---: | --- | --- | --- |',
  ...rows.map(tableRow),
  '',
  '## How it is measured',
  '',
  '- Due additions: `Calendar.addWorking` on KIWI STAGE+ business hours (Mon–Fri 08:30–16:30 America/Toronto), 1,048,576 starts spread over 2026 and targets of 1 to 16 working hours. Warm: the year tables are compiled. Cold: a new calendar for every call, so each call compiles its year.',
  '- The minute-stepping reference is `test/reference/minute-calendar.cjs`, the same one the property tests use; the run checks that it and the engine agree on the sampled due times.',
  '- moment-business-time is a dev dependency used only here, on the same hours (it computes in the machine zone, so its answers are not compared, only its speed).',
  `- Evaluations: \`evaluate()\` on ${EV.toLocaleString('en')} generated KIWI timelines (bench/generate.cjs), validated beforehand, in ${PROCS} separate processes one after another (bench/evaluate-worker.cjs): on this shared VM a whole process can land on a slow core and run about 1.6 times slower in every function, so the table gives the best and the median. \"Each timeline once\" uses fresh objects so nothing is cached; \"re-evaluated\" is what a sidebar or a scheduled check does on every tick, when the timeline's instants are already parsed.`,
  '- `sla evaluate`: the real command line in a child process, output to /dev/null as CSV; peak RSS from `process.resourceUsage().maxRSS` at exit.',
  '- Hostile inputs (bench/hostile.mjs): the largest policy is core/test/fixtures/largest-policy.cjs, every count at its limit in core/src/limits.ts, linted after a fresh parse each round; the busy ticket alternates open and pending every minute, 20,000 times, under KIWI STAGE+; the 200 MB line is one timeline whose impact is 200 MB of text, between two ordinary lines.',
  forgeHow,
  '- Zendesk service and backfill: the code compiled by the workbench build, against the Zendesk REST emulator (test/zendesk/rest-emulator.ts) on loopback HTTP in the same process, so the figures include the emulator\'s own work. Deliveries carry real signatures. Webhook answers: 5,000 deliveries from a child process, 500 at once on 500 kept-alive connections, timed from the request to the end of the answer, while the worker works the same queue in the service\'s process; PostgreSQL is a throw-away local cluster (test/zendesk-service/pg-cluster.ts), PGlite runs in memory in the service\'s process (each statement runs synchronously; the service gives the event loop a turn before each, or queued statements would keep it from its sockets for a second at a time). Transition lag: 10,000 tickets under test/zendesk-service/fast-24x7.yaml delivered first, each at risk at its own instant over 20 s on the real clock; the lag is when the emulator receives the write minus the instant; the worker looks every second. The backfill reads history from the ticket-events export and tickets from the cursor export, and writes with update_many (100 a job, polled together); its requests are counted by the emulator. Against a real Zendesk the rate limit decides the pace: at about 12 requests per 1,000 tickets, a 700-a-minute plan allows some 58,000 tickets a minute, and the incremental exports allow 10 requests a minute.',
  embeddedStoreHow,
  outcomeReport.how,
  cyclesHow,
  rulesHow,
  '- Workbench: `npm start -- --port 0` (its install-and-build check finds everything up to date: the builds are skipped when their stamps are newer than their sources), and `node workbench/.build/workbench/src/server.js --port 0` (the compiled server) alone, each in a child process, timed from the spawn to the end of the first `GET /`. With `--reset` it builds the sample desk (each story\'s age is searched with the engine) and runs the Forge trigger on every issue.',
  zendeskHow,
  '',
];
writeFileSync(join(root, 'docs', 'benchmarks.md'), md.join('\n'));
log(md.join('\n'));
if (sink === 42) log(''); // keeps the results alive, so nothing measured is optimised away

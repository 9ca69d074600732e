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
const TICKETS = quick ? 50_000 : 1_000_000;
const rows = [];
const log = (s) => process.stderr.write(`${s}\n`);

function best(rounds, fn) {
  let top = 0;
  for (let r = 0; r < rounds; r++) top = Math.max(top, fn());
  return top;
}

function rate(n, fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
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
let sink = 0;
const warm = best(5, () => rate(5 * N, () => {
  for (let k = 0; k < 5; k++) for (let i = 0; i < N; i++) sink += warmCal.addWorking(starts[i], durs[i]);
}));

log('due additions (cold: first call on a new calendar)...');
const cold = best(3, () => rate(200, () => {
  for (let i = 0; i < 200; i++) sink += cal().addWorking(starts[i], durs[i]);
}));

log('minute-stepping reference...');
const refSpec = { zone: 'America/Toronto', weekly: [[], [[510, 990]], [[510, 990]], [[510, 990]], [[510, 990]], [[510, 990]], []], holidays: [] };
const refN = quick ? 10 : 40;
const refRate = rate(refN, () => {
  for (let i = 0; i < refN; i++) sink += reference.due(refSpec, Math.floor(starts[i] / 60000) * 60000, durs[i] / 60000);
});
// The reference and the engine must agree on what they computed.
for (let i = 0; i < 10; i++) {
  const s = Math.floor(starts[i] / 60000) * 60000;
  if (reference.due(refSpec, s, durs[i] / 60000) !== warmCal.addWorking(s, durs[i])) throw new Error('engine and reference disagree');
}

log('moment-business-time...');
moment.updateLocale('en', { workinghours: { 0: null, 1: ['08:30:00', '16:30:00'], 2: ['08:30:00', '16:30:00'], 3: ['08:30:00', '16:30:00'], 4: ['08:30:00', '16:30:00'], 5: ['08:30:00', '16:30:00'], 6: null } });
const mN = quick ? 2000 : 20000;
const momentRate = best(3, () => rate(mN, () => {
  for (let i = 0; i < mN; i++) sink += moment(starts[i]).addWorkingTime(durs[i] / 3_600_000, 'hours').valueOf();
}));

rows.push(['Due additions, warm cache', fmt(warmCal && warm), '/s', '≥ 5,000,000 /s', warm >= 5e6]);
rows.push(['Due additions, cold (first call on a new calendar, compiles its year)', fmt(cold), '/s', '', null]);
rows.push(['Minute-stepping reference', fmt(refRate), '/s', '', null]);
rows.push(['moment-business-time 2.0.0', fmt(momentRate), '/s', '', null]);
rows.push(['Warm engine ÷ minute-stepping reference', `${fmt(warm / refRate)}×`, '', '', null]);
rows.push(['Warm engine ÷ moment-business-time', `${fmt(warm / momentRate)}×`, '', '≥ 1,000×', warm / momentRate >= 1000]);
rows.push(['Cold engine ÷ moment-business-time', `${fmt(cold / momentRate)}×`, '', '', null]);

// --- evaluations -------------------------------------------------------------------------------
log('ticket evaluations...');
const policy = loadPolicy('kiwi-stage-plus');
const EV = 200_000;
const list = [...timelines(EV, 11)].map((t) => core.TimelineSchema.parse(t));
const now = Date.UTC(2026, 10, 20, 15);
for (let i = 0; i < EV; i++) core.evaluate(policy, list[i], now);
const fresh = best(3, () => {
  const copies = list.map((t) => ({ ...t }));
  return rate(EV, () => {
    for (let i = 0; i < EV; i++) sink += core.evaluate(policy, copies[i], now).metrics.length;
  });
});
const again = best(3, () => rate(EV, () => {
  for (let i = 0; i < EV; i++) sink += core.evaluate(policy, list[i], now + i).metrics.length;
}));
rows.push(['Ticket evaluations, each timeline once (parsing its instants included)', fmt(fresh), '/s', '', null]);
rows.push(['Ticket evaluations, re-evaluated at a new "now" (a live countdown tick)', fmt(again), '/s', '≥ 500,000 /s', again >= 5e5]);

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

// --- report ----------------------------------------------------------------------------------------
function fmt(x) {
  return x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1);
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const md = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\`${quick ? ' (--quick: smaller samples)' : ''} on ${new Date().toISOString().slice(0, 10)}. Throughputs are the best of several rounds on one core.`,
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}.`,
  '',
  '| Measure | Figure | Unit | Target | Met |',
  '| --- | ---: | --- | --- | --- |',
  ...rows.map(([name, fig, unit, target, ok]) => `| ${name} | ${fig} | ${unit} | ${target} | ${ok === null ? '' : ok ? 'yes' : '**no**'} |`),
  '',
  '## How it is measured',
  '',
  '- Due additions: `Calendar.addWorking` on KIWI STAGE+ business hours (Mon–Fri 08:30–16:30 America/Toronto), 1,048,576 starts spread over 2026 and targets of 1 to 16 working hours. Warm: the year tables are compiled. Cold: a new calendar for every call, so each call compiles its year.',
  '- The minute-stepping reference is `test/reference/minute-calendar.cjs`, the same one the property tests use; the run checks that it and the engine agree on the sampled due times.',
  '- moment-business-time is a dev dependency used only here, on the same hours (it computes in the machine zone, so its answers are not compared, only its speed).',
  `- Evaluations: \`evaluate()\` on ${EV.toLocaleString('en')} generated KIWI timelines (bench/generate.cjs), validated beforehand. "Each timeline once" uses fresh objects so nothing is cached; "re-evaluated" is what a sidebar does every second, when the timeline's instants are already parsed.`,
  '- `sla evaluate`: the real command line in a child process, output to /dev/null as CSV; peak RSS from `process.resourceUsage().maxRSS` at exit.',
  '',
];
writeFileSync(join(root, 'docs', 'benchmarks.md'), md.join('\n'));
log(md.join('\n'));
if (sink === 42) log('');

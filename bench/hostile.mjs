// Issue 12's figures: lint of the largest policy the schema accepts, evaluation of a ticket with
// 20,000 status changes, and `sla evaluate` on a file with a 200 MB line. Speed is shown here,
// never in a timed test.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function timed(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// Each measurement runs in a process of its own: after the rest of the bench, a long-lived
// process's heap and JIT state made the same evaluation two or three times slower.
function lintFigures(root) {
  const core = require(join(root, 'core', 'dist', 'index.js'));
  const { largestPolicy } = require(join(root, 'core', 'test', 'fixtures', 'largest-policy.cjs'));
  const text = JSON.stringify(largestPolicy(core.LIMITS));
  const { policy, problems } = core.parsePolicy(text);
  if (!policy) throw new Error(`the largest policy is refused: ${problems[0].path}: ${problems[0].message}`);
  // Each round on a fresh parse, so no calendar built by an earlier round is reused.
  const lint = [];
  const check = [];
  for (let i = 0; i < 7; i++) {
    const fresh = core.parsePolicy(text).policy;
    lint.push(timed(() => core.lintPolicy(fresh)));
    check.push(timed(() => core.checkPolicyText(text)));
  }
  return { kb: Buffer.byteLength(text) / 1024, limits: core.LIMITS, lint: median(lint), check: median(check) };
}

function evalFigures(root) {
  const core = require(join(root, 'core', 'dist', 'index.js'));
  const { loadPolicy } = require(join(root, 'core', 'dist', 'presets.js'));
  const kiwi = loadPolicy('kiwi-stage-plus');
  const created = Date.UTC(2026, 0, 5, 14);
  const events = [];
  for (let i = 0; i < 20_000; i++) events.push({ type: 'field', field: 'status', value: i % 2 ? 'pending' : 'open', at: new Date(created + (i + 1) * 60_000).toISOString() });
  const tl = core.TimelineSchema.parse({ id: 'busy', createdAt: new Date(created).toISOString(), fields: { impact: '2', urgency: '2', tier: 'plus', status: 'open' }, events });
  const now = created + 30 * 86_400_000;
  const fresh = [];
  const again = [];
  for (let i = 0; i < 31; i++) {
    const copy = { ...tl, events: tl.events.slice() };
    fresh.push(timed(() => core.evaluate(kiwi, copy, now)));
    again.push(timed(() => core.evaluate(kiwi, copy, now + 1000)));
  }
  return { fresh: median(fresh), again: median(again) };
}

function inChild(root, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', what, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`bench/hostile.mjs --worker ${what} exited ${code}`))));
  });
}

if (process.argv[2] === '--worker') {
  const [what, root] = process.argv.slice(3);
  process.stdout.write(JSON.stringify(what === 'lint' ? lintFigures(root) : evalFigures(root)));
}

export async function hostileRows(root, log) {
  const rows = [];
  log('lint of the largest policy the schema accepts...');
  const l = await inChild(root, 'lint');
  const { limits } = l;
  rows.push([`Lint of the largest policy the schema accepts (${l.kb.toFixed(0)} KB: ${limits.tiers} tiers × ${limits.priorities} priorities × ${limits.metrics} metrics, ${limits.calendars} calendars of ${limits.windowsPerDay} windows a day and ${limits.holidaysPerCalendar} holidays): median of 7`, l.lint.toFixed(0), 'ms', '< 200 ms', l.lint < 200]);
  rows.push(['`sla check` of that policy in process (YAML parse, schema, lint): median of 7', l.check.toFixed(0), 'ms', '', null]);

  log('evaluation at 20,000 status changes...');
  const e = await inChild(root, 'eval');
  rows.push(['Evaluation of a ticket with 20,000 status changes, first time (its instants parsed): median of 31', e.fresh.toFixed(1), 'ms', '< 10 ms', e.fresh < 10]);
  rows.push(['Evaluation of that ticket again at a new "now" (a live countdown tick): median of 31', e.again.toFixed(1), 'ms', '< 10 ms', e.again < 10]);

  log('sla evaluate on a file with a 200 MB line...');
  const dir = mkdtempSync(join(os.tmpdir(), 'sla-bench-long-'));
  const file = join(dir, 'long.jsonl');
  const ok = (id) => JSON.stringify({ id, createdAt: '2026-11-20T14:00:00Z', fields: { impact: '1', urgency: '1', tier: 'plus' } });
  await new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    const mb = Buffer.alloc(1 << 20, 0x78);
    let left = 200;
    out.write(`${ok('before')}\n{"id":"long","createdAt":"2026-11-20T14:00:00Z","fields":{"impact":"`);
    const pump = () => {
      while (left > 0) {
        left--;
        if (!out.write(mb)) return out.once('drain', pump);
      }
      out.end(`"}}\n${ok('after')}\n`, resolve);
    };
    pump();
  });
  const small = join(dir, 'one.jsonl');
  writeFileSync(small, `${ok('only')}\n`);
  const base = await slaEvaluate(root, small, 0);
  const cli = await slaEvaluate(root, file, 2);
  rmSync(dir, { recursive: true, force: true });
  rows.push(['`sla evaluate` on a file with a 200 MB line (reported with its line number and skipped; the other lines evaluated): time', cli.seconds.toFixed(2), 's', '', null]);
  rows.push([`\`sla evaluate\` on a file with a 200 MB line: peak RSS (on a one-line file: ${base.mb.toFixed(0)} MB)`, cli.mb.toFixed(0), 'MB', `< ${(base.mb + 64).toFixed(0)} MB (one-line + 64)`, cli.mb < base.mb + 64]);
  return rows;
}

/** Runs `sla evaluate` on a file as a user would; the long record must be reported by its line, and the others evaluated. */
function slaEvaluate(root, file, expectCode) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', join(root, 'bench', 'maxrss.cjs'), join(root, 'core', 'bin', 'sla.js'), 'evaluate', '--now', '2026-11-20T15:00:00Z', '--format', 'csv', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const kb = Number(/MAXRSS_KB (\d+)/.exec(err)?.[1]);
      const reported = expectCode === 0 || (err.includes('line 2: the record is') && out.includes('after,'));
      if (code !== expectCode || !reported) reject(new Error(`sla evaluate ${file}: exit ${code}: ${err.slice(0, 300)}`));
      else resolve({ seconds, mb: kb / 1024 });
    });
  });
}

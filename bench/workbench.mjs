// The workbench's start time for npm run bench: from spawning `npm start` (dependencies installed,
// builds up to date) to the first page served, and the server alone (what `npm start` runs after
// its install-and-build check), with a fresh sample desk and with the stored one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

async function firstPage(root, data, args, viaNpm = false) {
  const t0 = process.hrtime.bigint();
  // Through npm, the server is a grandchild: start a process group, and end the whole group.
  const proc = viaNpm
    ? spawn('npm', ['start', '--silent', '--', '--port', '0', '--data', data, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
    : spawn(process.execPath, [join(root, 'workbench', '.build', 'workbench', 'src', 'server.js'), '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`workbench exited with ${code}`)));
  });
  const res = await fetch(url);
  await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const exited = new Promise((r) => proc.once('exit', r));
  if (viaNpm) process.kill(-proc.pid, 'SIGTERM');
  else proc.kill();
  await exited;
  if (!res.ok) throw new Error(`first page: ${res.status}`);
  return ms;
}

export async function workbenchRows(root, log) {
  const data = mkdtempSync(join(os.tmpdir(), 'sla-desk-bench-wb-'));
  try {
    log('workbench start...');
    const fresh = [];
    const stored = [];
    for (let i = 0; i < 3; i++) fresh.push(await firstPage(root, data, ['--reset']));
    for (let i = 0; i < 3; i++) stored.push(await firstPage(root, data, []));
    const npmStart = [];
    for (let i = 0; i < 3; i++) npmStart.push(await firstPage(root, data, [], true));
    const best = (xs) => Math.min(...xs).toFixed(0);
    return [
      ['Workbench: start to first page served, sample desk rebuilt (`--reset`), best of 3', best(fresh), 'ms', '', null],
      ['Workbench: start to first page served, desk read from its store, best of 3', best(stored), 'ms', '', null],
      ['Workbench: `npm start` to first page served (dependencies installed, builds up to date: its install-and-build check included), best of 3', best(npmStart), 'ms', '', null],
    ];
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

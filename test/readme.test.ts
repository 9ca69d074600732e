import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * The README runs as written: every command in its shell blocks is run from the repository root,
 * as a reader would paste it, and must succeed; every YAML block must pass `sla check`. A command
 * the README adds without this test knowing what to do with it fails the test.
 */
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'sla-readme-'));

function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  for (let m = re.exec(README); m; m = re.exec(README)) out.push(m[1]);
  return out;
}

/** Commands of a shell block: continuation lines joined, comments dropped. */
function commands(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

const ALL = blocks('sh').flatMap(commands);
// The suite runs twice, under two zones. Builds and the server do not depend on the zone and take
// most of this test's time: they run in the UTC pass only; the sla commands run in both.
const SLOW = (c: string) => c.startsWith('npm ');
const utcPass = (process.env.TZ ?? 'UTC') === 'UTC';
const slowTest = utcPass ? test : test.skip;
// Files the README's commands create, removed after the test when they did not exist before.
const CREATED = ['my-holidays.yaml'];
const existed = new Set(CREATED.filter((f) => existsSync(join(ROOT, f))));

afterAll(() => {
  for (const f of CREATED) if (!existed.has(f)) rmSync(join(ROOT, f), { force: true });
  rmSync(tmp, { recursive: true, force: true });
});

test('the README has the commands this test expects to run', () => {
  expect(ALL.length).toBeGreaterThanOrEqual(10);
  expect(ALL).toContain('npm start');
  expect(ALL).toContain('npm test');
});

describe.each(ALL.filter((c) => c !== 'npm start' && c !== 'npm test'))('%s', (cmd) => {
  (SLOW(cmd) ? slowTest : test)('runs from the repository root and succeeds', () => {
    const r = spawnSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    if (r.status !== 0) throw new Error(`${cmd}\nexit ${r.status}\n${r.stderr.slice(-2000)}`);
    expect(r.status).toBe(0);
  });
});

slowTest('npm start serves the workbench (on a free port and a scratch desk, so it runs beside another)', async () => {
  // The README's own flags: --port 0 picks a free port, --data stores the desk elsewhere.
  const proc = spawn('npm', ['start', '--', '--port', '0', '--data', join(tmp, 'desk')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 240_000);
      const on = (d: Buffer) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout!.on('data', on);
      proc.stderr!.on('data', on);
      proc.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
    const desk = await (await fetch(`${url}/api/desk`)).json();
    expect(desk.tickets.length).toBeGreaterThan(0);
  } finally {
    // npm runs node in a child: end the whole group this test started.
    process.kill(-proc.pid!, 'SIGTERM');
  }
});

test('npm test is the suite itself: it is not run from inside it, but its script is there', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.test).toBe('node scripts/test.mjs');
  expect(existsSync(join(ROOT, 'scripts', 'test.mjs'))).toBe(true);
});

test('every YAML block is a policy that sla check accepts with no error or warning', () => {
  const yamls = blocks('yaml');
  expect(yamls.length).toBeGreaterThan(0);
  yamls.forEach((y, i) => {
    const file = join(tmp, `readme-${i}.yaml`);
    writeFileSync(file, y);
    const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), 'check', file], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/0 error\(s\), 0 warning\(s\)/);
    expect(r.status).toBe(0);
  });
});

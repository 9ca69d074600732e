// Runs every test twice: under TZ=UTC and under a half-hour zone, because results must never depend
// on the machine's zone. Extra arguments go to jest (e.g. a test name pattern).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const zones = ['UTC', 'America/St_Johns'];
// Suites with no clock in them (the manifest's and the package's offline checks, the embedded
// store's files on disk) run in the first pass only: the other zone cannot change what they prove,
// and the suite must stay within CI's ten minutes on two cores.
const ONE_ZONE = ['forge-app/test/manifest\\.test\\.ts', 'zendesk-app/test/package\\.test\\.ts', 'test/zendesk-service/pglite-store\\.test\\.ts'];
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const dir = mkdtempSync(join(tmpdir(), 'sla-test-'));
let passed = 0;
let failed = 0;
let ok = true;
for (const tz of zones) {
  console.log(`\n=== jest under TZ=${tz}`);
  const out = join(dir, `${tz.replace('/', '_')}.json`);
  const once = tz === zones[0] ? [] : ONE_ZONE.map((p) => `--testPathIgnorePatterns=${p}`);
  const r = spawnSync(process.execPath, [jest, '--ci', `--json`, `--outputFile=${out}`, ...once, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TZ: tz },
  });
  try {
    const res = JSON.parse(readFileSync(out, 'utf8'));
    passed += res.numPassedTests;
    failed += res.numFailedTests;
    if (res.numTotalTests === 0) ok = false;
  } catch {
    ok = false;
  }
  if (r.status !== 0) ok = false;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);

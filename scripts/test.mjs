// Runs every test twice: under TZ=UTC and under a half-hour zone, because results must never depend
// on the machine's zone. Extra arguments go to jest (e.g. a test name pattern).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const zones = ['UTC', 'America/St_Johns'];
// Suites that prove no reading of a clock run in the first pass only: the other zone cannot change
// what they prove, and the suite must stay within CI's ten minutes on two cores. They are the
// manifest's and the package's offline checks, the embedded store's files on disk, the Forge SQL
// stand-in's contract, the workbench server's HTTP answers (instants in UTC ISO), the backfill's
// export paging and crash resume, the service's hardening against slow or hostile callers, and the
// Marketplace's OAuth flows. What they evaluate runs through the same core and service code that the
// other suites check in both zones.
const ONE_ZONE = [
  'forge-app/test/manifest\\.test\\.ts',
  'forge-app/test/forge-sql\\.test\\.ts',
  'zendesk-app/test/package\\.test\\.ts',
  'test/zendesk-service/pglite-store\\.test\\.ts',
  'test/zendesk-service/backfill\\.test\\.ts',
  'test/zendesk-service/hardening\\.test\\.ts',
  'test/zendesk-service/marketplace\\.test\\.ts',
  'test/workbench/server\\.test\\.ts',
  'test/workbench/marketplace\\.browser\\.test\\.ts',
];
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

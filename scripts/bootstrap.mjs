// Makes a fresh clone runnable: installs what is missing, then builds. `npm start`, `npm test`
// and `npm run bench` call it first, so each works as the very first command.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILDS, isFresh, markBuilt } from './builds.mjs';
import { findBrowser } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || mtime(lock) > mtime(installed)) {
  // Not `npm ci`: npm 11 leaves other platforms' optional native packages (jest's resolver
  // bindings) out of the lock, and then `npm ci` refuses the lock it wrote. `npm install` follows
  // the lock for everything it does record.
  console.error('[bootstrap] installing dependencies (npm install)...');
  run('npm install --no-audit --no-fund');
}
// Forge SQL's stand-in (test/jira/forge-sql.ts) is Debian's MariaDB server: the Forge app's tests,
// the workbench's Jira report and the bench run it. Installed here when missing and this is root on
// Debian; otherwise say how to get it, and go on (the Zendesk side needs none).
const mariadb = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', process.env.MARIADB_BIN && join(process.env.MARIADB_BIN, 'mariadbd')].filter(Boolean);
if (!mariadb.some((p) => existsSync(p))) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.error("[bootstrap] installing Debian's mariadb-server-core (Forge SQL's stand-in)...");
    try {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      execSync('apt-get update -qq && apt-get install -y -qq --no-install-recommends mariadb-server-core', { stdio: ['ignore', 'ignore', 'inherit'], env });
    } catch (e) {
      console.error(`[bootstrap] could not install mariadb-server-core: ${e.message}`);
    }
  } else {
    console.error("[bootstrap] no MariaDB server: install Debian's mariadb-server-core (or set MARIADB_BIN), or the Forge app's reports will not run");
  }
}
// tsc -b is incremental: a no-op when nothing changed.
run('npx --no-install tsc -b');

// The other builds are skipped when their stamp is newer than every file they read
// (scripts/builds.mjs), so a second `npm start` starts in about a second instead of rebuilding the apps.
for (const b of BUILDS) {
  if (isFresh(b)) continue;
  run(`npm run build --silent -w ${b.workspace}`);
  markBuilt(b);
}
// The browser tests and the bench need a Chromium: the system's, else the one the npm package
// @sparticuz/chromium carries. Unpacking it here, once, keeps parallel test workers from each
// unpacking their own. Only a warning when there is none: `npm start` needs no browser.
try {
  const browser = await findBrowser();
  if (browser) console.error(`[bootstrap] browser: ${browser.path} (${browser.source})`);
  else console.error('[bootstrap] no browser found: the browser tests will fail (set CHROMIUM_PATH or run npm install)');
} catch (e) {
  console.error(`[bootstrap] no browser: ${e.message}`);
}

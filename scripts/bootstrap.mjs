// Makes a fresh clone runnable: installs what is missing, then builds. `npm start`, `npm test`
// and `npm run bench` call it first, so each works as the very first command.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
// tsc -b is incremental: a no-op when nothing changed.
run('npx --no-install tsc -b');
// The Zendesk app's dist/ is what its tests, zcli apps:server and the package use.
run('npm run build --silent -w zendesk-app');
// The Forge app carries the presets as JSON.
run('npm run build --silent -w forge-app');
// The workbench runs the apps' own code on emulated hosts: compile it, and bundle the Forge UI.
run('npm run build --silent -w workbench');

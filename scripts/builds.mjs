// The builds the bootstrap runs, each with the files it reads and the stamp it leaves: a build
// whose stamp is newer than all of them (and than the last install) has nothing to do.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CORE = ['core/src', 'core/presets', 'core/package.json'];

export const BUILDS = [
  // The Zendesk app's dist/ is what its tests, zcli apps:server and the package use; service/dist is its service.
  { workspace: 'zendesk-app', stamp: 'zendesk-app/dist/.built', inputs: [...CORE, 'zendesk-app/src', 'zendesk-app/service/src', 'zendesk-app/scripts', 'zendesk-app/vite.config.mjs', 'zendesk-app/package.json', 'zendesk-app/tsconfig.json'] },
  // The Forge app carries the presets as JSON.
  { workspace: 'forge-app', stamp: 'forge-app/.built', inputs: [...CORE, 'forge-app/scripts', 'forge-app/package.json'] },
  // The workbench runs the apps' own code on emulated hosts: compiled with its own server, and the Forge UI bundled.
  {
    workspace: 'workbench',
    stamp: 'workbench/.build/.built',
    inputs: [...CORE, 'forge-app/src', 'zendesk-app/src', 'zendesk-app/service/src', 'test/jira', 'test/zendesk', 'test/zendesk-service/pg-cluster.ts', 'workbench/src', 'workbench/ui', 'workbench/scripts', 'workbench/tsconfig.json', 'tsconfig.base.json'],
  },
];

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** The newest modification under `paths` (relative to the repository), leaving out dependencies, outputs and dot files. */
function newest(paths) {
  let t = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (!st.isDirectory()) return void (t = Math.max(t, st.mtimeMs));
    for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'dist' && !e.startsWith('.')) walk(join(p, e));
  };
  for (const p of paths) walk(join(root, p));
  return t;
}

export const buildOf = (workspace) => BUILDS.find((b) => b.workspace === workspace);

export function isFresh(build) {
  return mtime(join(root, build.stamp)) > Math.max(newest(build.inputs), mtime(join(root, 'node_modules', '.package-lock.json')));
}

/** Leaves the build's stamp; `at` is where its output is while it is being written (the Zendesk app's dist.next-*). */
export function markBuilt(build, at = join(root, build.stamp)) {
  mkdirSync(dirname(at), { recursive: true });
  writeFileSync(at, new Date().toISOString());
}

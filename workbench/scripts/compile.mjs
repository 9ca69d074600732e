// Compiles, and type-checks, what the workbench runs on Node: its own server (workbench/src) and the
// apps' code its hosts load (Forge resolvers and triggers, the ZAF adapter, the service, the
// emulators). A type error fails the build. A plain script, so that it runs before anything is compiled.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** `outDir`: elsewhere than workbench/.build (npm run bench compiles a copy of its own). */
export function compileHosts(root, outDir) {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(root, 'workbench', 'tsconfig.json')];
  if (outDir) args.push('--outDir', outDir);
  execFileSync(process.execPath, args, { stdio: 'inherit' });
}

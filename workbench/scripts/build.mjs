// Builds what the workbench runs besides the apps' own dist: its server and the host code compiled
// for Node (Forge resolvers and triggers, the ZAF audit adapter, the Jira emulator) and the Forge app's UI
// (its panel, glance and SLA report) bundled for the browser against the workbench's UI Kit renderer.
import { existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { compileHosts } from './compile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const wb = join(here, '..');
const root = join(wb, '..');

rmSync(join(wb, '.build'), { recursive: true, force: true });
compileHosts(root);
// The compiled code lives in .build/<package>/, away from its package, so it would find only the
// root's node_modules: a dependency the package holds apart (the service's lru-cache 11, where the
// root holds 5) would resolve to another version. Each package's own node_modules sits beside it.
for (const pkg of readdirSync(join(wb, '.build'))) {
  const own = join(root, pkg, 'node_modules');
  const dir = join(wb, '.build', pkg);
  if (existsSync(own)) symlinkSync(relative(dir, own), join(dir, 'node_modules'), 'dir');
}

await build({
  configFile: false,
  logLevel: 'warn',
  root: wb,
  resolve: {
    alias: [
      { find: '@forge/react', replacement: join(wb, 'ui', 'forge-react.tsx') },
      { find: '@forge/bridge', replacement: join(wb, 'ui', 'forge-bridge.ts') },
      { find: /^@sla-desk\/core$/, replacement: join(root, 'core', 'src', 'index.ts') },
    ],
  },
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: join(wb, '.build', 'forge-ui'),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        panel: join(root, 'forge-app', 'src', 'frontend', 'panel.tsx'),
        glance: join(root, 'forge-app', 'src', 'frontend', 'glance.tsx'),
        'report-gadget': join(root, 'forge-app', 'src', 'frontend', 'report-gadget.tsx'),
        'report-page': join(root, 'forge-app', 'src', 'frontend', 'report-page.tsx'),
      },
      output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', format: 'es' },
    },
  },
});
console.log('[workbench] built .build (host code, Forge UI)');

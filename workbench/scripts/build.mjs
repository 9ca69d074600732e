// Builds what the workbench serves besides the apps' own dist: the host code compiled for Node
// (Forge resolvers and triggers, the ZAF audit adapter, the Jira emulator) and the Forge app's UI
// (its panel and glance) bundled for the browser against the workbench's UI Kit renderer.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { compileHosts } from '../src/forge-host.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const wb = join(here, '..');
const root = join(wb, '..');

rmSync(join(wb, '.build'), { recursive: true, force: true });
compileHosts(root);

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
      input: { panel: join(root, 'forge-app', 'src', 'frontend', 'panel.tsx'), glance: join(root, 'forge-app', 'src', 'frontend', 'glance.tsx') },
      output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', format: 'es' },
    },
  },
});
console.log('[workbench] built .build (host code, Forge UI)');

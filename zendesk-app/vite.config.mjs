import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src', import.meta.url));
const core = fileURLToPath(new URL('../core/src', import.meta.url));

// The pages and their scripts land in dist/assets, where manifest.json's location URLs point.
export default defineConfig({
  root: src,
  base: './',
  plugins: [react()],
  // Core from its TypeScript source, as ES modules, so that only what the sidebar uses is bundled;
  // the policy-document check (YAML, zod, lint) is its own chunk, loaded only when one is pasted,
  // and so are explain and the override's parts of core (loaded after the countdown shows). The
  // page's first script shows the countdown without React or Garden (app/first-view.ts), and asks
  // for the UI's chunks only then: nothing preloads them. (The page's CSS is inline in iframe.html:
  // a stylesheet to fetch would hold the scripts back until it came.)
  resolve: {
    alias: [
      { find: /^@sla-desk\/core$/, replacement: `${core}/index.ts` },
      { find: /^@sla-desk\/core\/lint$/, replacement: `${core}/lint.ts` },
    ],
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/assets', import.meta.url)),
    emptyOutDir: false,
    assetsDir: '.',
    sourcemap: process.env.SLA_SOURCEMAP === '1',
    // The sidebar, and SLA Desk's own page (the nav_bar location), each its own entry.
    rollupOptions: { input: [`${src}/iframe.html`, `${src}/nav.html`] },
  },
  logLevel: 'warn',
});

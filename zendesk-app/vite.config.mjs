import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src', import.meta.url));
const core = fileURLToPath(new URL('../core/src', import.meta.url));

// The sidebar page and its script land in dist/assets, where manifest.json's location URL points.
export default defineConfig({
  root: src,
  base: './',
  plugins: [react()],
  // Core from its TypeScript source, as ES modules, so that only what the sidebar uses is bundled;
  // the policy-document check (YAML, zod, lint) is its own chunk, loaded only when one is pasted.
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
    rollupOptions: { input: `${src}/iframe.html` },
  },
  logLevel: 'warn',
});

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src', import.meta.url));
const core = fileURLToPath(new URL('../core/src', import.meta.url));

/**
 * The page's first script (app/main.tsx) is small: it starts loading the ticket, then imports the
 * UI (app/ui.tsx: React, Garden, the engine). The page preloads the UI's chunks, so that they come
 * while the ticket loads instead of after the first script has run. (Its CSS is inline in
 * iframe.html: a stylesheet to fetch would hold the scripts back until it came.)
 */
function firstRender() {
  return {
    name: 'sla-desk-first-render',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle, path }) {
        // The sidebar's page only: SLA Desk's own page (nav.html) loads no sidebar UI.
        if (!bundle || !path.endsWith('iframe.html')) return html;
        const ui = Object.values(bundle).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/app/ui.tsx'));
        if (!ui) throw new Error('vite.config.mjs: no chunk for app/ui.tsx');
        const preload = [ui.fileName, ...ui.imports].filter((f) => !html.includes(`./${f}"`));
        return preload.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` }, injectTo: 'head' }));
      },
    },
  };
}

// The sidebar page and its script land in dist/assets, where manifest.json's location URL points.
export default defineConfig({
  root: src,
  base: './',
  plugins: [react(), firstRender()],
  // Core from its TypeScript source, as ES modules, so that only what the sidebar uses is bundled;
  // the policy-document check (YAML, zod, lint) is its own chunk, loaded only when one is pasted,
  // and so are explain and the override's parts of core (loaded after the countdown shows).
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

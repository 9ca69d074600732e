// The Zendesk sidebar's figures for npm run bench: ZAF round trips before the first render, the
// time from loading the iframe to a visible countdown (against an empty Garden page in the same
// run), and the JavaScript it ships, gzipped.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);

// For bench/run.mjs --only=zendesk: its rows and its bullet under "How it is measured".
export const ROW = /^\| (Zendesk sidebar:|Empty Garden page:|Sidebar ÷ empty Garden page)/;
export const HOW = '- Zendesk sidebar:';
export const how = `${HOW} the built zendesk-app/dist in headless Chromium with the ZAF emulator (test/zendesk). Round trips are waves of overlapping ZAF calls, each made to take 20 ms; load times come from the page's own clock (performance.now() when the first countdown is in the DOM), against an empty Garden page (ThemeProvider and one Tag) built with the same tools in the same run; sizes are gzip (zlib, default level) of the built files. The first render's JavaScript is the files the page fetched before its countdown was in the DOM (its resource list); "loaded later" is every other chunk but other pages' own scripts (nav.html's).`;
export const rows = (root, log) => zendeskRows(root, log);

export async function zendeskRows(root, log) {
  const { launch, serve, openSidebar } = require(join(root, 'test', 'zendesk', 'browser.cjs'));
  const { seedOf } = require(join(root, 'test', 'zendesk', 'seed.cjs'));
  const app = join(root, 'zendesk-app');
  const dist = join(app, 'dist');
  const rows = [];

  // JavaScript shipped, gzipped: the first render's is what the page fetched before its countdown
  // was in the DOM (measured below, from the page's own resource list); the rest loads later.
  const assets = readdirSync(join(dist, 'assets'));
  const gz = (f) => gzipSync(readFileSync(join(dist, 'assets', f))).length;
  const chunkName = (f) => f.replace(/-[A-Za-z0-9_-]{8}\.js$/, '');
  const sizeRows = (initialFiles) => {
    const initial = initialFiles.reduce((n, f) => n + gz(f), 0);
    // Another page's own script (nav.html's) is never the sidebar's.
    const otherPages = new Set(assets.filter((f) => f.endsWith('.html') && f !== 'iframe.html').flatMap((f) => [...readFileSync(join(dist, 'assets', f), 'utf8').matchAll(/<script type="module"[^>]* src="\.\/([^"]+)"/g)].map((m) => m[1])));
    const later = assets.filter((f) => f.endsWith('.js') && !initialFiles.includes(f) && !otherPages.has(f)).sort((a, b) => gz(a) - gz(b));
    return [
      ['Zendesk sidebar: JavaScript for the first render, gzipped (what the page fetches before the countdown shows, the bundled presets included)', (initial / 1024).toFixed(1), 'KB', '≤ 100 KB', initial <= 100 * 1024],
      ['Zendesk sidebar: JavaScript loaded later, gzipped (each chunk)', later.map((f) => `${chunkName(f)} ${(gz(f) / 1024).toFixed(1)}`).join(' + '), 'KB', '', null],
    ];
  };

  // An empty Garden page, built with the same tools, to compare load times with.
  log('building an empty Garden page...');
  const benchDir = join(app, '.bench');
  rmSync(benchDir, { recursive: true, force: true });
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(join(benchDir, 'iframe.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.tsx"></script></body></html>');
  writeFileSync(
    join(benchDir, 'main.tsx'),
    "import { createRoot } from 'react-dom/client';\nimport { ThemeProvider } from '@zendeskgarden/react-theming';\nimport { Tag } from '@zendeskgarden/react-tags';\ncreateRoot(document.getElementById('root')!).render(<ThemeProvider><Tag data-testid=\"countdown-empty\">ready</Tag></ThemeProvider>);\n",
  );
  // Resolved from the app, whose dev dependencies they are.
  const fromApp = createRequire(join(app, 'package.json'));
  const { build } = await import(fromApp.resolve('vite'));
  const react = (await import(fromApp.resolve('@vitejs/plugin-react'))).default;
  await build({ root: benchDir, base: './', plugins: [react()], logLevel: 'silent', build: { outDir: join(benchDir, 'dist', 'assets'), emptyOutDir: true, assetsDir: '.', rollupOptions: { input: join(benchDir, 'iframe.html') } } });

  const browser = await launch();
  const site = await serve(dist);
  const empty = await serve(join(benchDir, 'dist'));
  try {
    const seed = (latencyMs) => ({ ...seedOf({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' }), latencyMs });
    // Taken inside the page the moment the element enters the DOM, by the page's own clock
    // (performance.now() counts from navigation start). What the app does after that (sizing its
    // iframe) is not before the first render.
    const watch = (selector) => `new MutationObserver(() => {
      if (window.__visibleAt === undefined && document.querySelector('${selector}')) {
        window.__visibleAt = performance.now();
        window.__wavesAtRender = window.__zaf ? window.__zaf.state.waves : 0;
      }
    }).observe(document, { subtree: true, childList: true });`;
    const visit = async (url, seedValue, selector, now) => {
      const p = await openSidebar(browser, url, seedValue, { now, init: watch(selector) });
      await p.locator(selector).first().waitFor();
      const out = await p.evaluate(`({ at: window.__visibleAt, waves: window.__wavesAtRender,
        scripts: performance.getEntriesByType('resource').filter((r) => r.startTime < window.__visibleAt).map((r) => new URL(r.name).pathname.split('/').pop()) })`);
      await p.close();
      return out;
    };
    // Round trips before the first render, with each ZAF call taking 20 ms as a host call does.
    const { waves } = await visit(site.url, seed(20), '[data-testid^="countdown-"]', '2026-11-20T15:00:00Z');
    // The scripts fetched before the countdown shows, on the real clock (a fixed one stops performance.now()).
    const { scripts } = await visit(site.url, seed(20), '[data-testid^="countdown-"]');
    rows.push(...sizeRows(scripts.filter((f) => f.endsWith('.js') && assets.includes(f))));
    rows.push(['Zendesk sidebar: ZAF round trips before the first render', String(waves), '', '≤ 2', waves <= 2]);
    const timeTo = async (url, seedValue, selector) => (await visit(url, seedValue, selector)).at;
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const app = [];
    const base = [];
    for (let i = 0; i < 9; i++) {
      app.push(await timeTo(site.url, seed(0), '[data-testid^="countdown-"]'));
      base.push(await timeTo(empty.url, seed(0), '[data-testid="countdown-empty"]'));
    }
    rows.push(['Zendesk sidebar: iframe load to countdown visible (median of 9)', median(app).toFixed(0), 'ms', '', null]);
    rows.push(['Empty Garden page: load to first element visible (median of 9)', median(base).toFixed(0), 'ms', '', null]);
    const ratio = median(app) / median(base);
    rows.push(['Sidebar ÷ empty Garden page', `${ratio.toFixed(2)}×`, '', '≤ 1.5×', ratio <= 1.5]);
  } finally {
    await browser.close();
    await site.close();
    await empty.close();
    rmSync(benchDir, { recursive: true, force: true });
  }
  return rows;
}

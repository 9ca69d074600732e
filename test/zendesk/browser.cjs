'use strict';
// Headless Chromium and a loopback static server, shared by the browser tests and npm run bench.
const { createReadStream, existsSync, statSync } = require('fs');
const { createServer } = require('http');
const { spawnSync } = require('child_process');
const { extname, join, normalize } = require('path');
const { chromium } = require('playwright-core');

let found;
/**
 * The browser scripts/find-browser.mjs picks (CHROMIUM_PATH, a system Chromium on PATH, or the one
 * inside the npm package @sparticuz/chromium), asked once per process. A child process, since that
 * package is ESM and jest loads this file as CommonJS.
 */
function browserPath() {
  if (found === undefined) {
    const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'find-browser.mjs')], { encoding: 'utf8' });
    found = r.status === 0 ? JSON.parse(r.stdout).path : null;
    if (!found) throw new Error(`no browser: set CHROMIUM_PATH, install chromium, or run npm install (test/ depends on @sparticuz/chromium). ${r.stderr || ''}`.trim());
  }
  return found;
}

/** Started as this machine needs it (no sandbox as root, no background network). */
function launch() {
  return chromium.launch({
    executablePath: browserPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const TYPES = { '.html': 'text/html', '.js': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.json': 'application/json' };

/** Serves a directory over real HTTP on loopback. */
async function serve(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url || '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const SDK_URL = 'https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js';
const EMULATOR = require('fs').readFileSync(join(__dirname, 'zaf-emulator.js'), 'utf8');

/**
 * Zendesk's proxy for client.request to another domain ("Using secure settings",
 * developer.zendesk.com/documentation/apps/app-developer-guide/using-the-apps-framework/): with
 * `secure: true` it fills in {{setting.<name>}} from the installation's secure settings, for a host
 * the manifest's domainWhitelist names; otherwise the placeholder goes as typed. It runs here, in
 * Node, so that the secure value is never in the page. It refuses headers with underscores (HOSTS.md).
 */
function zafProxy({ secureSettings = {}, domainWhitelist = [] } = {}) {
  return async (options) => {
    const url = new URL(options.url);
    const secure = typeof secureSettings === 'function' ? secureSettings() : secureSettings;
    const fill = (text) => String(text).replace(/\{\{setting\.([a-z0-9_]+)\}\}/g, (all, name) => (options.secure && domainWhitelist.includes(url.hostname) && name in secure ? secure[name] : all));
    const headers = {};
    for (const [k, v] of Object.entries(options.headers || {})) {
      if (k.includes('_')) return { status: 400, statusText: 'Bad Request', text: `header ${k}: the proxy refuses underscores` };
      headers[k] = fill(v);
    }
    if (options.contentType) headers['content-type'] = options.contentType;
    const res = await fetch(fill(options.url), { method: options.type || 'GET', headers, body: options.data === undefined ? undefined : fill(options.data), redirect: 'manual' });
    return { status: res.status, statusText: res.statusText, contentType: res.headers.get('content-type') || '', text: await res.text() };
  };
}

/**
 * Opens the sidebar page with Zendesk's SDK routed to the ZAF emulator, seeded with `seed`.
 * `before(page)` runs before the page loads (a test's own routes).
 */
async function openSidebar(browser, siteUrl, seed, { now, viewport, init, page: html = 'iframe.html', proxy, before } = {}) {
  const page = await browser.newPage({ viewport: viewport || { width: 320, height: 560 } });
  if (now) await page.clock.setFixedTime(new Date(now));
  await page.route(SDK_URL, (route) => route.fulfill({ body: EMULATOR, contentType: 'application/javascript' }));
  await page.addInitScript(`window.__ZAF_SEED__ = ${JSON.stringify(seed)};`);
  if (init) await page.addInitScript(init);
  if (proxy) await page.exposeFunction('__zafProxy', zafProxy(proxy));
  if (before) await before(page);
  await page.goto(`${siteUrl}/assets/${html}?origin=https%3A%2F%2Fexample.zendesk.com&app_guid=test-guid`);
  return page;
}

module.exports = { browserPath, launch, serve, openSidebar, SDK_URL };

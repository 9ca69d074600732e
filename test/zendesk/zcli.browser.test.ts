import { spawn, type ChildProcess } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { createServer } from 'net';
import { dirname, join } from 'path';
import type { Browser } from 'playwright-core';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launch, openSidebar }: typeof import('./browser.cjs') = require('./browser.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seedOf }: typeof import('./seed.cjs') = require('./seed.cjs');

/**
 * The real `zcli apps:server` (@zendesk/zcli, a dev dependency) on zendesk-app/dist: what Zendesk's
 * own development server makes of the built app. It needs no account and no network. The test
 * checks the app description it serves (from manifest.json), the settings it gives the app (from
 * zcli.apps.config.json: a setting missing there would make zcli stop and ask for it), the assets
 * byte for byte, and then the sidebar as zcli serves it, in Chromium, with those settings.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'zendesk-app', 'dist');
const manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
const config = JSON.parse(readFileSync(join(DIST, 'zcli.apps.config.json'), 'utf8'));

let zcli: ChildProcess | undefined;
let base = '';
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  const bin = join(dirname(require.resolve('@zendesk/zcli/package.json')), 'bin', 'run');
  // stdin closed: were a setting missing from zcli.apps.config.json, zcli's prompt would fail the start.
  zcli = spawn(process.execPath, [bin, 'apps:server', DIST, '--port', String(port), '--bind', '127.0.0.1'], { cwd: join(ROOT, 'zendesk-app'), stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zcli apps:server did not start in 90 s:\n${output}`)), 90_000);
    const read = (d: Buffer) => {
      output += d.toString();
      if (/Apps server is running/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    zcli!.stdout!.on('data', read);
    zcli!.stderr!.on('data', read);
    zcli!.on('exit', (code) => reject(new Error(`zcli apps:server exited with ${code}:\n${output}`)));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  if (zcli?.pid && zcli.exitCode === null) zcli.kill('SIGTERM');
});

async function appJson() {
  const r = await fetch(`${base}/app.json`);
  expect(r.status).toBe(200);
  return (await r.json()) as { apps: Record<string, unknown>[]; installations: { settings: Record<string, unknown>[]; requirements: unknown[] }[] };
}

test('zcli serves the manifest: name, version, framework, locations', async () => {
  const { apps } = await appJson();
  expect(apps).toHaveLength(1);
  expect(apps[0]).toMatchObject({ name: manifest.name, version: manifest.version, framework_version: manifest.frameworkVersion, single_install: manifest.singleInstall, default_locale: manifest.defaultLocale, locations: manifest.location });
});

test('zcli gives the app every setting from zcli.apps.config.json, and installs no requirements', async () => {
  const { installations } = await appJson();
  const settings = Object.assign({}, ...installations[0].settings);
  expect(settings).toEqual({ title: manifest.name, ...config.parameters });
  // Every manifest parameter has a value, so zcli asks for nothing.
  for (const p of manifest.parameters as { name: string }[]) expect(Object.hasOwn(config.parameters, p.name)).toBe(true);
  // Local runs create no fields: the sidebar then uses the field_ids setting (README).
  expect(installations[0].requirements).toEqual([]);
});

test("zcli serves the app's assets as built, byte for byte", async () => {
  const { apps } = await appJson();
  const prefix = String(apps[0].asset_url_prefix).replace('localhost', '127.0.0.1');
  for (const file of readdirSync(join(DIST, 'assets'))) {
    const r = await fetch(prefix + file);
    expect({ file, status: r.status }).toEqual({ file, status: 200 });
    expect(Buffer.from(await r.arrayBuffer()).equals(readFileSync(join(DIST, 'assets', file)))).toBe(true);
  }
});

describe('in the browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('the sidebar, as zcli serves it, runs with the settings zcli gives it', async () => {
    const { apps, installations } = await appJson();
    const site = String(apps[0].asset_url_prefix).replace('localhost', '127.0.0.1').replace(/\/assets\/$/, '');
    const seed = seedOf({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' });
    // What ZAF's metadata() hands the app: the installation's settings.
    seed.settings = Object.assign({}, ...installations[0].settings);
    const page = await openSidebar(browser, site, seed, { now: '2026-11-20T15:00:00Z' });
    await page.getByTestId('priority-reason').waitFor();
    // policy_preset kiwi-stage-plus and lead group Triage came from zcli.apps.config.json.
    expect(await page.getByTestId('priority-reason').textContent()).toBe('Important × High → P2');
    await page.close();
  });
});

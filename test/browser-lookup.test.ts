import { spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { chromium } from 'playwright-core';

/**
 * A fresh machine has no system Chromium: the browser tests must still find one, and only from
 * the npm registry (the package @sparticuz/chromium carries the binary inside).
 */
jest.setTimeout(120_000);

const FIND = join(__dirname, '..', 'scripts', 'find-browser.mjs');
let bin: string;

beforeAll(() => {
  // A PATH that has node and nothing else; a zero-byte "chromium" stands for the /dev/null that
  // ../shared/tools/fresh-machine-test binds over the system's.
  bin = mkdtempSync(join(tmpdir(), 'sla-nobrowser-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  writeFileSync(join(bin, 'chromium'), '');
  chmodSync(join(bin, 'chromium'), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function find(env: Record<string, string | undefined>) {
  const clean = { ...process.env, CHROMIUM_PATH: undefined, ...env };
  const r = spawnSync(process.execPath, [FIND], { encoding: 'utf8', env: clean as NodeJS.ProcessEnv });
  return { status: r.status, found: r.stdout.trim() ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

test('with no Chromium on PATH the lookup falls back to the npm package, and that browser runs a page', async () => {
  const { found, status, stderr } = find({ PATH: bin });
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  expect(found.source).toBe('npm');
  expect(found.path).toContain('node_modules');
  const browser = await chromium.launch({ executablePath: found.path, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<p id="x"></p><script>document.getElementById("x").textContent = String(6 * 7)</script>');
    expect(await page.textContent('#x')).toBe('42');
  } finally {
    await browser.close();
  }
});

test('a Chromium on PATH is preferred to the packaged one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sla-browser-'));
  try {
    writeFileSync(join(dir, 'chromium-browser'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'chromium-browser'), 0o755);
    expect(find({ PATH: `${bin}:${dir}` }).found).toEqual({ path: join(dir, 'chromium-browser'), source: 'system' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CHROMIUM_PATH naming nothing is refused rather than silently replaced', () => {
  expect(find({ CHROMIUM_PATH: join(bin, 'missing') })).toMatchObject({ status: 1, found: null });
});

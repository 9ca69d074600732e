import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Browser } from 'playwright-core';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launch }: typeof import('../zendesk/browser.cjs') = require('../zendesk/browser.cjs');

export const ROOT = join(__dirname, '..', '..');

/**
 * For a browser test file: `npm start`'s server as a real process on a free port with a fresh desk
 * (`--reset`, in a directory of its own), and Debian's chromium; both stopped after the file.
 */
export function workbenchSession(name: string): { url(): string; browser(): Browser } {
  let server: ChildProcess;
  let url = '';
  let browser: Browser;
  let data: string;
  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), `sla-desk-${name}-`));
    server = spawn(process.execPath, [join(ROOT, 'workbench', '.build', 'workbench', 'src', 'server.js'), '--port', '0', '--data', data, '--reset'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      server.stderr!.on('data', (d) => (out += d));
      server.on('exit', (code) => reject(new Error(`workbench exited with ${code}: ${out}`)));
    });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    // Its stop ends the Forge SQL server it started, which still writes to the desk's directory.
    if (server?.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill();
      await exited;
    }
    rmSync(data, { recursive: true, force: true });
  });
  return { url: () => url, browser: () => browser };
}

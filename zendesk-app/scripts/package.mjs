// npm run package -w zendesk-app: the zip Zendesk accepts (what `zcli apps:package` would make):
// the contents of dist/ at the top level of the archive, manifest.json first.
import { createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(app, 'dist');
const out = join(app, 'tmp', 'sla-desk-zendesk.zip');

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

// zcli.apps.config.json holds local zcli settings, .built the build's stamp; Zendesk sees neither.
const list = files(dist).filter((f) => !f.endsWith('zcli.apps.config.json') && !f.endsWith('.built')).sort((a, b) => (a.endsWith('manifest.json') ? -1 : b.endsWith('manifest.json') ? 1 : a.localeCompare(b)));
mkdirSync(dirname(out), { recursive: true });
const zip = new yazl.ZipFile();
// A fixed date keeps the zip byte-for-byte the same for the same build.
for (const f of list) zip.addFile(f, relative(dist, f).split('\\').join('/'), { mtime: new Date('2026-01-01T00:00:00Z') });
zip.end();
await new Promise((resolve, reject) => zip.outputStream.pipe(createWriteStream(out)).on('close', resolve).on('error', reject));
console.error(`[zendesk-app] packaged ${relative(process.cwd(), out)} (${list.length} files)`);

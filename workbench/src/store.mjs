// The workbench's embedded store: one JSON file, replaced atomically (write, then rename), so a
// crash mid-save leaves the previous state whole. A file that cannot be read is set aside, never
// overwritten, and the desk starts afresh.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const STORE_VERSION = 1;

export function storePath(dataDir) {
  return join(dataDir, 'desk.json');
}

/** The stored state, or null when there is none (or it was unreadable and has been set aside). */
export function loadStore(dataDir, log = console.log) {
  const file = storePath(dataDir);
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    if (state.version !== STORE_VERSION) throw new Error(`store version ${state.version}, expected ${STORE_VERSION}`);
    return state;
  } catch (e) {
    const aside = `${file}.unreadable-${Date.now()}`;
    renameSync(file, aside);
    log(`[workbench] ${file} could not be read (${e.message}); it was kept as ${aside} and the sample desk restored`);
    return null;
  }
}

export function saveStore(dataDir, state) {
  const file = storePath(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

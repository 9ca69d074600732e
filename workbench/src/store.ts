// The workbench's embedded store: one JSON file, replaced atomically (write, then rename), so a
// crash mid-save leaves the previous state whole. A file that cannot be read is set aside, never
// overwritten, and the desk starts afresh.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DeskRow, PolicySource } from './workbench';
import type { Directory, ZendeskTicket } from './zendesk-host';
import type { JiraIssue } from './jira-host';
import type { QueuedEvent } from './forge-host';

type Log = (line: string) => void;

export const STORE_VERSION = 1;

/** The whole desk as it is saved: what a restart brings back. */
export interface DeskState {
  version: number;
  clock: number;
  policy: PolicySource;
  zendesk: ZendeskTicket[];
  desk: DeskRow[];
  jira?: JiraIssue[];
  queues?: [string, QueuedEvent[]][];
  kvs?: [string, unknown][];
  settings?: Record<string, unknown>;
  directory?: Directory;
}

export function storePath(dataDir: string): string {
  return join(dataDir, 'desk.json');
}

/** The stored state, or null when there is none (or it was unreadable and has been set aside). */
export function loadStore(dataDir: string, log: Log = console.log): DeskState | null {
  const file = storePath(dataDir);
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    if (state.version !== STORE_VERSION) throw new Error(`store version ${state.version}, expected ${STORE_VERSION}`);
    const problem = unusable(state);
    if (problem) throw new Error(problem);
    return state;
  } catch (e) {
    setAside(dataDir, `could not be read (${(e as Error).message})`, log);
    return null;
  }
}

/**
 * Moves the stored desk out of the way, named in the log with what is wrong with it: the next save
 * writes a fresh desk, and the old one is still there for its owner to mend.
 */
export function setAside(dataDir: string, why: string, log: Log = console.log): string {
  const file = storePath(dataDir);
  const aside = `${file}.unreadable-${Date.now()}`;
  renameSync(file, aside);
  log(`[workbench] ${file} ${why}; it was kept as ${aside} and the sample desk restored`);
  return aside;
}

export function saveStore(dataDir: string, state: DeskState): void {
  const file = storePath(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/**
 * Why a stored desk cannot be used, or null: a file edited by hand (or by an older workbench) must
 * not start a server whose every page fails. Such a file is set aside like an unreadable one.
 */
// The file is anyone's JSON until each field is checked: hence `any`, narrowed field by field.
export function unusable(state: any): string | null {
  if (!state || typeof state !== 'object') return 'not a desk';
  if (typeof state.clock !== 'number' || !(state.clock >= Date.UTC(2000, 0, 1) && state.clock < Date.UTC(2100, 0, 1))) return `clock ${JSON.stringify(state.clock)} is not an instant in 2000-2099`;
  const p = state.policy;
  if (!p || (typeof p.preset !== 'string' && typeof p.document !== 'string')) return 'no policy (preset or document)';
  if (!Array.isArray(state.zendesk) || !Array.isArray(state.desk)) return 'no tickets';
  const ids = new Set(state.zendesk.map((t: { id?: unknown } | null) => t?.id));
  const lost = state.desk.find((d: { id?: unknown } | null) => !ids.has(d?.id));
  if (lost !== undefined) return `desk row ${JSON.stringify(lost?.id ?? null)} has no Zendesk ticket`;
  if (state.jira !== undefined && !(Array.isArray(state.jira) && state.jira.every((i: { key?: unknown } | null) => typeof i?.key === 'string'))) return 'jira: not a list of issues';
  if (state.kvs !== undefined && !(Array.isArray(state.kvs) && state.kvs.every((e: unknown) => Array.isArray(e) && e.length === 2))) return 'kvs: not a list of [key, value] pairs';
  if (state.queues !== undefined && !(Array.isArray(state.queues) && state.queues.every((e: unknown[]) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Array.isArray(e[1])))) return 'queues: not a list of [queue key, events] pairs';
  return null;
}

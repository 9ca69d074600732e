import type { PGlite } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';

/**
 * The service's store: PostgreSQL's SQL on either of two engines.
 *  - embedded (the default): PGlite, PostgreSQL compiled to WebAssembly, in this process, in memory
 *    or in a data directory (SLA_DATA_DIR). One process owns it; no server to run.
 *  - DATABASE_URL set: a real PostgreSQL through a pg pool. Several service instances share it and
 *    split the work with FOR UPDATE SKIP LOCKED.
 * Both run the same SQL, the same migrations and the same tests.
 */
export interface Query {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Query {
  kind: 'pglite' | 'postgres';
  /** One transaction: committed when fn resolves, rolled back when it throws. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openDb(opts: { url?: string; dataDir?: string; onError?: (e: Error) => void; max?: number }): Promise<Db> {
  if (opts.url) return openPostgres(opts.url, opts.onError, opts.max);
  return openPglite(opts.dataDir);
}

/**
 * The embedded store. PGlite is PostgreSQL in this process's WebAssembly memory, which grows and is
 * never given back, and PostgreSQL's defaults suit a server rather than a store of a few tens of MB:
 *  - shared_buffers is 128 MB, and emscripten zero-fills the shared memory at start, so all of it is
 *    resident from the first second (pgliteStartParams);
 *  - V8 recompiles PostgreSQL's hot functions with its optimizing compiler, whose working memory
 *    stays in the process (pgliteWasm);
 *  - PGlite runs PostgreSQL in single-user mode, where no checkpointer and no autovacuum run: the WAL
 *    only grows (in memory, for an in-memory store; replayed in full after a kill), and the rows the
 *    service rewrites stay dead. The store checkpoints and vacuums itself (pgliteUpkeep);
 *  - a first start runs initdb, which here took 3-6 s and left 500 MB of WebAssembly memory (a second
 *    PGlite, and a copy of its heap) to the garbage collector. It runs once per install instead, in a
 *    child process, and the fresh cluster is kept as a template that each new store starts from
 *    (pgliteTemplate).
 */
async function openPglite(dataDir?: string): Promise<Db> {
  const { join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  const lib = loadPglite();
  const { PGlite } = lib.module;
  // PGlite's own forms: memory:// and no directory are in memory, file:// or a bare path on disk.
  const inMemory = !dataDir || dataDir.startsWith('memory://');
  const dir = inMemory ? undefined : dataDir!.startsWith('file://') ? dataDir!.slice('file://'.length) : /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir!) ? undefined : dataDir!;
  type PGliteOptions = import('@electric-sql/pglite').PGliteOptions;
  const options: PGliteOptions = { initDbStartParams: PGLITE_INITDB };
  let template: PgliteTemplate | null = null;
  // Compiled while the template is looked up (or made, in another process).
  const wasm = pgliteWasm(lib);
  wasm.catch(() => undefined);
  try {
    if (dir && !fs.existsSync(join(dir, 'PG_VERSION'))) {
      template = await pgliteTemplate(lib);
      if (template) copyCluster(template.dir, dir);
    } else if (inMemory) {
      template = await pgliteTemplate(lib);
      if (template) options.fs = templateMemoryFs(lib.module, template.dir);
    }
    // A cluster made here has the template's 1 MB WAL segments; one made before, PostgreSQL's 16 MB
    // (assumed for a file system this code does not read, as PGlite's browser ones).
    const segment = inMemory || dir ? (walSegmentSize(dir ?? template?.dir) ?? PGLITE_SEGMENT) : 16 * 2 ** 20;
    options.startParams = pgliteStartParams(PGlite.defaultStartParams, segment, inMemory);
    options.pgliteWasmModule = (await wasm) as PGliteOptions['pgliteWasmModule'];
    const pg: PGlite = await PGlite.create(inMemory ? undefined : dataDir, options);
    return pgliteDb(pg, inMemory ? CHECKPOINT_IN_MEMORY : CHECKPOINT_ON_DISK);
  } finally {
    template?.release();
  }
}

type PgliteModule = typeof import('@electric-sql/pglite');
interface PgliteLib {
  module: PgliteModule;
  /** The resolved entry point, for the child process that makes the template. */
  entry: string;
  version: string;
}

function loadPglite(): PgliteLib {
  // Loaded only when used: a PostgreSQL deployment never loads the WebAssembly build. Through
  // Node's own loader (Module._load; plain require where there is none), so that PGlite's dynamic
  // import() of Node's built-ins also works where a host sandboxes require: jest's module
  // registry refuses import() without --experimental-vm-modules.
  const { dirname, join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  const entry = require.resolve('@electric-sql/pglite');
  const loader = (require('module') as { _load?: (p: string, parent: null, main: boolean) => unknown })._load;
  const module = (loader ? loader(entry, null, false) : require(entry)) as PgliteModule;
  // Its package.json is not in its exports: found from the entry point (dist/index.cjs).
  let version = 'unknown';
  for (let d = dirname(entry), i = 0; i < 4; i++, d = dirname(d)) {
    const p = join(d, 'package.json');
    if (!fs.existsSync(p)) continue;
    const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite') {
      version = pkg.version ?? version;
      break;
    }
  }
  return { module, entry, version };
}

/** A compiled WebAssembly.Module (this project's TypeScript libraries do not declare WebAssembly). */
type WasmModule = object;
interface Wasm {
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
let compiled: Promise<WasmModule> | undefined;

/**
 * PostgreSQL's WebAssembly, compiled once per process (each store instantiates it) with V8's
 * baseline compiler alone (Liftoff). V8 would otherwise recompile its hot functions with its
 * optimizing compiler (TurboFan), whose working memory for PostgreSQL's large functions (the SQL
 * parser, the executor) peaked at 70-95 MB and stayed with the process (freed to malloc, not to the
 * system). Measured with bench/embedded-store.mjs, 10,000 open tickets in a data directory: peak
 * RSS 224-237 MB against 273-279, idle 194-196 against 245; a start that no longer competes with
 * that compilation for the CPU (the first migration of a new store: 0.07 s against 0.5-1); webhook
 * answers at concurrency 500 no slower (p50 120-126 ms against 148-154, p99 305-369 against
 * 371-448). The price: statements run slower once TurboFan would have compiled them, 30,000 passes
 * over the 10,000 tickets took 81 s against 69. `node --no-liftoff-only` (or --liftoff-only) on
 * the command line is kept. The flag is set only while this module compiles (V8 reads it then), so
 * that other WebAssembly in the process (undici's HTTP parser) keeps both compilers.
 */
function pgliteWasm(lib: PgliteLib): Promise<WasmModule> {
  compiled ??= (async () => {
    const { dirname, join } = require('node:path') as typeof import('node:path');
    const fs = require('node:fs') as typeof import('node:fs');
    const v8 = require('node:v8') as typeof import('node:v8');
    const bytes = await fs.promises.readFile(join(dirname(lib.entry), 'pglite.wasm'));
    const wasm = pgliteRealmWasm(lib.module);
    // One given on the command line stays; a V8 that refuses flags at run time compiles with both tiers.
    const chosen = process.execArgv.some((a) => /^--(no-)?liftoff-only$/.test(a));
    const flag = (f: string) => {
      try {
        if (!chosen) v8.setFlagsFromString(f);
      } catch {
        // ignored: the module is then compiled as V8 would anyway
      }
    };
    flag('--liftoff-only');
    try {
      return await wasm.compile(bytes);
    } finally {
      flag('--no-liftoff-only');
    }
  })();
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/**
 * The WebAssembly of PGlite's realm, which instantiates the module: under jest, this file runs in a
 * sandbox with a global of its own, and PGlite (loaded through Node's loader) in Node's.
 */
function pgliteRealmWasm(module: PgliteModule): Wasm {
  try {
    return (module.PGlite.constructor as FunctionConstructor)('return WebAssembly')() as Wasm;
  } catch {
    // No code from strings (--disallow-code-generation-from-strings): this realm's.
    return (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  }
}

/**
 * PostgreSQL's settings on PGlite, measured with 10,000 open tickets (bench/embedded-store.mjs):
 *  - shared_buffers 16MB (PostgreSQL's default 128MB is all resident, see openPglite): the service's
 *    store of 10,000 tickets is some 10 MB with its indexes, and a page that is not in the buffers
 *    is one read from the data directory (the OS's cache) or from the in-memory file system;
 *  - max_connections 8: PGlite has one session; the default 100 sizes the lock and process tables
 *    for a hundred (2 MB more);
 *  - min_wal_size and max_wal_size bound the WAL segments kept for reuse after a checkpoint
 *    (PostgreSQL's 80MB and 1GB were all kept, 16 MB at a time, in memory for an in-memory store);
 *    min_wal_size must be two segments at least, and a data directory made before keeps its 16 MB
 *    segments;
 *  - in memory, full_page_writes off: full-page images protect a data file torn by a crash, and an
 *    in-memory store does not outlive its process. A data directory keeps them.
 */
const PGLITE_SEGMENT = 2 ** 20;
const PGLITE_INITDB = ['--no-sync', `--wal-segsize=${PGLITE_SEGMENT / 2 ** 20}`, '-c', 'shared_buffers=16MB', '-c', 'max_connections=8'];
/** The store checkpoints when this much WAL was written since the last checkpoint. */
const CHECKPOINT_IN_MEMORY = 8 * 2 ** 20;
const CHECKPOINT_ON_DISK = 32 * 2 ** 20;

function pgliteStartParams(defaults: readonly string[], segmentBytes: number, inMemory: boolean): string[] {
  const seg = Math.max(1, Math.round(segmentBytes / 2 ** 20));
  const settings: Record<string, string> = {
    shared_buffers: '16MB',
    max_connections: '8',
    min_wal_size: `${2 * seg}MB`,
    max_wal_size: `${Math.max(4 * seg, inMemory ? 8 : 64)}MB`,
    ...(inMemory ? { full_page_writes: 'off' } : {}),
  };
  return [...defaults, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/** The WAL segment size of a cluster, from one of its segments (they all have it); undefined when it has none. */
function walSegmentSize(dir: string | undefined): number | undefined {
  if (!dir) return undefined;
  const { join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  try {
    const seg = fs.readdirSync(join(dir, 'pg_wal')).find((f) => /^[0-9A-F]{24}$/.test(f));
    return seg ? fs.statSync(join(dir, 'pg_wal', seg)).size : undefined;
  } catch {
    return undefined;
  }
}

/** The Db over a PGlite instance, with the upkeep that single-user mode does not do. */
function pgliteDb(pg: PGlite, checkpointBytes: number): Db {
  const upkeep = pgliteUpkeep(pg, checkpointBytes);
  const run = async <T>(q: { query: PGlite['query'] }, sql: string, params?: unknown[]) => (await q.query<T>(sql, params as unknown[])).rows;
  // PGlite runs each statement synchronously, and statements queued behind one another would run
  // back to back in one chain of promises, keeping the process from reading its sockets for as
  // long as the queue lasts. A turn of the event loop before each lets the webhook's answers out.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    kind: 'pglite',
    query: async (sql, params) => {
      await turn();
      upkeep.count(1);
      return run(pg, sql, params);
    },
    tx: async (fn) => {
      await turn();
      let statements = 0;
      try {
        return await pg.transaction((t) =>
          fn({
            query: (sql, params) => {
              statements++;
              return run(t, sql, params);
            },
          }),
        );
      } finally {
        upkeep.count(statements);
      }
    },
    close: async () => {
      await upkeep.stop();
      await pg.close();
    },
  };
}

/**
 * What PostgreSQL's background processes do, which PGlite's single-user mode has none of, every
 * 2,000 statements and every 30 s:
 *  - autovacuum, by its default thresholds (a table with more dead rows than 50 + 20% of its live
 *    ones is vacuumed, one with more changes than 50 + 10% since its last analysis is analyzed): the
 *    service rewrites a ticket's row on every pass, and its job's row comes and goes;
 *  - the checkpointer: a checkpoint when `checkpointBytes` of WAL were written since the last, after
 *    which the segments before it are removed or recycled (min_wal_size and max_wal_size).
 * A round that fails is tried again at the next; one runs at a time, between the service's statements.
 */
function pgliteUpkeep(pg: PGlite, checkpointBytes: number): { count(n: number): void; stop(): Promise<void> } {
  const EVERY = 2_000;
  let statements = 0;
  let stopped = false;
  let running: Promise<void> | undefined;
  const round = async () => {
    const tables = await pg.query<{ rel: string; vacuum: boolean; analyze: boolean }>(
      `SELECT format('%I.%I', schemaname, relname) AS rel, n_dead_tup > 50 + 0.2 * n_live_tup AS vacuum, n_mod_since_analyze > 50 + 0.1 * n_live_tup AS analyze
       FROM pg_stat_user_tables WHERE n_dead_tup > 50 + 0.2 * n_live_tup OR n_mod_since_analyze > 50 + 0.1 * n_live_tup`,
    );
    for (const t of tables.rows) {
      if (stopped) return;
      await pg.exec(t.vacuum ? `VACUUM ${t.analyze ? '(ANALYZE) ' : ''}${t.rel}` : `ANALYZE ${t.rel}`);
    }
    const [wal] = (await pg.query<{ bytes: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 AS bytes FROM pg_control_checkpoint()')).rows;
    if (!stopped && wal && wal.bytes >= checkpointBytes) await pg.exec('CHECKPOINT');
  };
  const start = () => {
    if (running || stopped) return;
    running = round()
      .catch(() => undefined)
      .finally(() => (running = undefined));
  };
  const timer = setInterval(start, 30_000);
  timer.unref();
  return {
    count: (n) => {
      statements += n;
      if (statements < EVERY) return;
      statements = 0;
      start();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

interface PgliteTemplate {
  /** A fresh cluster's data directory, made by initdb; read, never written. */
  dir: string;
  /** Done with it: a template made for one start only (where the cache cannot be written) is removed. */
  release(): void;
}

/** Templates being looked up or made, by cache directory: first starts at once in one process make one. */
const templatesUnderWay = new Map<string, Promise<string | 'unwritable' | null>>();

/**
 * A fresh cluster to start new stores from, made once per PGlite version and initdb settings and kept
 * in node_modules/.cache/sla-desk, beside PGlite (SLA_PGLITE_CACHE_DIR to keep it elsewhere); where
 * that cannot be written, one for this start only. initdb runs in a child process, so that its
 * WebAssembly memory (460 MB at its peak) is never this process's. null when no child process could
 * make one: PGlite then runs initdb itself, in this process, as it used to.
 */
async function pgliteTemplate(lib: PgliteLib): Promise<PgliteTemplate | null> {
  const os = require('node:os') as typeof import('node:os');
  const fs = require('node:fs') as typeof import('node:fs');
  const { join, sep } = require('node:path') as typeof import('node:path');
  const at = lib.entry.lastIndexOf(`${sep}node_modules${sep}`);
  const cache = process.env.SLA_PGLITE_CACHE_DIR || (at >= 0 ? join(lib.entry.slice(0, at), 'node_modules', '.cache', 'sla-desk') : '');
  let underWay = templatesUnderWay.get(cache);
  if (!underWay) {
    underWay = cachedTemplate(lib, cache).finally(() => templatesUnderWay.delete(cache));
    templatesUnderWay.set(cache, underWay);
  }
  const shared = await underWay;
  if (shared === null) return null;
  if (shared !== 'unwritable') return { dir: shared, release: () => undefined };
  const work = fs.mkdtempSync(join(os.tmpdir(), 'sla-desk-pglite-'));
  const drop = () => fs.rmSync(work, { recursive: true, force: true });
  if (await initdbInChild(lib, join(work, 'data'))) return { dir: join(work, 'data'), release: drop };
  drop();
  return null;
}

/** The template's directory in `cache`, made if missing; 'unwritable' when it cannot be kept there. */
async function cachedTemplate(lib: PgliteLib, cache: string): Promise<string | 'unwritable' | null> {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { dirname, join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  if (!cache) return 'unwritable';
  // The template's form is part of its name too: one made by an earlier form of this code is not used.
  const key = createHash('sha256').update(JSON.stringify([2, lib.version, PGLITE_INITDB])).digest('hex').slice(0, 12);
  const final = join(cache, `pglite-${lib.version}-${key}`);
  if (fs.existsSync(join(final, 'PG_VERSION'))) return final;
  let work: string;
  try {
    // Private: a store starts as a copy of what is in it.
    fs.mkdirSync(dirname(cache), { recursive: true });
    if (!fs.existsSync(cache)) fs.mkdirSync(cache, { mode: 0o700 });
    // What a process that died while making one left.
    for (const f of fs.readdirSync(cache).filter((f) => f.startsWith('.tmp-'))) {
      try {
        if (Date.now() - fs.statSync(join(cache, f)).mtimeMs > 10 * 60_000) fs.rmSync(join(cache, f), { recursive: true, force: true });
      } catch {
        // another process's, removed meanwhile
      }
    }
    work = fs.mkdtempSync(join(cache, '.tmp-'));
  } catch {
    return 'unwritable';
  }
  // Made aside and renamed into place, so that it is whole or absent; of processes that make one at
  // once, the first to rename wins and the others' (the same cluster) are dropped.
  const made = await initdbInChild(lib, join(work, 'data'));
  if (made) {
    try {
      fs.renameSync(join(work, 'data'), final);
    } catch {
      // Another process's is there.
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  return fs.existsSync(join(final, 'PG_VERSION')) ? final : null;
}

/**
 * initdb into `data` in a child process, with V8's baseline compiler only: initdb runs most of its
 * code once, and optimizing it cost more than it saved (2.3 s of CPU instead of 4.8 here).
 */
function initdbInChild(lib: PgliteLib, data: string): Promise<boolean> {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  // In memory, where PGlite runs initdb straight into the store's file system (for a directory it
  // makes a tarball of the result and unpacks it there: 0.4 s more), and written out once the
  // cluster has shut down cleanly, private to its owner (PGlite writes its files 0666).
  const script = `
    require('v8').setFlagsFromString('--liftoff-only');
    const fs = require('fs'), path = require('path');
    const [entry, dir, initdb, start] = process.argv.slice(1);
    const { PGlite, MemoryFS } = require(entry);
    const PGDATA = (PGlite.paths && PGlite.paths.PGDATA) || '/pglite/data';
    class WrittenOut extends MemoryFS {
      async closeFs() {
        const FS = this.pg.Module.FS;
        const copy = (from, to) => {
          fs.mkdirSync(to, { mode: 0o700 });
          for (const name of FS.readdir(from)) {
            if (name === '.' || name === '..') continue;
            const p = from + '/' + name, mode = FS.stat(p).mode;
            if (FS.isDir(mode)) copy(p, path.join(to, name));
            else if (FS.isFile(mode)) fs.writeFileSync(path.join(to, name), FS.readFile(p), { mode: 0o600 });
          }
        };
        copy(PGDATA, dir);
        return super.closeFs();
      }
    }
    PGlite.create({ fs: new WrittenOut(), initDbStartParams: JSON.parse(initdb), startParams: JSON.parse(start) })
      .then((pg) => pg.close())
      .then(() => process.exit(fs.existsSync(path.join(dir, 'PG_VERSION')) ? 0 : 1), (e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });`;
  const start = pgliteStartParams(lib.module.PGlite.defaultStartParams, PGLITE_SEGMENT, false);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, lib.entry, data, JSON.stringify(PGLITE_INITDB), JSON.stringify(start)], { stdio: 'ignore', windowsHide: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', () => (clearTimeout(timer), resolve(false)));
    child.on('exit', (code) => (clearTimeout(timer), resolve(code === 0)));
  });
}

/**
 * A new store's directory from the template: everything but PG_VERSION first, PG_VERSION last, so
 * that a copy cut short is not taken for a cluster at the next start (and is copied over again).
 */
function copyCluster(template: string, dir: string): void {
  const { join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  const version = join(template, 'PG_VERSION');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A copy-on-write clone where the file system has them (btrfs, XFS, APFS), else a copy.
  fs.cpSync(template, dir, { recursive: true, mode: fs.constants.COPYFILE_FICLONE, filter: (src) => src !== version });
  fs.copyFileSync(version, join(dir, 'PG_VERSION'), fs.constants.COPYFILE_FICLONE);
}

/** An in-memory file system whose data directory starts as a copy of the template (instead of initdb). */
function templateMemoryFs(module: PgliteModule, template: string): import('@electric-sql/pglite').MemoryFS {
  const { join } = require('node:path') as typeof import('node:path');
  const fs = require('node:fs') as typeof import('node:fs');
  const PGDATA = module.PGlite.paths?.PGDATA ?? '/pglite/data';
  type EmFS = { mkdirTree(p: string): void; mkdir(p: string): void; writeFile(p: string, d: Uint8Array, o?: { canOwn?: boolean }): void };
  const copy = (FS: EmFS, from: string, to: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) {
        FS.mkdir(`${to}/${e.name}`);
        copy(FS, join(from, e.name), `${to}/${e.name}`);
      } else if (e.isFile()) FS.writeFile(`${to}/${e.name}`, fs.readFileSync(join(from, e.name)), { canOwn: true });
    }
  };
  class TemplateMemoryFS extends module.MemoryFS {
    async init(pg: PGlite, emscriptenOpts: Parameters<import('@electric-sql/pglite').MemoryFS['init']>[1]) {
      const { emscriptenOpts: opts } = await super.init(pg, emscriptenOpts);
      const preRun = [...((opts.preRun as unknown[] | undefined) ?? []), (mod: { FS: EmFS }) => (mod.FS.mkdirTree(PGDATA), copy(mod.FS, template, PGDATA))];
      return { emscriptenOpts: { ...opts, preRun } as typeof opts };
    }
  }
  return new TemplateMemoryFS();
}

async function openPostgres(url: string, onError?: (e: Error) => void, max = 10): Promise<Db> {
  const pgmod = require('pg') as typeof import('pg');
  // int8 columns hold milliseconds since the epoch and ticket ids: safe integers, read as numbers.
  pgmod.types.setTypeParser(20, (v: string) => Number(v));
  const pool: Pool = new pgmod.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle connection that the server drops (a restart) emits here; the pool opens a new one on
  // the next query. Without a listener it would end the process.
  pool.on('error', (e) => onError?.(e));
  const run = async <T>(c: Pool | PoolClient, sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as T[];
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    tx: async (fn) => {
      const c = await pool.connect();
      let broken: Error | undefined;
      // A server that goes away mid-transaction errors the checked-out client: the query fails too.
      const onError = (e: Error) => (broken = e);
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const out = await fn({ query: (sql, params) => run(c, sql, params) });
        await c.query('COMMIT');
        return out;
      } catch (e) {
        broken = e as Error;
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.off('error', onError);
        // A connection whose transaction failed may be dead (the server restarted): drop it.
        c.release(broken && !(broken as { code?: string }).code ? broken : undefined);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Versioned migrations, applied at start-up in order, each in its own transaction with the version
 * recorded. An advisory lock makes instances that start together apply each one once.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'deliveries, jobs, tickets, tenants',
    sql: `
      CREATE TABLE deliveries (
        tenant text NOT NULL,
        key text NOT NULL,
        ticket_id bigint NOT NULL,
        received_at bigint NOT NULL,
        second_end bigint NOT NULL,
        rerun boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant, key)
      );
      CREATE INDEX deliveries_received ON deliveries (received_at);
      CREATE TABLE jobs (
        tenant text NOT NULL,
        ticket_id bigint NOT NULL,
        needs_read boolean NOT NULL,
        seq integer NOT NULL DEFAULT 1,
        deliveries integer NOT NULL DEFAULT 0,
        run_at bigint NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        state text NOT NULL DEFAULT 'queued',
        last_error text,
        locked_by text,
        locked_until bigint,
        created_at bigint NOT NULL,
        PRIMARY KEY (tenant, ticket_id)
      );
      CREATE INDEX jobs_due ON jobs (state, run_at);
      CREATE TABLE tickets (
        tenant text NOT NULL,
        ticket_id bigint NOT NULL,
        snapshot jsonb NOT NULL,
        timeline jsonb NOT NULL,
        next_at bigint,
        next_what text,
        read_at bigint NOT NULL,
        PRIMARY KEY (tenant, ticket_id)
      );
      CREATE INDEX tickets_next ON tickets (next_at) WHERE next_at IS NOT NULL;
      CREATE TABLE tenants (
        account_id text PRIMARY KEY,
        sealed text NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'watermarks: where the catch-up reads the ticket export from',
    sql: `
      CREATE TABLE watermarks (
        tenant text PRIMARY KEY,
        since bigint NOT NULL,
        next_at bigint NOT NULL
      );
      CREATE INDEX deliveries_tenant ON deliveries (tenant);
    `,
  },
  {
    version: 3,
    name: 'settings_seen: what each tenant\'s tickets were last evaluated under',
    sql: `
      CREATE TABLE settings_seen (
        tenant text PRIMARY KEY,
        fingerprint text NOT NULL,
        seen_at bigint NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'ladder_notices: the escalation ladder\'s notify actions, sent once per level and cycle',
    sql: `
      CREATE TABLE ladder_notices (
        tenant text NOT NULL,
        ticket_id bigint NOT NULL,
        step_key text NOT NULL,
        url text NOT NULL,
        body jsonb NOT NULL,
        state text NOT NULL DEFAULT 'due',
        attempts integer NOT NULL DEFAULT 0,
        next_at bigint NOT NULL,
        PRIMARY KEY (tenant, ticket_id, step_key, url)
      );
      CREATE INDEX ladder_notices_due ON ladder_notices (next_at) WHERE state = 'due';
    `,
  },
  {
    version: 5,
    name: 'oauth: accounts connected with the global OAuth client, and the connections under way',
    sql: `
      CREATE TABLE oauth_tokens (
        account_id text PRIMARY KEY,
        sealed text NOT NULL,
        state text NOT NULL DEFAULT 'connected',
        reason text,
        updated_at bigint NOT NULL
      );
      CREATE TABLE oauth_states (
        state text PRIMARY KEY,
        subdomain text NOT NULL,
        verifier text NOT NULL,
        created_at bigint NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'oauth_tokens.subdomain: the app asks for its account\'s status by subdomain',
    sql: `
      ALTER TABLE oauth_tokens ADD COLUMN subdomain text;
      CREATE INDEX oauth_tokens_subdomain ON oauth_tokens (subdomain);
    `,
  },
  {
    version: 7,
    name: 'oauth_states.action: an admin confirms an export or a disconnection by signing in to Zendesk',
    sql: `
      ALTER TABLE oauth_states ADD COLUMN action text NOT NULL DEFAULT 'connect';
    `,
  },
  {
    version: 8,
    name: 'outcomes: each Metric\'s outcome per cycle, kept after the ticket is closed, for the report',
    sql: `
      CREATE TABLE outcomes (
        tenant text NOT NULL,
        ticket_id bigint NOT NULL,
        metric text NOT NULL,
        cycle integer NOT NULL,
        state text NOT NULL,
        working_ms float8 NOT NULL,
        tier text NOT NULL,
        priority text NOT NULL,
        group_id text,
        started_at bigint NOT NULL,
        ended_at bigint,
        due_at bigint,
        PRIMARY KEY (tenant, ticket_id, metric, cycle)
      );
      CREATE INDEX outcomes_period ON outcomes (tenant, started_at);
      CREATE INDEX outcomes_stopped ON outcomes (tenant, tier, priority, metric, working_ms) INCLUDE (started_at) WHERE ended_at IS NOT NULL;
      CREATE INDEX outcomes_late_ended ON outcomes (tenant, (ended_at - due_at) DESC) WHERE state = 'breached' AND ended_at IS NOT NULL AND due_at IS NOT NULL;
      CREATE INDEX outcomes_late_open ON outcomes (tenant, due_at) WHERE state = 'breached' AND ended_at IS NULL AND due_at IS NOT NULL;
      CREATE STATISTICS outcomes_cells (ndistinct) ON tier, priority, metric, (floor((started_at + 259200000)::float8 / 604800000)::int) FROM outcomes
    `,
  },
  {
    version: 9,
    name: 'report_access: a lead or admin shows who they are by signing in to Zendesk before the report opens',
    sql: `
      ALTER TABLE oauth_states ADD COLUMN ref text;
      CREATE TABLE report_access (
        secret_hash text PRIMARY KEY,
        ref text NOT NULL UNIQUE,
        tenant text NOT NULL,
        user_id bigint NOT NULL,
        state text NOT NULL,
        reason text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX report_access_tenant ON report_access (tenant, expires_at);
    `,
  },
  {
    version: 10,
    name: 'outcome_history: the reports\' history of settled tickets, read once per account from the ticket export (history.ts)',
    sql: `
      CREATE TABLE outcome_history (
        tenant text PRIMARY KEY,
        state text NOT NULL,
        next_path text,
        read_count integer NOT NULL,
        kept_count integer NOT NULL,
        next_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )
    `,
  },
];

const LOCK = 7_316_001;

export async function migrate(db: Db): Promise<number[]> {
  await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      const done = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.length) return;
      for (const stmt of m.sql.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(stmt);
      await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    });
  }
  return applied;
}

import { mkdtempSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { migrate, openDb, type Db } from '../../zendesk-app/service/src/db';

/**
 * The embedded store (PGlite) as a long-running service needs it (issue 17, point 18): new stores
 * start from the install's template instead of running initdb, with settings for a store of tens of
 * MB, and the store does what PostgreSQL's background processes would (PGlite runs single-user, with
 * none): its WAL is checkpointed away, its dead rows vacuumed. The figures are bench/embedded-store.mjs's.
 */
jest.setTimeout(120_000);

const until = async (what: string, ok: () => Promise<boolean>, pokes: () => Promise<unknown>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await pokes();
  }
};
/** 2,000 statements: the store's upkeep runs every 2,000 (and every 30 s). */
const statements = async (db: Db) => {
  for (let i = 0; i < 2_000; i++) await db.query('SELECT 1');
};

test('a new data directory is a copy of the install\'s template, private to its owner, with settings for an embedded store', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sla-pglite-store-'));
  const before = process.env.SLA_PGLITE_CACHE_DIR;
  process.env.SLA_PGLITE_CACHE_DIR = join(scratch, 'cache');
  try {
    const opened: Db[] = [];
    for (const name of ['a', 'b']) {
      const db = await openDb({ dataDir: join(scratch, name, 'data') });
      opened.push(db);
      await migrate(db);
      const [s] = await db.query<Record<string, string>>(
        "SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('max_connections') AS max_connections, current_setting('wal_segment_size') AS segment, current_setting('min_wal_size') AS min_wal, current_setting('full_page_writes') AS fpw",
      );
      expect(s).toEqual({ shared_buffers: '16MB', max_connections: '8', segment: '1MB', min_wal: '2MB', fpw: 'on' });
    }
    // One template, made once, for both.
    expect(readdirSync(join(scratch, 'cache')).filter((f) => f.startsWith('pglite-'))).toHaveLength(1);
    // A store is its owner's alone: its directory closed to others, nothing in it writable by them
    // (PGlite itself writes its files 0666, in 0755 directories).
    expect(statSync(join(scratch, 'a', 'data')).mode & 0o077).toBe(0);
    const open: string[] = [];
    const walk = (p: string) => {
      const st = statSync(p);
      if (st.mode & 0o022) open.push(`${p} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    };
    walk(join(scratch, 'a', 'data'));
    walk(join(scratch, 'cache'));
    expect(open).toEqual([]);
    for (const db of opened) await db.close();
    // A store opened again keeps what it had.
    const again = await openDb({ dataDir: join(scratch, 'a', 'data') });
    expect(await migrate(again)).toEqual([]);
    await again.close();
  } finally {
    if (before === undefined) delete process.env.SLA_PGLITE_CACHE_DIR;
    else process.env.SLA_PGLITE_CACHE_DIR = before;
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('the WAL does not grow with the writes: the store checkpoints, and the segments before go', async () => {
  const db = await openDb({});
  try {
    await db.query('CREATE TABLE filler (id int, pad text)');
    const wal = async () => (await db.query<{ bytes: number }>('SELECT sum(size)::float8 AS bytes FROM pg_ls_waldir()'))[0].bytes;
    const checkpoint = async () => (await db.query<{ lsn: string }>('SELECT checkpoint_lsn::text AS lsn FROM pg_control_checkpoint()'))[0].lsn;
    let written = 0;
    for (let round = 0; round < 4; round++) {
      const from = await checkpoint();
      // About 12 MB of WAL a round.
      await db.query("INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 10000) g");
      await db.query('DELETE FROM filler');
      written += 12;
      await until('a checkpoint', async () => (await checkpoint()) !== from, () => statements(db));
    }
    // 48 MB written; PGlite alone would keep every segment (it has no checkpointer).
    expect(written).toBeGreaterThanOrEqual(48);
    expect(await wal()).toBeLessThanOrEqual(24 * 2 ** 20);
  } finally {
    await db.close();
  }
});

test('dead rows are vacuumed and the tables analyzed, as autovacuum would', async () => {
  const db = await openDb({});
  try {
    await db.query('CREATE TABLE churn (id int PRIMARY KEY, v int)');
    await db.query('INSERT INTO churn SELECT g, 0 FROM generate_series(1, 1000) g');
    for (let i = 1; i <= 5; i++) await db.query('UPDATE churn SET v = $1', [i]);
    const stat = async () => (await db.query<{ dead: number; vacuumed: boolean; analyzed: boolean }>("SELECT n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'churn'"))[0];
    await until('a vacuum', async () => (await stat()).vacuumed, () => statements(db));
    expect(await stat()).toEqual({ dead: 0, vacuumed: true, analyzed: true });
  } finally {
    await db.close();
  }
});

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

async function openPglite(dataDir?: string): Promise<Db> {
  // Loaded only when used: a PostgreSQL deployment never loads the WebAssembly build. Through
  // Node's own loader (Module._load; plain require where there is none), so that PGlite's dynamic
  // import() of Node's built-ins also works where a host sandboxes require: jest's module
  // registry refuses import() without --experimental-vm-modules.
  const path = require.resolve('@electric-sql/pglite');
  const loader = (require('module') as { _load?: (p: string, parent: null, main: boolean) => unknown })._load;
  const { PGlite } = (loader ? loader(path, null, false) : require(path)) as typeof import('@electric-sql/pglite');
  const pg: PGlite = await PGlite.create(dataDir ? dataDir : undefined);
  const run = async <T>(q: { query: PGlite['query'] }, sql: string, params?: unknown[]) => (await q.query<T>(sql, params as unknown[])).rows;
  // PGlite runs each statement synchronously, and statements queued behind one another would run
  // back to back in one chain of promises, keeping the process from reading its sockets for as
  // long as the queue lasts. A turn of the event loop before each lets the webhook's answers out.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    kind: 'pglite',
    query: async (sql, params) => {
      await turn();
      return run(pg, sql, params);
    },
    tx: async (fn) => {
      await turn();
      return pg.transaction((t) => fn({ query: (sql, params) => run(t, sql, params) }));
    },
    close: () => pg.close(),
  };
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

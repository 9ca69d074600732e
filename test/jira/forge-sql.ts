/**
 * Forge SQL for the tests and the workbench: what `@forge/sql` sends, answered by a real MySQL-
 * compatible server (Debian's MariaDB, started by startMariaDb below) instead of Forge's hosted one.
 *
 * The contract copied:
 * - The SDK's request (node_modules/@forge/sql/out/sql.js, 4.0.8): `__fetchProduct({ provider:
 *   'app', remote: 'sql', type: 'sql' })(path, { method: 'POST', body })`, path `/api/v1/execute`
 *   (DML) or `/api/v1/execute/ddl`, body `{ query, params, method }`; the answer `{ rows }`, an
 *   array for a SELECT, an UpdateQueryResponse (affectedRows, insertId, ...) otherwise
 *   (out/utils/types.d.ts); a failure a non-2xx answer with `{ code, message }`, which the SDK
 *   throws as a ForgeSQLAPIError (out/utils/error-handling.js), with its codes (out/errorCodes.js).
 * - The Forge SQL REST API (developer.atlassian.com/platform/forge/rest/v2/api-group-forge-sql):
 *   "DML queries are limited to SELECT, INSERT, UPDATE and DELETE statements"; "the DDL API is
 *   available for all other statements". Server-side params (`?`).
 * - Forge SQL's limits (developer.atlassian.com/platform/forge/limits-sql): one statement a
 *   request; a request of at most 1 MiB and a response of at most 4 MiB; a SELECT may run 5 s, an
 *   INSERT, UPDATE or DELETE 10 s, a DDL statement 20 s.
 * - What Forge SQL answered for a bound LIMIT, recorded in a public issue (github.com/forge-sql-orm/
 *   forge-sql-orm/issues/1422): 400, code SQL_EXECUTION_ERROR, message "Unknown SQL execution
 *   error", and the database's own error in `debug` ("Incorrect arguments to LIMIT",
 *   ER_WRONG_ARGUMENTS, 1210). Every SQL error is answered in that shape; LIMIT and OFFSET take no
 *   bound params, as there (TiDB receives a JSON number as no integer; MariaDB would take it).
 * - TiDB's default sql_mode (docs.pingcap.com/tidb/stable/sql-mode), ONLY_FULL_GROUP_BY among it,
 *   which MariaDB's default lacks.
 * Other statuses (a timeout's, a request too large) are not documented; their codes are the SDK's.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';

export const EXECUTE = '/api/v1/execute';
export const EXECUTE_DDL = '/api/v1/execute/ddl';
export const REQUEST_LIMIT = 1024 * 1024;
export const RESPONSE_LIMIT = 4 * 1024 * 1024;
/** Seconds a statement may run, by kind (limits-sql). */
const TIME_LIMIT = { select: 5, dml: 10, ddl: 20 } as const;
const DML = /^\s*(select|insert|update|delete)\b/i;
const BOUND_LIMIT = /\b(limit|offset)\s+\?|\blimit\s+\d+\s*,\s*\?/i;
const TIDB_SQL_MODE = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
const SUGGESTION = 'There was an error while executing the given command. Find more information about the SQL execution error in "debug" field';

/** A database error as Forge SQL answers it (the recorded payload above). */
function sqlError(query: string, debug: { message: string; code: string; errno: number }) {
  return answer(400, { code: 'SQL_EXECUTION_ERROR', message: 'Unknown SQL execution error', suggestion: SUGGESTION, debug: { ...debug, sql: query } });
}

export interface SqlFault {
  status: number;
  code: string;
  /** Only statements this matches fail (any when left out). */
  match?: RegExp;
  /** So many matching statements pass first. */
  after?: number;
}

interface Answer {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

function answer(status: number, body: unknown): Answer {
  const text = JSON.stringify(body);
  return { ok: status >= 200 && status < 300, status, statusText: status === 200 ? 'OK' : 'Error', headers: { get: () => null }, text: async () => text, json: async () => JSON.parse(text) };
}

/**
 * One app installation's Forge SQL database. `pool` is opened on first use, so that a test file or a
 * workbench that never queries starts no server. `reset()` empties every table (keeping the
 * schema and the migrations run, as a new site would not, but as a test between cases wants).
 */
export class ForgeSqlEmulator {
  readonly faults: SqlFault[] = [];
  /** Every statement, in order, with its endpoint: what a test may look at. */
  readonly log: { path: string; query: string }[] = [];
  private pool: Promise<Pool> | null = null;
  private emptyFirst = false;

  constructor(private readonly open: () => Promise<Pool>) {}

  /** `count` statements (matching `match`) fail as Forge SQL fails them. */
  failNext(count: number, fault: SqlFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  reset(): void {
    this.emptyFirst = true;
    this.faults.length = 0;
    this.log.length = 0;
  }

  /** What `__fetchProduct({ provider: 'app', remote: 'sql', type: 'sql' })` returns. */
  readonly fetch = async (path: string, init: { method?: string; body?: string } = {}): Promise<Answer> => {
    if (init.method !== 'POST' || (path !== EXECUTE && path !== EXECUTE_DDL)) return answer(404, { code: 'NOT_FOUND', message: `${init.method} ${path} is not a Forge SQL endpoint` });
    const body = init.body ?? '';
    if (Buffer.byteLength(body) > REQUEST_LIMIT) return answer(413, { code: 'INVALID_SQL_QUERY', message: `The request is ${Buffer.byteLength(body)} bytes; Forge SQL takes at most ${REQUEST_LIMIT}` });
    let req: { query?: unknown; params?: unknown; method?: unknown };
    try {
      req = JSON.parse(body);
    } catch {
      return answer(400, { code: 'INVALID_SQL_QUERY', message: 'The request body is not JSON' });
    }
    if (typeof req.query !== 'string' || !req.query.trim()) return answer(400, { code: 'INVALID_SQL_QUERY', message: 'query: expected a SQL statement' });
    const params = req.params ?? [];
    if (!Array.isArray(params)) return answer(400, { code: 'INVALID_SQL_QUERY', message: 'params: expected an array' });
    const query = req.query;
    const dml = DML.test(query);
    if (path === EXECUTE && !dml) return answer(400, { code: 'INVALID_SQL_QUERY', message: 'Only SELECT, INSERT, UPDATE and DELETE statements may be run on the DML endpoint; use executeDDL' });
    this.log.push({ path, query });
    if (BOUND_LIMIT.test(query)) return sqlError(query, { message: 'Incorrect arguments to LIMIT', code: 'ER_WRONG_ARGUMENTS', errno: 1210 });
    const i = this.faults.findIndex((f) => !f.match || f.match.test(query));
    if (i >= 0 && (this.faults[i].after ?? 0) > 0) this.faults[i] = { ...this.faults[i], after: this.faults[i].after! - 1 };
    else if (i >= 0) {
      const [f] = this.faults.splice(i, 1);
      return answer(f.status, { code: f.code, message: `injected ${f.code}` });
    }
    const seconds = !dml ? TIME_LIMIT.ddl : /^\s*select\b/i.test(query) ? TIME_LIMIT.select : TIME_LIMIT.dml;
    const conn = await (await this.ready()).getConnection();
    try {
      await conn.query(`SET SESSION max_statement_time = ${seconds}, sql_mode = '${TIDB_SQL_MODE}'`);
      // Server-side params, as Forge's; the DDL endpoint's statements cannot all be prepared.
      const [rows] = params.length || dml ? await conn.execute(query, params) : await conn.query(query);
      const out = Array.isArray(rows) ? rows : header(rows as ResultSetHeader);
      const text = JSON.stringify({ rows: out });
      if (Buffer.byteLength(text) > RESPONSE_LIMIT) return answer(400, { code: 'SQL_EXECUTION_ERROR', message: `The response would be over ${RESPONSE_LIMIT} bytes` });
      return answer(200, { rows: out });
    } catch (e) {
      const err = e as { errno?: number; code?: string; sqlMessage?: string; message: string };
      // MariaDB's ER_STATEMENT_TIMEOUT: the statement ran past its kind's limit.
      if (err.errno === 1969) return answer(504, { code: 'QUERY_TIMED_OUT', message: `The query ran longer than ${seconds} s` });
      return sqlError(query, { message: err.sqlMessage ?? err.message, code: err.code ?? 'UNKNOWN', errno: err.errno ?? 0 });
    } finally {
      conn.release();
    }
  };

  /** The rows of a SELECT, straight from the database (a test's look at what the app kept). */
  async select<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
    const conn = await (await this.ready()).getConnection();
    try {
      return (await conn.query(query, params))[0] as T[];
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p) await (await p).end();
  }

  private async ready(): Promise<Pool> {
    this.pool ??= this.open();
    const pool = await this.pool;
    if (this.emptyFirst) {
      this.emptyFirst = false;
      const conn = await pool.getConnection();
      try {
        await emptyTables(conn);
      } finally {
        conn.release();
      }
    }
    return pool;
  }
}

async function emptyTables(conn: PoolConnection): Promise<void> {
  const [tables] = await conn.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> '__migrations'");
  for (const { t } of tables as { t: string }[]) await conn.query(`DELETE FROM \`${t}\``);
}

function header(h: ResultSetHeader) {
  return { affectedRows: h.affectedRows, fieldCount: h.fieldCount, info: h.info, insertId: h.insertId, serverStatus: h.serverStatus, warningStatus: h.warningStatus };
}

/** A pool on `database` of the server at `socket`, created if missing (one per test file or workbench). */
export async function poolOn(socket: string, database: string): Promise<Pool> {
  const mysql = await import('mysql2/promise');
  const admin = await mysql.createConnection({ socketPath: socket, user: 'root' });
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  // dateStrings: a TIMESTAMP comes back as the server writes it, as in Forge SQL's JSON.
  return mysql.createPool({ socketPath: socket, user: 'root', database, connectionLimit: 4, dateStrings: true });
}

export interface MariaDb {
  socket: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGTERM');
});

/** Debian's MariaDB server (package mariadb-server-core), or where MARIADB_BIN points. */
export function mariadbBin(): { server: string; installDb: string } {
  const dirs = [process.env.MARIADB_BIN, '/usr/sbin', '/usr/bin'].filter((d): d is string => !!d);
  for (const d of dirs) {
    const server = ['mariadbd', 'mysqld'].map((n) => join(d, n)).find(existsSync);
    if (!server) continue;
    const installDb = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db', join(d, 'mariadb-install-db')].find(existsSync);
    if (installDb) return { server, installDb };
  }
  throw new Error("no MariaDB server for the Forge SQL emulation: install Debian's mariadb-server-core (npm test and npm start do so when run as root), or set MARIADB_BIN");
}

/**
 * A throw-away MariaDB server on a unix socket (no TCP port), its data in `dataDir` (a temporary
 * directory unless given: the workbench keeps its desk's). Stopped by stop(), and at the latest when
 * this process exits.
 */
export async function startMariaDb(dataDir?: string): Promise<MariaDb> {
  const { server, installDb } = mariadbBin();
  const run = mkdtempSync(join(tmpdir(), 'sla-sql-'));
  const data = dataDir ?? join(run, 'data');
  const root = process.getuid?.() === 0 ? ['--user=root'] : [];
  if (!existsSync(join(data, 'mysql'))) {
    mkdirSync(data, { recursive: true });
    const r = spawnSync(installDb, [`--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db', ...root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${(r.stderr || r.stdout).slice(-500)}`);
  }
  const socket = join(run, 's.sock');
  const child = spawn(
    server,
    ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--skip-networking', `--pid-file=${join(run, 'pid')}`, '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M', '--skip-log-bin', ...root],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-2000)));
  const started = Date.now();
  const mysql = await import('mysql2/promise');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}): ${err}`);
    try {
      const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
      await c.end();
      break;
    } catch {
      if (Date.now() - started > 30_000) throw new Error(`mariadbd did not start in 30 s: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    socket,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          live.delete(child);
          rmSync(run, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

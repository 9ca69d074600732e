// setup first: it points @forge/api's product fetch, which @forge/sql takes on load, at the stand-in.
import { forgeSql, freshSite } from './setup';
import { sql, migrationRunner, ForgeSQLAPIError } from '@forge/sql';
import { REQUEST_LIMIT } from '../../test/jira/forge-sql';

/**
 * The Forge SQL stand-in, through @forge/sql's own client: it holds to Forge SQL's contract (the
 * REST API's two endpoints, the limits page), so that code that breaks them fails here as on Forge.
 */
beforeEach(() => freshSite());

const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ForgeSQLAPIError);
  return e as ForgeSQLAPIError;
};

test('DDL goes through executeDDL only; the DML endpoint takes SELECT, INSERT, UPDATE and DELETE', async () => {
  expect((await refusal(sql.executeRaw('CREATE TABLE t (id INT PRIMARY KEY)'))).code).toBe('INVALID_SQL_QUERY');
  await sql.executeDDL('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, v VARCHAR(10))');
  const inserted = await sql.prepare('INSERT INTO t (id, v) VALUES (?, ?), (?, ?)').bindParams(1, 'a', 2, 'b').execute();
  expect(inserted.rows).toMatchObject({ affectedRows: 2 });
  const read = await sql.prepare<{ id: number; v: string }>('SELECT id, v FROM t WHERE id > ? ORDER BY id').bindParams(0).execute();
  expect(read.rows).toEqual([
    { id: 1, v: 'a' },
    { id: 2, v: 'b' },
  ]);
});

test('one statement a request, params bound on the server (no injection through a value)', async () => {
  await sql.executeDDL('CREATE TABLE IF NOT EXISTS u (id INT PRIMARY KEY, v VARCHAR(40))');
  expect((await refusal(sql.executeRaw('SELECT 1; SELECT 2'))).code).toBe('SQL_EXECUTION_ERROR');
  await sql.prepare('INSERT INTO u (id, v) VALUES (?, ?)').bindParams(1, "x'); DROP TABLE u; --").execute();
  expect((await sql.prepare<{ v: string }>('SELECT v FROM u').execute()).rows).toEqual([{ v: "x'); DROP TABLE u; --" }]);
});

test('LIMIT takes no bound param, and a column neither grouped nor aggregated is refused, as on Forge SQL (TiDB)', async () => {
  await sql.executeDDL('CREATE TABLE IF NOT EXISTS g (id INT PRIMARY KEY, v VARCHAR(10))');
  const limit = await refusal(sql.prepare('SELECT id FROM g ORDER BY id LIMIT ?').bindParams(1).execute());
  // What Forge SQL answered for it (forge-sql-orm issue 1422).
  expect(limit.responseDetails.status).toBe(400);
  expect(limit.code).toBe('SQL_EXECUTION_ERROR');
  expect(limit.context).toMatchObject({ debug: { message: 'Incorrect arguments to LIMIT', code: 'ER_WRONG_ARGUMENTS', errno: 1210 } });
  expect((await sql.prepare('SELECT id FROM g ORDER BY id LIMIT 1').execute()).rows).toEqual([]);
  const grouped = await refusal(sql.executeRaw('SELECT id, COUNT(*) AS n FROM g GROUP BY v'));
  expect(grouped.context).toMatchObject({ debug: { code: 'ER_WRONG_FIELD_WITH_GROUP' } });
});

test('a request over 1 MiB is refused whole: nothing of it is written', async () => {
  await sql.executeDDL('CREATE TABLE IF NOT EXISTS w (id INT PRIMARY KEY, v LONGTEXT)');
  await refusal(sql.prepare('INSERT INTO w (id, v) VALUES (?, ?)').bindParams(1, 'x'.repeat(REQUEST_LIMIT)).execute());
  expect((await sql.prepare('SELECT id FROM w').execute()).rows).toEqual([]);
});

test('the SDK\'s migrations run once each, in order, recorded in __migrations', async () => {
  migrationRunner.enqueue('m1', 'CREATE TABLE IF NOT EXISTS m (id INT PRIMARY KEY)').enqueue('m2', 'ALTER TABLE m ADD COLUMN v INT NULL');
  expect(await migrationRunner.run()).toEqual(['m1', 'm2']);
  expect(await migrationRunner.run()).toEqual([]);
  expect((await migrationRunner.list()).map((m) => m.name)).toEqual(['m1', 'm2']);
  expect(forgeSql.log.filter((l) => /^(CREATE|ALTER)/.test(l.query)).every((l) => l.path === '/api/v1/execute/ddl')).toBe(true);
});

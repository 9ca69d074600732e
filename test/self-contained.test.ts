import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve, sep } from 'path';
import ts from 'typescript';

/**
 * Issue 18, point 19: `npm test` passes on a clone with nothing beside it. No test, and no code a
 * test runs, reads a path outside the repository (such as ../shared/host-payloads): the recorded
 * payloads the tests need are kept in test/fixtures/host-payloads, each with its .source.md.
 * Comments may still name ../shared (where a fixture was copied from); code may not.
 */
const ROOT = join(__dirname, '..');
const FIXTURES = join(__dirname, 'fixtures', 'host-payloads');
// Every folder npm test runs code from: the test sources and helpers, the scripts around jest, and
// the packages' sources the tests import.
const SCANNED = ['core', 'zendesk-app', 'forge-app', 'test', 'workbench', 'scripts'];
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', 'fixtures', 'public', 'tmp']);
const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || SKIPPED.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.isFile() && CODE.test(e.name) && !e.name.endsWith('.d.ts') && statSync(p).size < 1 << 20) out.push(p);
  }
  return out;
}

const literal = (n: ts.Node): string | undefined => (ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n) ? (n as ts.LiteralLikeNode).text : undefined);

/** Where the code in `text` (the file `file`) reaches outside `root`: one line per reference, with its line number. */
export function outsideReferences(file: string, text: string, root: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.[jt]sx$/.test(file) ? ts.ScriptKind.TSX : undefined);
  const found: string[] = [];
  const at = (n: ts.Node, what: string) => found.push(`${relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${what}`);
  const visit = (n: ts.Node): void => {
    const s = literal(n);
    // A literal path through the sibling folder: '../shared/…', `${root}/../shared`, '..\shared'.
    if (s !== undefined && /(^|[\\/])\.\.[\\/]+shared([\\/]|$)/.test(s)) at(n, JSON.stringify(s));
    if (ts.isCallExpression(n)) {
      const args = n.arguments.map((a) => literal(a));
      // A path built in pieces: join(anything, '..', 'shared', …).
      for (let i = 1; i < args.length; i++) if (args[i] === 'shared' && args[i - 1] === '..') at(n, `'..', 'shared' in ${n.expression.getText(sf)}(…)`);
      // join(__dirname, '..', …) or resolve(__dirname, …) of literals: it must stay inside the repository.
      const callee = n.expression.getText(sf);
      if (/(^|\.)(join|resolve)$/.test(callee) && n.arguments[0] && n.arguments[0].getText(sf) === '__dirname' && args.length > 1 && args.slice(1).every((a) => a !== undefined)) {
        const to = resolve(dirname(file), ...(args.slice(1) as string[]));
        if (to !== root && !to.startsWith(root + sep)) at(n, `${callee}(__dirname, …) leaves the repository: ${to}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('the scan finds a read of ../shared however it is written, and not a comment that names it', () => {
  const file = join(ROOT, 'test', 'zendesk-service', 'example.test.ts');
  // The examples write § for the sibling folder's name, so this file does not hold what it forbids.
  const refs = (code: string) => outsideReferences(file, code.replace(/§/g, 'shared'), ROOT);
  expect(refs("readFileSync(join(__dirname, '..', '..', '..', '§', 'host-payloads', 'x.json'))")).toHaveLength(2);
  expect(refs("const DIR = join(__dirname, '..', '..', '..', 'elsewhere');")).toEqual([`test/zendesk-service/example.test.ts:1: join(__dirname, …) leaves the repository: ${resolve(ROOT, '..', 'elsewhere')}`]);
  expect(refs("readFileSync('../§/host-payloads/x.json')")).toHaveLength(1);
  expect(refs('const p = `${ROOT}/../§/tools`;')).toHaveLength(1);
  expect(refs("path.resolve(ROOT, '..', '§')")).toHaveLength(1);
  // Comments, URLs, modules and other words are not references.
  expect(refs("// copied from ../§/host-payloads\n/* ../§ */ const u = 'https://x/shared/y'; require('@forge/cli-shared'); const s = 'shared_buffers';")).toEqual([]);
  expect(refs("readFileSync(join(__dirname, '..', 'fixtures', 'host-payloads', 'x.json'))")).toEqual([]);
});

test('no test, and no code the tests run, reads ../shared or anything else outside the repository', () => {
  const files = SCANNED.flatMap((d) => sources(join(ROOT, d)));
  // The scan sees the tests that used to read ../shared.
  expect(files).toEqual(expect.arrayContaining([join(ROOT, 'zendesk-app', 'test', 'payloads.test.ts'), join(ROOT, 'test', 'zendesk-service', 'hardening.test.ts')]));
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap((f) => outsideReferences(f, readFileSync(f, 'utf8'), ROOT))).toEqual([]);
});

test('every recorded payload kept as a fixture names its public source', () => {
  const payloads = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  expect(payloads.length).toBeGreaterThanOrEqual(5);
  for (const f of payloads) {
    const md = join(FIXTURES, f.replace(/\.json$/, '.source.md'));
    expect({ f, exists: existsSync(md) }).toEqual({ f, exists: true });
    const text = readFileSync(md, 'utf8');
    expect(text.startsWith(`# ${f}\n`)).toBe(true);
    expect(text).toMatch(/^- \*\*Source:\*\* \S/m);
    expect(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))).toBeTruthy();
  }
});

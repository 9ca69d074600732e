import { readFileSync } from 'fs';
import { join } from 'path';
import { problemLine, problemLines, validatePolicyText } from '../src';

/** Editors number their lines (the Forge admin page, the workbench): a problem's path finds its line in the text. */
const text = readFileSync(join(__dirname, '..', 'presets', 'bespoke-s1-s5.yaml'), 'utf8');
const lineOf = (t: string, needle: string) => t.split('\n').findIndex((l) => l.includes(needle)) + 1;
const errors = (t: string) => validatePolicyText(t).problems.filter((p) => p.level === 'error');

test("a schema problem's path finds the line of its key, in a flow mapping too", () => {
  const bad = text.replace('S3: { first_response: { in: 4h', 'S3: { first_response: { in: soon');
  expect(errors(bad).map((p) => p.path)).toEqual(['tiers.agreement.targets.S3.first_response.in']);
  expect(problemLines(bad, errors(bad))).toEqual([lineOf(bad, 'S3: { first_response: { in: soon')]);
  const tier = text.replace('defaultTier: agreement', 'defaultTier: gold');
  expect(problemLines(tier, errors(tier))).toEqual([lineOf(tier, 'defaultTier: gold')]);
});

test('an unknown key is its own line; a key of a block map is the key, not the line after it', () => {
  const bad = text.replace('    label: Support Agreement\n', '    label: Support Agreement\n    colour: red\n');
  expect(problemLines(bad, errors(bad))).toEqual([lineOf(bad, 'colour: red')]);
  expect(problemLine(text, { path: 'tiers.agreement' })).toBe(lineOf(text, '  agreement:'));
  expect(problemLine(text, { path: 'tiers.agreement.nothing.here' })).toBe(lineOf(text, '  agreement:'));
});

test('a syntax error names its line; the whole file, a path not in it, or text that does not parse has none', () => {
  const syntax = 'name: x\nmatrix: [\nb';
  expect(problemLines(syntax, errors(syntax))).toEqual([errors(syntax)[0].path.match(/^line (\d+)/)![1]].map(Number));
  expect(problemLine(text, { path: '' })).toBeNull();
  expect(problemLine(text, { path: 'nowhere.at.all' })).toBeNull();
  expect(problemLine(syntax, { path: 'matrix' })).toBeNull();
  // An index into a list.
  expect(problemLine('a:\n  - x\n  - y\n', { path: 'a[1]' })).toBe(3);
});

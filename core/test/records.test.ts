import fc from 'fast-check';
import { readRecords, RecordSyntaxError } from '../src/records';

async function collect(chunks: string[]) {
  const out: { line: number; text: string }[] = [];
  for await (const r of readRecords((async function* () {
    yield* chunks;
  })())) out.push(r);
  return out;
}

function split(text: string, cuts: number[]): string[] {
  const pts = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out.filter((c) => c.length);
}

const valueArb = fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null && typeof v === 'object');

test('a JSON array is cut into its elements with their lines, however the chunks fall', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(valueArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), async (values, cuts) => {
      const text = '[\n' + values.map((v) => JSON.stringify(v)).join(',\n') + '\n]\n';
      const recs = await collect(split(text, cuts));
      expect(recs.map((r) => JSON.parse(r.text))).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      expect(recs.map((r) => r.line)).toEqual(values.map((_, i) => i + 2));
    }),
    { numRuns: 200 },
  );
});

test('JSON lines keep their line numbers, skipping blank lines', async () => {
  expect(await collect(['{"a":1}\n\n{"b"', ':2}\n', 'bad\n'])).toEqual([
    { line: 1, text: '{"a":1}' },
    { line: 3, text: '{"b":2}' },
    { line: 4, text: 'bad' },
  ]);
});

test('strings holding commas and brackets do not split elements', async () => {
  expect((await collect(['[{"a":"x,]}\\"["}', ',{"b":1}]'])).map((r) => r.text)).toEqual(['{"a":"x,]}\\"["}', '{"b":1}']);
});

test('an unclosed array is an error naming the line', async () => {
  await expect(collect(['[{"a":1},\n{"b":2}'])).rejects.toThrow(RecordSyntaxError);
  await expect(collect(['[{"a":1},\n{"b":2}'])).rejects.toThrow('line 2: the JSON array is not closed with "]"');
});

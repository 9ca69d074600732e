import { readRecords } from '../src/records';
import { MAX_RECORD_BYTES } from '../src/limits';

/** A record over the limit is reported with its line and skipped, and the stream goes on. */

async function collect(chunks: AsyncIterable<string | Buffer> | (string | Buffer)[], max?: number) {
  const src = Array.isArray(chunks)
    ? (async function* () {
        yield* chunks;
      })()
    : chunks;
  const out: { line: number; text: string; tooLarge?: number }[] = [];
  for await (const r of readRecords(src, undefined, max)) out.push(r);
  return out;
}

test('JSON lines: a line over the limit comes out as tooLarge with its line number, and the next lines follow', async () => {
  const big = `{"id":"${'x'.repeat(200)}"}`;
  const recs = await collect(['{"id":1}\n', big.slice(0, 50), big.slice(50), '\n{"id":3}\n\n{"id":', '4}\n'], 100);
  expect(recs).toEqual([
    { line: 1, text: '{"id":1}' },
    { line: 2, text: '', tooLarge: big.length },
    { line: 3, text: '{"id":3}' },
    { line: 5, text: '{"id":4}' },
  ]);
});

test('a JSON array: an element over the limit comes out as tooLarge with its line, and the next elements follow', async () => {
  const big = `{"id":"${'y'.repeat(300)}"}`;
  const recs = await collect(['[\n{"id":1},\n', big.slice(0, 100), big.slice(100), ',\n{"id":3}\n]'], 100);
  expect(recs).toEqual([
    { line: 2, text: '{"id":1}' },
    { line: 3, text: '', tooLarge: big.length },
    { line: 4, text: '{"id":3}\n' },
  ]);
});

test('the limit is 1 MB by default, counted in bytes', async () => {
  const justUnder = `"${'é'.repeat((MAX_RECORD_BYTES - 2) / 2)}"`;
  const justOver = `"${'é'.repeat(MAX_RECORD_BYTES / 2)}"`;
  const recs = await collect([`${justUnder}\n${justOver}\n`]);
  expect(recs.map((r) => [r.line, r.text.length, r.tooLarge])).toEqual([
    [1, justUnder.length, undefined],
    [2, 0, MAX_RECORD_BYTES + 2],
  ]);
});

test('a 256 MB line is counted, not kept: memory stays flat', async () => {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  async function* input() {
    yield Buffer.from('{"id":1}\n{"a":"');
    for (let i = 0; i < 256; i++) yield chunk;
    yield Buffer.from('"}\n{"id":2}\n');
  }
  global.gc?.();
  const before = process.memoryUsage();
  let peak = 0;
  const recs: { line: number; text: string; tooLarge?: number }[] = [];
  for await (const r of readRecords(input())) {
    recs.push(r);
    const now = process.memoryUsage();
    peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
  }
  expect(recs).toEqual([
    { line: 1, text: '{"id":1}' },
    { line: 2, text: '', tooLarge: (256 << 20) + 8 },
    { line: 3, text: '{"id":2}' },
  ]);
  // Keeping the line would hold 256 MB (as bytes or as a string); what is kept is at most the limit.
  expect(peak).toBeLessThan(64 << 20);
});

/**
 * @forge/kvs's `kvs.query()` over a Map, for the tests and the workbench. The contract copied is
 * Forge's "Querying key-value pairs" (developer.atlassian.com/platform/forge/runtime-reference/
 * storage-api-query) and the SDK's request (node_modules/@forge/kvs/out/query.js: where, limit,
 * after): one `where` on the key, BEGINS_WITH only (the Key-Value Store supports no other);
 * 10 values a page unless `limit` says, at most 100; `nextCursor` when more match, to pass to
 * `cursor()`. Cursors are opaque (the docs: never persist one), so this one is too.
 */
export interface KvsQueryResult {
  results: { key: string; value: unknown }[];
  nextCursor?: string;
}

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

export function kvsQuery(store: Map<string, unknown>, copy: (v: unknown) => unknown = (v) => JSON.parse(JSON.stringify(v))) {
  const options: { where?: { property: string; condition: string; values: unknown[] }; limit?: number; after?: string } = {};
  const builder = {
    where(property: string, clause: { condition: string; values: unknown[] }) {
      options.where = { property, ...clause };
      return builder;
    },
    cursor(after: string) {
      options.after = after;
      return builder;
    },
    limit(n: number) {
      options.limit = n;
      return builder;
    },
    async getMany(): Promise<KvsQueryResult> {
      const w = options.where;
      if (w && (w.property !== 'key' || w.condition !== 'BEGINS_WITH')) throw new Error(`kvs.query: the Key-Value Store filters only the key with beginsWith, not ${w.property} ${w.condition}`);
      const limit = options.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new Error(`kvs.query: limit must be 1 to ${MAX_LIMIT}, got ${limit}`);
      const prefix = w ? String(w.values[0]) : '';
      const after = options.after === undefined ? null : Buffer.from(options.after, 'base64url').toString('utf8');
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && (after === null || k > after)).sort();
      const page = keys.slice(0, limit);
      const results = page.map((key) => ({ key, value: copy(store.get(key)) }));
      return keys.length > limit ? { results, nextCursor: Buffer.from(page[page.length - 1], 'utf8').toString('base64url') } : { results };
    },
  };
  return builder;
}

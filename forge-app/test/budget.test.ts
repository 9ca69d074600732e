import { addSupportIssue, freshSite, jira, recordingQueue } from './setup';
import { JiraError, RESOLVER_LIMIT_MS, RESOLVER_RETRY, resolverClient } from '../src/jira/client';
import { definitions } from '../src/resolvers';
import { onTransition } from '../src/triggers';

/**
 * Issue 18, point 11: a UI resolver has 25 s in all. Its Jira calls share a smaller retry budget,
 * and the re-evaluation after an override is queued for the transition consumer (55 s, retried).
 */
type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const { pushed: queued, queue } = recordingQueue();
const handler = definitions(() => queue) as unknown as Handler;
const call = (functionKey: string, accountId: string, payload: unknown = {}) => {
  jira.currentUser = accountId;
  return handler({ call: { functionKey, payload }, context: { accountId, locale: 'en-US', timezone: 'UTC', extension: { issue: { key: 'SUP-1', id: '10001' } } } }, { principal: { accountId } });
};

/** Runs a resolver call on Jest's clock, as Forge's runtime would: how long it took, and how it ended. */
async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result?: T; error?: unknown }> {
  const start = Date.now();
  let done = false;
  const out: { result?: T; error?: unknown } = {};
  const p = run().then(
    (r) => void (out.result = r),
    (e) => void (out.error = e),
  );
  void p.finally(() => (done = true));
  while (!done) await jest.advanceTimersByTimeAsync(50);
  return { ms: Date.now() - start, ...out };
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  freshSite();
  queued.length = 0;
  addSupportIssue(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '2', name: 'High' });
});
afterEach(() => jest.useRealTimers());

test('the resolvers\' budget fits Forge\'s 25 s: each call retries 3 s at most, none after 12 s', () => {
  expect(RESOLVER_RETRY).toEqual({ budgetMs: 3_000, maxAttempts: 3, invocationBudgetMs: 12_000 });
  expect(RESOLVER_RETRY.invocationBudgetMs! + RESOLVER_RETRY.budgetMs).toBeLessThan(RESOLVER_LIMIT_MS);
});

test('an override on a rate-limited site (every second request a 429, Retry-After 3 s) ends well inside 25 s', async () => {
  jira.failEvery(2, 429, '3');
  const r = await timed(() => call('override', 'lead-1', { to: 'P1', reason: 'Production is down' }));
  expect(r.ms).toBeLessThan(RESOLVER_LIMIT_MS - 5_000);
  // It ran out of budget: a clear error the panel shows, not Forge cutting the invocation off.
  expect(r.error).toBeInstanceOf(JiraError);
  expect((r.error as JiraError).status).toBe(429);
});

test('a lighter limit (every fourth request, Retry-After 1 s): the override completes, and its re-evaluation is queued', async () => {
  jira.failEvery(4, 429, '1');
  const r = await timed(() => call('override', 'lead-1', { to: 'P1', reason: 'Production is down' }));
  expect(r.error).toBeUndefined();
  expect(r.result).toMatchObject({ ok: true });
  expect(r.ms).toBeLessThan(RESOLVER_LIMIT_MS);
  // The resolver wrote the note and the priority; the SLA fields wait for the consumer.
  const sup = jira.issues.get('SUP-1')!;
  expect(sup.comments).toHaveLength(1);
  expect(sup.fields.priority).toEqual({ id: '1', name: 'Highest' });
  expect(jira.writes().map((w) => w.path.split('?')[0])).not.toContain('/rest/api/3/app/field/value');
  expect(queued).toEqual([{ body: { issueId: '10001', key: 'SUP-1', at: expect.any(Number) } }]);
  jira.failEvery(1_000_000, 429);
  const consumed = await timed(() => onTransition(queued[0]));
  expect(consumed.error).toBeUndefined();
  expect(jira.writes().map((w) => w.path.split('?')[0])).toContain('/rest/api/3/app/field/value');
});

test('the budget is the invocation\'s: a client made for one call refuses to start a retry that would end past it', async () => {
  let t = 0;
  const waits: number[] = [];
  const client = resolverClient('app', { now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)) });
  jira.failEvery(2, 429, '2');
  // Each call meets one 429 and waits 2 s: six calls fit in 12 s, the seventh's retry would not.
  let calls = 0;
  const err = await (async () => {
    for (;;) {
      try {
        await client.myself();
        calls++;
      } catch (e) {
        return e;
      }
    }
  })();
  expect(err).toBeInstanceOf(JiraError);
  expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(RESOLVER_RETRY.invocationBudgetMs!);
  expect(calls).toBeGreaterThanOrEqual(5);
});

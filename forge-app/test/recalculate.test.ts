import type { InvocationError } from '@forge/events';
import { deploy, FIELD, jira, store, testConfig } from './setup';
import { CONFIG_KEY } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { PROGRESS_KEY, recalculatePage, startRecalculation, type Progress } from '../src/recalculate';

/** An in-memory stand-in for a Forge queue: events are delivered in order, and a retry is re-delivered. */
class MemoryQueue {
  events: { body: { runId: string; token?: string }; retryContext?: { retryCount: number; retryReason: string; retryData: unknown } }[] = [];
  async push(e: { body: { runId: string; token?: string } } | { body: { runId: string; token?: string } }[]) {
    this.events.push(...(Array.isArray(e) ? e : [e]));
    return { jobId: 'job-1' };
  }
}

const NOW = Date.parse('2026-11-20T15:00:00Z');

beforeEach(() => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, testConfig);
  deploy();
  for (let n = 1; n <= 120; n++) {
    jira.addIssue({
      id: String(10000 + n),
      key: `SUP-${n}`,
      fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '3', name: 'Medium' }, reporter: { accountId: 'c' }, customfield_10050: { value: `${1 + (n % 4)}. x` }, customfield_10051: { value: `${1 + ((n >> 2) % 4)}. y` }, customfield_10052: { value: 'Plus' } },
    });
  }
});

test('"Recalculate open issues" goes page by page through the queue; a failed page is retried, not lost', async () => {
  const queue = new MemoryQueue();
  const client = () => new JiraClient('app', { sleep: async () => undefined });
  await startRecalculation(queue as never, NOW);
  // The second page's search fails past the client's own retries, once.
  let deliveries = 0;
  let failedOnce = false;
  while (queue.events.length) {
    const e = queue.events.shift()!;
    if (e.body.token && !failedOnce) {
      failedOnce = true;
      jira.failNext(5, 500);
    }
    deliveries++;
    const r: unknown = await recalculatePage({ queueName: 'q', jobId: 'job-1', eventId: String(deliveries), ...e }, queue as never, client(), NOW);
    // Forge re-delivers an event whose consumer returned an InvocationError.
    const retry = (r as InvocationError | undefined)?.retryOptions;
    if (retry) queue.events.unshift({ ...e, retryContext: { retryCount: (e.retryContext?.retryCount ?? 0) + 1, retryReason: retry.retryReason, retryData: undefined } });
  }
  const progress = store.get(PROGRESS_KEY) as Progress;
  expect(progress).toMatchObject({ state: 'done', pages: 3, issues: 120, retries: 1 });
  expect(deliveries).toBe(4);
  for (const issue of jira.issues.values()) {
    expect(issue.fields[FIELD.state]).toBeTruthy(); // the SLA state field
  }
  // The matrix set the priorities: most cells of KIWI's matrix are not Medium (P3).
  expect([...jira.issues.values()].filter((i) => (i.fields.priority as { name: string }).name !== 'Medium').length).toBeGreaterThan(60);
  // A second run writes nothing: every issue is already right.
  jira.requests = [];
  await startRecalculation(queue as never, NOW + 1);
  while (queue.events.length) await recalculatePage({ queueName: 'q', jobId: 'job-2', eventId: 'x', ...queue.events.shift()! }, queue as never, client(), NOW);
  expect(jira.writes()).toEqual([]);
});

test('a page is never done twice into a second chain: a failed push is retried from saved progress, a duplicate event is dropped', async () => {
  const queue = new MemoryQueue();
  const client = () => new JiraClient('app', { sleep: async () => undefined });
  await startRecalculation(queue as never, NOW);
  // The push of the second page's event fails once: the consumer asks Forge to retry page one.
  const push = queue.push.bind(queue);
  let failPush = true;
  queue.push = async (e) => {
    if (failPush) {
      failPush = false;
      throw new Error('queue unavailable');
    }
    return push(e);
  };
  const first = queue.events.shift()!;
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const r = (await recalculatePage({ queueName: 'q', jobId: 'j', eventId: '1', ...first }, queue as never, client(), NOW)) as InvocationError | undefined;
  expect(r?.retryOptions).toBeDefined();
  expect(queue.events).toEqual([]);
  // Forge redelivers page one: now its successor is queued, once.
  await recalculatePage({ queueName: 'q', jobId: 'j', eventId: '2', ...first, retryContext: { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: undefined } } as never, queue as never, client(), NOW);
  expect(queue.events).toHaveLength(1);
  // A duplicate delivery of page one (at-least-once queues) is dropped: no second chain.
  await recalculatePage({ queueName: 'q', jobId: 'j', eventId: '3', ...first }, queue as never, client(), NOW);
  expect(queue.events).toHaveLength(1);
  while (queue.events.length) await recalculatePage({ queueName: 'q', jobId: 'j', eventId: 'n', ...queue.events.shift()! }, queue as never, client(), NOW);
  error.mockRestore();
  expect(store.get(PROGRESS_KEY)).toMatchObject({ state: 'done', pages: 3, issues: 120, token: null });
});

test('a recalculation notes what the new policy makes of an issue (breached), once, as an issue event would', async () => {
  const queue = new MemoryQueue();
  const client = () => new JiraClient('app', { sleep: async () => undefined });
  // Five business days later every issue's first response is long breached.
  const later = Date.parse('2026-11-27T15:00:00Z');
  const run = async () => {
    await startRecalculation(queue as never, later);
    for (let n = 0; queue.events.length && n < 10; n++) await recalculatePage({ queueName: 'q', jobId: 'job-1', eventId: String(n), ...queue.events.shift()! }, queue as never, client(), later);
  };
  await run();
  const notes = (key: string) => (jira.issues.get(key)!.comments ?? []).filter((c: { body: unknown }) => /(is breached|est dépassé)/.test(JSON.stringify(c.body)));
  expect(notes('SUP-1').length).toBeGreaterThanOrEqual(1);
  const first = notes('SUP-1').length;
  await run();
  expect(notes('SUP-1').length).toBe(first);
});

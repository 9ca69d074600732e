import { addSupportIssue, FIELD, freshSite, jira, recordingQueue, store, testConfig } from './setup';
import { CONFIG_KEY, evaluationChanges, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { onAppLifecycle, PROGRESS_KEY, recalculatePage, startRecalculation, type Progress } from '../src/recalculate';
import { adminDefinitions } from '../src/resolvers';
import { findTransitions } from '../src/triggers';

/**
 * Issue 18, point 15: the five-minute finder sees only issues whose next-transition field is set.
 * After an install or an upgrade, and on issues with no event since, no transition ever comes: the
 * app's life cycle events and a save that changes evaluations recalculate the open issues.
 */
const NOW = Date.parse('2026-11-20T15:00:00Z');
const client = () => new JiraClient('app', { sleep: async () => undefined });

/** A Forge queue in memory: what is pushed waits until the test delivers it. */
class MemoryQueue {
  events: { body: { runId: string; token?: string } }[] = [];
  async push(e: { body: { runId: string; token?: string } } | { body: { runId: string; token?: string } }[]) {
    this.events.push(...[e].flat());
    return { jobId: 'job' };
  }
}

/** Delivers every queued page, as Forge's consumer would. */
async function drain(queue: MemoryQueue) {
  for (let n = 1; queue.events.length; n++) await recalculatePage({ queueName: 'q', jobId: 'job', eventId: String(n), ...queue.events.shift()! }, queue as never, client(), NOW);
}

beforeEach(() => {
  freshSite();
  // Created 09:05 Toronto: Plus P2's first response (1 business hour) breaches at 10:05, five minutes from now.
  addSupportIssue('2026-11-20T14:05:00.000Z', { id: '2', name: 'High' });
  jira.now = () => new Date(NOW).toISOString();
});

describe('the app\'s install and upgrade events', () => {
  test.each(['avi:forge:installed:app', 'avi:forge:upgraded:app'])('%s starts a recalculation whose pages write the next transition, so the finder then queues the issue', async (eventType) => {
    const transitions = recordingQueue();
    // An issue no event has reached: no next transition, so the finder cannot see it.
    expect(jira.issues.get('SUP-1')!.fields[FIELD.next]).toBeUndefined();
    expect(await findTransitions(transitions.queue, client(), NOW)).toMatchObject({ found: 0, queued: 0 });

    const pages = new MemoryQueue();
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const r = await onAppLifecycle({ eventType, id: 'installation-1', app: { id: 'app', version: '2.1.0' } }, pages as never, NOW);
    log.mockRestore();
    expect(r.progress).toMatchObject({ state: 'running', pages: 0 });
    // The recalculation's first page, and the reports' history of done issues (history.test.ts).
    expect(pages.events).toEqual([{ body: { runId: String(NOW) } }, { body: { history: true, runId: String(NOW) } }]);
    await drain(pages);
    expect(store.get(PROGRESS_KEY)).toMatchObject({ state: 'done', issues: 1, written: 1 });

    const next = jira.issues.get('SUP-1')!.fields[FIELD.next];
    expect(next).toBe('2026-11-20T15:05:00.000+0000');
    expect(await findTransitions(transitions.queue, client(), NOW)).toMatchObject({ found: 1, queued: 1 });
    expect(transitions.pushed).toEqual([{ body: { issueId: '10001', key: 'SUP-1', at: Date.parse('2026-11-20T15:05:00Z') }, delayInSeconds: 300 }]);
  });

  test('a queue that refuses the first page leaves a failed run, not one the admin page waits on forever', async () => {
    const refusing = { push: async () => Promise.reject(new Error('queue unavailable')) };
    await expect(onAppLifecycle({}, refusing as never, NOW)).rejects.toThrow('queue unavailable');
    expect(store.get(PROGRESS_KEY)).toMatchObject({ state: 'failed', pages: 0 });
  });
});

describe('a save that changes what evaluations read recalculates the open issues', () => {
  type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
  let pages: MemoryQueue;
  let admin: Handler;
  beforeEach(() => {
    pages = new MemoryQueue();
    admin = adminDefinitions(async () => true, () => startRecalculation(pages as never, NOW)) as unknown as Handler;
  });
  const save = (config: Config) => {
    jira.currentUser = 'site-admin';
    return admin({ call: { functionKey: 'setConfig', payload: { config } }, context: {} }, { principal: { accountId: 'site-admin' } });
  };

  test('a changed policy starts one, says so in the answer, and its pages write the issues\' fields', async () => {
    const r = await save({ ...testConfig, policy: { preset: 'scalr' } });
    expect(r).toMatchObject({ ok: true, recalculation: { started: true, because: ['policy'], progress: { state: 'running', runId: String(NOW) } } });
    expect(pages.events).toHaveLength(1);
    await drain(pages);
    expect(store.get(PROGRESS_KEY)).toMatchObject({ state: 'done', issues: 1 });
    expect(jira.issues.get('SUP-1')!.fields[FIELD.state]).toBeTruthy();
  });

  test('an unchanged save starts none, nor one that changes only who leads', async () => {
    expect(await save(testConfig)).toMatchObject({ ok: true, recalculation: null });
    expect(await save({ ...testConfig, leadGroups: ['duty-managers'], leadRoles: ['Triage leads'] })).toMatchObject({ ok: true, recalculation: null });
    expect(pages.events).toEqual([]);
    expect(store.get(PROGRESS_KEY)).toBeUndefined();
  });

  test('a changed field map or app field id starts one; a field cleared on the page (sent empty) is no change', async () => {
    expect((await save({ ...testConfig, map: { ...testConfig.map, tier: 'customfield_10099' } })).recalculation).toMatchObject({ started: true, because: ['map'] });
    expect((await save({ ...testConfig, map: { ...testConfig.map, tier: 'customfield_10099', organizations: '', organizationTierKey: undefined } })).recalculation).toBeNull();
    expect((await save({ ...testConfig, map: { ...testConfig.map, tier: 'customfield_10099' }, fields: { due: {}, state: 'customfield_10600' } })).recalculation).toMatchObject({ started: true, because: ['fields'] });
    expect(pages.events).toHaveLength(2);
  });

  test('a refused or invalid save starts nothing', async () => {
    const r = await save({ ...testConfig, policy: { preset: 'gold' } });
    expect(r.ok).toBe(false);
    expect(pages.events).toEqual([]);
  });

  test('when the queue refuses the start, the configuration is still saved and the answer says to start it by hand', async () => {
    admin = adminDefinitions(async () => true, () => startRecalculation({ push: async () => Promise.reject(new Error('queue unavailable')) } as never, NOW)) as unknown as Handler;
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const r = await save({ ...testConfig, policy: { preset: 'scalr' } });
    error.mockRestore();
    expect(r).toMatchObject({ ok: true, recalculation: { started: false, because: ['policy'] } });
    expect(r.recalculation.problem).toBe('Saved, but the recalculation of open issues did not start (queue unavailable). Press "Recalculate open issues".');
    expect((store.get(CONFIG_KEY) as Config).policy).toEqual({ preset: 'scalr' });
    expect((store.get(PROGRESS_KEY) as Progress).state).toBe('failed');
  });
});

describe('evaluationChanges', () => {
  test('names the parts that differ; key order and empty values do not count', () => {
    expect(evaluationChanges(testConfig, { ...testConfig })).toEqual([]);
    const reordered = { ...testConfig, map: Object.fromEntries(Object.entries(testConfig.map).reverse()) } as Config;
    expect(evaluationChanges(testConfig, reordered)).toEqual([]);
    expect(evaluationChanges(testConfig, { ...testConfig, map: { ...testConfig.map, pauseStatuses: ['Waiting for customer', 'On hold'] } })).toEqual(['map']);
    expect(evaluationChanges({ ...testConfig, map: { ...testConfig.map, doneStatuses: [] } }, { ...testConfig, map: { ...testConfig.map, doneStatuses: undefined } })).toEqual([]);
    expect(evaluationChanges(testConfig, { ...testConfig, policy: { document: 'sla: 1' } })).toEqual(['policy']);
  });

  test('a stored configuration that could not be read counts as different in every part', () => {
    expect(evaluationChanges(null, testConfig)).toEqual(['policy', 'map', 'fields']);
  });
});

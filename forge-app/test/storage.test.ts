import type { InvocationError } from '@forge/events';
import { addSupportIssue, deploy, failStorage, jira, kvsFaults, kvsMode, KVS_VALUE_LIMIT, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY, DEFAULT_CONFIG, loadConfig, StorageError, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { planIssue } from '../src/issue';
import { PROGRESS_KEY, recalculatePage, startRecalculation } from '../src/recalculate';
import { adminDefinitions } from '../src/resolvers';
import { policyCategories, SITE_KEY, siteFacts, STATUS_PART_BUDGET, statusPartKey } from '../src/site';
import { parsePolicy } from '@sla-desk/core';
import { readFileSync } from 'fs';
import { join } from 'path';
import { onIssueEvent, readIssue } from '../src/triggers';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const client = () => new JiraClient('app', { sleep: async () => undefined });
const scalr: Config = { ...testConfig, policy: { preset: 'scalr' } };

type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const adminHandler = adminDefinitions(async () => true) as unknown as Handler;
const admin = (functionKey: string, payload: unknown = {}) => adminHandler({ call: { functionKey, payload }, context: {} }, { principal: { accountId: 'site-admin' } });

beforeEach(async () => {
  jira.reset();
  store.clear();
  kvsFaults.length = 0;
  kvsMode.missingKeyThrows = false;
  addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '3', name: 'Medium' });
  deploy();
  await warmSite(NOW);
});

describe('loadConfig: the default only when nothing is stored (point 9)', () => {
  test('no key: the default, whether @forge/kvs answers undefined (1.6.5) or KEY_NOT_FOUND (older builds)', async () => {
    expect(await loadConfig()).toEqual(DEFAULT_CONFIG);
    kvsMode.missingKeyThrows = true;
    expect(await loadConfig()).toEqual(DEFAULT_CONFIG);
  });

  test('a stored configuration is read as stored', async () => {
    store.set(CONFIG_KEY, scalr);
    expect(await loadConfig()).toEqual(scalr);
  });

  test('a passing 429 or 500 fails the read: it is never taken for the default', async () => {
    store.set(CONFIG_KEY, scalr);
    failStorage(1, 'get', 'RATE_LIMIT_EXCEEDED', 429, CONFIG_KEY);
    await expect(loadConfig()).rejects.toBeInstanceOf(StorageError);
    failStorage(1, 'get', 'INTERNAL_SERVER_ERROR', 500, CONFIG_KEY);
    await expect(loadConfig()).rejects.toThrow(/INTERNAL_SERVER_ERROR/);
    expect(await loadConfig()).toEqual(scalr);
  });

  test('an issue event with the storage error writes nothing at all', async () => {
    store.set(CONFIG_KEY, scalr);
    failStorage(1, 'get', 'RATE_LIMIT_EXCEEDED', 429, CONFIG_KEY);
    await expect(onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW)).rejects.toThrow();
    expect(jira.writes()).toEqual([]);
  });

  test('the admin page gets no form to save when storage fails, so Save cannot overwrite the real configuration', async () => {
    store.set(CONFIG_KEY, scalr);
    failStorage(1, 'get', 'RATE_LIMIT_EXCEEDED', 429, CONFIG_KEY);
    const r = await admin('getConfig');
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([expect.stringMatching(/^Forge storage could not be read \(RATE_LIMIT_EXCEEDED\)/)]);
    expect(store.get(CONFIG_KEY)).toEqual(scalr);
    // Read again once storage answers: the real configuration, not the default.
    expect((await admin('getConfig')).config).toEqual(scalr);
  });

  test('"Create the fields" meeting a storage error saves nothing over the real configuration', async () => {
    const unmapped = { ...scalr, map: { pauseStatuses: [], doneStatuses: ['Done'] } };
    store.set(CONFIG_KEY, unmapped);
    failStorage(1, 'get', 'RATE_LIMIT_EXCEEDED', 429, CONFIG_KEY);
    const r = await admin('createFields');
    expect(r.ok).toBe(false);
    expect(store.get(CONFIG_KEY)).toEqual(unmapped);
    expect(jira.writes()).toEqual([]);
  });

  test('a recalculation page meeting a storage error is retried, not run under the default', async () => {
    store.set(CONFIG_KEY, scalr);
    const pushed: unknown[] = [];
    const queue = { push: async (e: unknown) => void pushed.push(e) } as never;
    const { progress } = await startRecalculation(queue, NOW);
    failStorage(1, 'get', 'RATE_LIMIT_EXCEEDED', 429, CONFIG_KEY);
    const r = await recalculatePage({ body: { runId: progress.runId } } as never, queue, client(), NOW);
    expect((r as InvocationError | undefined)?.retryOptions).toBeDefined();
    expect(store.get(PROGRESS_KEY)).toMatchObject({ state: 'running', pages: 0, retries: 1 });
    expect(jira.writes()).toEqual([]);
  });
});

describe('site facts on a large site: no stored value passes 240 KiB (point 10)', () => {
  /** A site of `n` statuses: each team-managed project brings its own, with names of its own. */
  function largeSite(n: number) {
    for (let i = 0; i < n; i++) {
      const category = i % 3 === 0 ? 'done' : i % 3 === 1 ? 'indeterminate' : 'new';
      jira.statuses[`Stage ${i} of the team-managed project number ${i} (${category})`] = { id: String(20000 + i), category };
    }
  }
  /** The stored values the facts are read from: the main value and the parts it names. */
  const values = (): [string, unknown][] => {
    const main = store.get(SITE_KEY) as { parts: number } | undefined;
    if (!main) return [];
    return [[SITE_KEY, main], ...Array.from({ length: main.parts - 1 }, (_, i) => [statusPartKey(i + 1), store.get(statusPartKey(i + 1))] as [string, unknown])];
  };
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

  test('40,000 statuses: the facts are split in parts under the limit, and a status of the last part still solves', async () => {
    store.set(CONFIG_KEY, testConfig);
    largeSite(40_000);
    const site = await siteFacts(client(), NOW, true);
    expect(Object.keys(site.statusCategories).length).toBeGreaterThan(80_000);
    const stored = values();
    expect(stored.length).toBeGreaterThan(2);
    for (const [, v] of stored) expect(size(v)).toBeLessThanOrEqual(STATUS_PART_BUDGET + 1024);
    for (const [, v] of stored) expect(size(v)).toBeLessThan(KVS_VALUE_LIMIT);
    // Read back from storage alone (no Jira request), whole.
    jira.requests = [];
    const again = await siteFacts(client(), NOW + 60_000);
    expect(jira.requests).toEqual([]);
    expect(again.statusCategories).toEqual(site.statusCategories);
    // An issue moved to the last status (its id is in the last part): solved, by its category.
    const last = 20000 + 40_000 - 1; // 39999 % 3 === 0: done
    const sup = jira.issues.get('SUP-1')!;
    const name = `Stage 39999 of the team-managed project number 39999 (done)`;
    sup.histories.push({ id: 'h1', created: '2026-11-20T14:30:00.000+0000', items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: String(last), toString: name }] });
    sup.fields.status = { name };
    const { site: s, issue } = await readIssue(client(), testConfig, 'SUP-1', NOW + 120_000);
    const plan = await planIssue(client(), testConfig, (await import('../src/config')).policyOf(testConfig).policy!, issue, NOW + 120_000, s);
    expect(plan.timeline.events).toContainEqual({ type: 'field', at: '2026-11-20T14:30:00.000+0000', field: 'status', value: 'solved' });
  }, 60_000);

  test('an issue event on the large site runs (before, the one value passed the limit and every trigger failed)', async () => {
    store.set(CONFIG_KEY, testConfig);
    largeSite(40_000);
    store.delete(SITE_KEY);
    const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
    expect(out.wrote.fields).toBeGreaterThan(0);
  }, 60_000);

  test('a small site keeps one value; a part rewritten by a concurrent refresh sends the reader back to Jira', async () => {
    await siteFacts(client(), NOW, true);
    expect(values().map(([k]) => k)).toEqual([SITE_KEY]);
    expect(store.get(SITE_KEY)).toMatchObject({ parts: 1, appAccountId: 'app-sla-desk' });
    largeSite(20_000);
    await siteFacts(client(), NOW, true);
    const parts = (store.get(SITE_KEY) as { parts: number }).parts;
    expect(parts).toBeGreaterThan(1);
    store.set(statusPartKey(1), { ...(store.get(statusPartKey(1)) as object), at: NOW + 5 });
    jira.requests = [];
    await siteFacts(client(), NOW + 1000);
    expect(jira.requests.map((r) => r.path)).toContain('/rest/api/3/status');
  }, 60_000);

  test('only the statuses of the categories the policy tells apart are stored; a policy needing more reads them again', async () => {
    const kiwi = (await import('../src/config')).policyOf(testConfig).policy!;
    // The presets solve on the Done category and pause by name: only Done statuses are kept.
    expect(policyCategories(kiwi)).toEqual(['done']);
    largeSite(30_000);
    const all = await siteFacts(client(), NOW, true);
    const allBytes = values().reduce((n, [, v]) => n + size(v), 0);
    const done = await siteFacts(client(), NOW, true, ['done']);
    const doneBytes = values().reduce((n, [, v]) => n + size(v), 0);
    expect(doneBytes).toBeLessThan(allBytes / 2);
    expect(Object.values(done.statusCategories).every((c) => c === 'done')).toBe(true);
    expect(Object.keys(done.statusCategories).length).toBe(Object.values(all.statusCategories).filter((c) => c === 'done').length);
    // A policy that also pauses on the In Progress category needs those too: read from Jira again.
    const yaml = readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8').replace('pending: { names: [Waiting for customer] }', 'pending: { names: [Waiting for customer], categories: [indeterminate] }');
    const pausing = parsePolicy(yaml).policy!;
    expect(policyCategories(pausing)).toEqual(['done', 'indeterminate']);
    jira.requests = [];
    const again = await siteFacts(client(), NOW + 1000, false, policyCategories(pausing));
    expect(jira.requests.map((r) => r.path)).toContain('/rest/api/3/status');
    expect(Object.values(again.statusCategories)).toContain('indeterminate');
    // Asked for fewer than it holds: served from storage.
    jira.requests = [];
    await siteFacts(client(), NOW + 2000, false, ['done']);
    expect(jira.requests).toEqual([]);
  }, 60_000);

  test('facts stored by an older version (statuses in one value) are read again from Jira', async () => {
    store.set(SITE_KEY, { appAccountId: 'app-sla-desk', statusCategories: { open: 'new' }, appFields: { due: {} }, at: NOW });
    jira.requests = [];
    const site = await siteFacts(client(), NOW + 1000);
    expect(jira.requests.map((r) => r.path)).toContain('/rest/api/3/status');
    expect(site.statusCategories.done).toBe('done');
  });
});

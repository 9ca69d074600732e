import { addSupportIssue, jira, store, testConfig } from './setup';
import { adfText } from '../src/jira/timeline';
import { CONFIG_KEY } from '../src/config';
import { definitions } from '../src/resolvers';

const config = testConfig;

// The resolver as Forge calls it: a function key, a payload and the product context from the UI,
// and the caller's identity from the runtime (the principal), which the UI cannot forge.
const handler = definitions() as unknown as (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const call = (functionKey: string, accountId: string, payload: unknown = {}) =>
  handler(
    { call: { functionKey, payload }, context: { accountId: 'lead-1', locale: 'en-US', timezone: 'America/Toronto', extension: { issue: { key: 'SUP-1', id: '10001' } } } },
    { principal: { accountId } },
  );

beforeEach(() => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, config);
  jira.groups.set('lead-1', ['jira-users', 'triage-leads']);
  jira.groups.set('agent-1', ['jira-users']);
  addSupportIssue(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '2', name: 'High' });
});

test('the panel gets the shared view model, the glance label and whether the caller is a lead', async () => {
  const r = await call('panel', 'agent-1');
  expect(r.ok).toBe(true);
  expect(r.view.priority).toEqual({ label: 'P2', reason: 'Impact 2 x Urgency 1 → P2', overridden: false });
  expect(r.view.tier.label).toBe('Plus');
  expect(r.label).toMatch(/^P2 · Plus · /);
  expect(r.lead).toBe(false);
  expect((await call('panel', 'lead-1')).lead).toBe(true);
});

test('a non-lead\'s override is refused on the server, and nothing is written', async () => {
  const r = await call('override', 'agent-1', { to: 'P1', reason: 'Production is down' });
  expect(r).toEqual({ ok: false, problems: ['Only triage leads can override the priority.'] });
  expect(jira.writes()).toEqual([]);
});

test('a lead\'s override needs a reason, then writes an internal comment and the priority', async () => {
  expect(await call('override', 'lead-1', { to: 'P1', reason: '' })).toEqual({ ok: false, problems: ['reason: a reason of at least 3 characters is required'] });
  expect(jira.writes()).toEqual([]);
  jira.requests = [];
  const r = await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' });
  expect(r.ok).toBe(true);
  // One lead check, one read, then the comment and the priority.
  expect(jira.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`)).toEqual(['GET /rest/api/3/user/groups', 'GET /rest/api/3/issue/SUP-1', 'POST /rest/api/3/issue/SUP-1/comment', 'PUT /rest/api/3/issue/SUP-1']);
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.comments).toHaveLength(1);
  expect(issue.comments[0].jsdPublic).toBe(false);
  expect(adfText(issue.comments[0].body)).toMatch(/^Priority override by lead-1 at .*: P2 → P1\.\nReason: Production is down$/);
  expect(issue.fields.priority).toEqual({ id: '1', name: 'Highest' });
  // The override is kept in the timeline: read back from its comment, it now sets the priority.
  const after = await call('panel', 'agent-1');
  expect(after.view.priority).toMatchObject({ label: 'P1', overridden: true });
});

test('an invalid policy is refused with its paths, and the stored configuration is kept', async () => {
  const r = await call('setConfig', 'lead-1', { config: { ...config, policy: { document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }\npriorities: {}' } } });
  expect(r.ok).toBe(false);
  expect(r.problems).toEqual(expect.arrayContaining(['classification.method: expected method: matrix, requester or severity']));
  expect(store.get(CONFIG_KEY)).toEqual(config);
  expect((await call('setConfig', 'lead-1', { config: { ...config, policy: { preset: 'scalr' } } })).ok).toBe(true);
  expect((await call('getConfig', 'lead-1')).config.policy).toEqual({ preset: 'scalr' });
});

test('a policy naming a Jira priority the site lacks is refused, and nothing is saved', async () => {
  jira.priorities = jira.priorities.filter((p) => p.name !== 'Lowest');
  const r = await call('setConfig', 'lead-1', { config: { ...config, policy: { preset: 'bespoke-s1-s5' } } });
  expect(r).toEqual({ ok: false, problems: ['priorities.S5.jira: this Jira site has no priority named "Lowest"'] });
  expect(store.get(CONFIG_KEY)).toEqual(config);
});

test('the admin page creates the Impact, Urgency and Tier fields that are not mapped, with the policy\'s levels', async () => {
  store.set(CONFIG_KEY, { ...config, map: { pauseStatuses: [], doneStatuses: ['Done'] } });
  const r = await call('createFields', 'lead-1');
  expect(r.created).toEqual(['Impact', 'Urgency', 'Tier']);
  const fields = [...jira.fields.values()];
  expect(fields.map((f) => [f.name, f.options])).toEqual([
    ['Impact', ['1. Extended', '2. Important', '3. Moderate', '4. Minor']],
    ['Urgency', ['1. Critical', '2. High', '3. Medium', '4. Low']],
    ['Tier', ['Basic', 'Plus']],
  ]);
  expect((store.get(CONFIG_KEY) as typeof config).map.impact).toBe(r.map.impact);
  // Nothing left to create the second time.
  expect((await call('createFields', 'lead-1')).created).toEqual([]);
});

test('a lead by project role: a member of the role, directly or by a group, may override; others are refused', async () => {
  store.set(CONFIG_KEY, { ...config, leadGroups: [], leadRoles: ['Triage leads'] });
  jira.projectRoles.set('SUP', { Developers: { id: 10001, accountIds: ['agent-1'], groups: [] }, 'Triage leads': { id: 10002, accountIds: ['role-lead'], groups: ['duty-managers'] } });
  jira.groups.set('manager-1', ['duty-managers']);
  expect((await call('panel', 'role-lead')).lead).toBe(true);
  expect((await call('panel', 'manager-1')).lead).toBe(true);
  expect((await call('panel', 'agent-1')).lead).toBe(false);
  expect(await call('override', 'agent-1', { to: 'P1', reason: 'Production is down' })).toEqual({ ok: false, problems: ['Only triage leads can override the priority.'] });
  expect(jira.writes()).toEqual([]);
  expect((await call('override', 'role-lead', { to: 'P1', reason: 'Production is down' })).ok).toBe(true);
});

import { FIELD, freshSite, jira, recordingQueue, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { projectPrioritiesKey } from '../src/issue';
import { adminDefinitions, definitions } from '../src/resolvers';
import { onIssueEvent } from '../src/triggers';

/**
 * Issue 18, point 12: a project's issues may have only its priority scheme's priorities (Jira Cloud
 * priority schemes; GET /rest/api/3/priority, the site-wide list, is deprecated). SLA Desk checks
 * the project's scheme before it sets a priority, so the write cannot fail with a 400.
 */
const NOW = Date.parse('2026-11-20T15:00:00Z');
const client = () => new JiraClient('app', { sleep: async () => undefined });
type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const { pushed: queued, queue } = recordingQueue();
const panel = definitions(() => queue) as unknown as Handler;
const admin = adminDefinitions(async () => true) as unknown as Handler;
const invoke = (h: Handler, functionKey: string, accountId: string, payload: unknown = {}, key = 'OPS-1') => {
  jira.currentUser = accountId;
  return h({ call: { functionKey, payload }, context: { accountId, locale: 'en-US', timezone: 'UTC', extension: { issue: { key, id: jira.issues.get(key)?.id } } } }, { principal: { accountId } });
};

/** An issue whose matrix gives P1 (Jira's Highest): Impact 1, Urgency 1, Plus. */
function addP1Issue(key: string, id: string) {
  return jira.addIssue({
    id,
    key,
    fields: {
      created: '2026-11-20T14:00:00.000+0000',
      status: { name: 'Open' },
      priority: { id: '3', name: 'Medium' },
      reporter: { accountId: 'customer-1' },
      customfield_10050: { value: '1. Extended' },
      customfield_10051: { value: '1. Critical' },
      customfield_10052: { value: 'Plus' },
    },
  });
}

beforeEach(async () => {
  freshSite();
  queued.length = 0;
  addP1Issue('OPS-1', '10002');
  addP1Issue('SUP-1', '10001');
  // The operations project uses a scheme without Highest (ids 2, 3, 4: High, Medium, Low).
  jira.prioritySchemes.push({ id: '10100', name: 'Ops priorities', priorityIds: ['2', '3', '4'], projectKeys: ['OPS'] });
  await warmSite(NOW);
});

test('the emulated site refuses a priority outside the project\'s scheme with a 400, as Jira does', async () => {
  const { default: api, route } = await import('@forge/api');
  const put = (key: string) => api.asApp().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: JSON.stringify({ fields: { priority: { name: 'Highest' } } }) });
  expect((await put('OPS-1')).status).toBe(400);
  expect((await put('SUP-1')).status).toBe(204);
});

test('an issue event on a project whose scheme lacks the priority leaves Jira\'s alone and still writes the SLA fields', async () => {
  const out = await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW);
  expect(out.wrote.priority).toBe(false);
  expect(out.wrote.fields).toBeGreaterThan(0);
  const ops = jira.issues.get('OPS-1')!;
  expect(ops.fields.priority).toEqual({ id: '3', name: 'Medium' });
  expect(ops.fields[FIELD.tier]).toBe('Plus');
  // No write Jira would refuse was sent.
  expect(jira.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  // The project on the default scheme gets Highest.
  expect((await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW)).wrote.priority).toBe(true);
  expect(jira.issues.get('SUP-1')!.fields.priority).toEqual({ id: '1', name: 'Highest' });
});

test('the project\'s priorities are read once an hour: a second event asks Jira no scheme question', async () => {
  await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW);
  jira.requests = [];
  jira.issues.get('OPS-1')!.fields.customfield_10051 = { value: '1. Critical' };
  await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW + 60_000);
  expect(jira.requests.filter((r) => r.path.startsWith('/rest/api/3/priorityscheme'))).toEqual([]);
});

test('a scheme changed within the hour: Jira\'s 400 costs only the priority, the fields are written, and the scheme is read again', async () => {
  // Read while OPS still used the default scheme, then moved to the Ops scheme.
  const ops = jira.prioritySchemes.pop()!;
  const sup = jira.issues.get('OPS-1')!;
  await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW);
  expect(sup.fields.priority).toEqual({ id: '1', name: 'Highest' });
  sup.fields.priority = { id: '3', name: 'Medium' };
  sup.fields[FIELD.tier] = null;
  jira.prioritySchemes.push(ops);
  const out = await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW + 60_000);
  expect(out.wrote).toMatchObject({ priority: false });
  expect(sup.fields[FIELD.tier]).toBe('Plus');
  expect(store.get(projectPrioritiesKey(jira.projectId('OPS')))).toMatchObject({ at: 0 });
  jira.requests = [];
  await onIssueEvent({ issue: { id: '10002', key: 'OPS-1' } }, client(), NOW + 120_000);
  expect(jira.requests.map((r) => r.path.split('?')[0])).toContain('/rest/api/3/priorityscheme');
  expect(jira.requests.filter((r) => r.method === 'PUT')).toEqual([]);
});

test('a lead\'s override to a priority the project\'s scheme lacks is refused before anything is written', async () => {
  // Impact 2 × Urgency 1: P2 (High), which the Ops scheme holds; the lead asks for P1 (Highest).
  jira.issues.get('OPS-1')!.fields.customfield_10050 = { value: '2. Important' };
  const r = await invoke(panel, 'override', 'lead-1', { to: 'P1', reason: 'Production is down' });
  expect(r).toEqual({ ok: false, problems: ['P1: this project\'s priority scheme "Ops priorities" has no Jira priority "Highest"; a Jira admin can add it to the scheme'] });
  expect(jira.writes()).toEqual([]);
  expect(queued).toEqual([]);
  // To one it holds, the override goes through.
  expect((await invoke(panel, 'override', 'lead-1', { to: 'P4', reason: 'Workaround in place' })).ok).toBe(true);
  expect(jira.issues.get('OPS-1')!.fields.priority).toEqual({ id: '4', name: 'Low' });
  expect(jira.issues.get('OPS-1')!.comments).toHaveLength(1);
});

test('Save checks the schemes, not the deprecated site-wide list: the default scheme decides, a project scheme warns', async () => {
  const r = await invoke(admin, 'setConfig', 'site-admin', { config: testConfig });
  expect(r.ok).toBe(true);
  expect(r.warnings).toEqual(['priorities.P1.jira: the priority scheme "Ops priorities" (projects OPS) has no priority "Highest": on those projects SLA Desk leaves Jira\'s priority as it is, and an override to P1 is refused']);
  expect(jira.requests.map((q) => q.path.split('?')[0])).not.toContain('/rest/api/3/priority');
  // A scheme no project uses refuses nothing.
  jira.prioritySchemes[0].projectKeys = [];
  expect((await invoke(admin, 'setConfig', 'site-admin', { config: testConfig })).warnings).toEqual([]);
  // A name the default scheme (every priority of the site) lacks: refused, nothing saved.
  jira.priorities = jira.priorities.filter((p) => p.name !== 'Highest');
  store.set(CONFIG_KEY, { ...testConfig, leadGroups: ['kept'] });
  const refused = await invoke(admin, 'setConfig', 'site-admin', { config: testConfig });
  expect(refused).toEqual({ ok: false, problems: ['priorities.P1.jira: this Jira site has no priority named "Highest"'] });
  expect(store.get(CONFIG_KEY)).toMatchObject({ leadGroups: ['kept'] });
});

import { addSupportIssue, freshSite, jira, manifest, recordingQueue, store, testConfig, warmSite } from './setup';
import { JiraEmulator } from '../../test/jira/emulator';
import { CONFIG_KEY, policyOf } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { adfText } from '../src/jira/timeline';
import { planIssue } from '../src/issue';
import { definitions } from '../src/resolvers';
import { onIssueEvent, readIssue } from '../src/triggers';

/**
 * Issue 18, point 7: an internal comment on a service project goes through JSM's documented Create
 * request comment (POST /rest/servicedeskapi/request/{key}/comment, {body, public: false}), not the
 * platform comment with the sd.public.comment property. REST v3's Comment.jsdPublic: "To create a
 * comment with its visibility in Jira Service Desk set to false, use the Jira Service Desk REST API
 * Create request comment operation."
 */
type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const { pushed: queued, queue } = recordingQueue();
const panel = definitions(() => queue) as unknown as Handler;
const call = (functionKey: string, accountId: string, payload: unknown = {}) => {
  jira.currentUser = accountId;
  return panel({ call: { functionKey, payload }, context: { accountId, locale: 'en-US', timezone: 'UTC', extension: { issue: { key: 'SUP-1', id: '10001' } } } }, { principal: { accountId } });
};
const commentRequests = () => jira.requests.filter((r) => r.method !== 'GET' && /comment/.test(r.path)).map((r) => `${r.method} ${r.path.split('?')[0]}`);

beforeEach(() => {
  freshSite();
  queued.length = 0;
  jira.projectTypes.set('SUP', 'service_desk');
  addSupportIssue(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '2', name: 'High' });
});

test('a lead\'s override note is JSM\'s internal request comment, its audit property is set after it, and it reads back as the override', async () => {
  jira.requests = [];
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' })).ok).toBe(true);
  const note = jira.issues.get('SUP-1')!.comments[0];
  expect(commentRequests()).toEqual(['POST /rest/servicedeskapi/request/SUP-1/comment', `PUT /rest/api/3/comment/${note.id}/properties/sla-desk-override`]);
  const sent = jira.requests.find((r) => r.path.startsWith('/rest/servicedeskapi/'))!;
  // Plain text, not ADF, and internal.
  expect(sent.body).toEqual({ body: expect.stringMatching(/^Priorité modifiée par Sam Lead le .* Toronto \(.* UTC\) : P2 → P1\.\nRaison : Production is down\n\[sla-desk override \S+Z P2 P1 "Sam Lead"\]$/), public: false });
  expect(note.jsdPublic).toBe(false);
  expect(note.properties).toEqual([{ key: 'sla-desk-override', value: { accountId: 'lead-1' } }]);
  // Read back through REST v3 (ADF, jsdPublic false), it is the app's trusted internal note.
  const after = await call('panel', 'agent-1');
  expect(after.view.priority).toMatchObject({ label: 'P1', overridden: true });
  expect(after.timeline.events.filter((e: { type: string }) => e.type === 'reply')).toEqual([]);
});

test('the notice to the requester stays a public comment of the platform', async () => {
  jira.requests = [];
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Outage', notify: true, notice: 'We are on it.' })).ok).toBe(true);
  expect(commentRequests()).toEqual(['POST /rest/servicedeskapi/request/SUP-1/comment', expect.stringMatching(/^PUT \/rest\/api\/3\/comment\/\d+\/properties\/sla-desk-override$/), 'POST /rest/api/3/issue/SUP-1/comment']);
  const notice = jira.issues.get('SUP-1')!.comments[1];
  expect(adfText(notice.body)).toBe('We are on it.');
  expect(notice.jsdPublic).toBe(true);
});

test('"Mark as met" and the breach notice are internal request comments too, and "met" still counts', async () => {
  store.set(CONFIG_KEY, { ...testConfig, policy: { preset: 'interopion' } });
  jira.issues.get('SUP-1')!.fields.priority = { id: '1', name: 'Highest' };
  jira.users.get('lead-1')!.projects = { SUP: ['EDIT_ISSUES'] };
  jira.requests = [];
  expect(await call('markMet', 'lead-1', { metric: 'critical_notice' })).toEqual({ ok: true });
  expect(commentRequests()).toEqual(['POST /rest/servicedeskapi/request/SUP-1/comment']);
  const after = await call('panel', 'agent-1');
  expect(after.view.metrics.find((m: { metric: string }) => m.metric === 'critical_notice').state).toBe('met');

  // KIWI Plus P2 created 2 business hours ago: the first response is breached, and the trigger says so once.
  store.set(CONFIG_KEY, testConfig);
  jira.issues.get('SUP-1')!.fields.created = '2026-11-20T14:00:00.000+0000';
  jira.requests = [];
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, new JiraClient('app', { sleep: async () => undefined }), Date.parse('2026-11-20T17:00:00Z'));
  expect(out.notified).toBe(true);
  expect(commentRequests()).toEqual(['POST /rest/servicedeskapi/request/SUP-1/comment']);
  expect(jira.issues.get('SUP-1')!.comments.slice(1).every((c) => c.jsdPublic === false)).toBe(true);
});

test('an issue of a service project that is no customer request: JSM answers 404, and the comment is the platform\'s, kept internal by sd.public.comment', async () => {
  jira.issues.get('SUP-1')!.notARequest = true;
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jira.requests = [];
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' })).ok).toBe(true);
  const logged = warn.mock.calls.map((c) => String(c[0]));
  warn.mockRestore();
  expect(commentRequests()).toEqual(['POST /rest/servicedeskapi/request/SUP-1/comment', 'POST /rest/api/3/issue/SUP-1/comment']);
  const note = jira.issues.get('SUP-1')!.comments[0];
  expect(note.jsdPublic).toBe(false);
  expect(note.properties).toEqual([{ key: 'sd.public.comment', value: { internal: true } }, { key: 'sla-desk-override', value: { accountId: 'lead-1' } }]);
  expect((await call('panel', 'agent-1')).view.priority).toMatchObject({ label: 'P1', overridden: true });
  // Which refusal, and nothing of the issue: no reason, no key.
  expect(logged.map((l) => JSON.parse(l))).toContainEqual({ level: 'warn', msg: 'JSM request comment refused: internal comment written with sd.public.comment', status: 404 });
  expect(logged.join('\n')).not.toMatch(/Production|SUP-1/);
});

test('outside a service project the platform\'s comment, as before: JSM is never asked', async () => {
  jira.projectTypes.set('SUP', 'software');
  jira.requests = [];
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' })).ok).toBe(true);
  expect(commentRequests()).toEqual(['POST /rest/api/3/issue/SUP-1/comment']);
});

test('a person\'s internal request comment is no public reply: the first response keeps running until a public one', async () => {
  const NOW = Date.parse('2026-11-20T14:50:00Z');
  const client = () => new JiraClient('app', { sleep: async () => undefined });
  store.set(CONFIG_KEY, testConfig);
  jira.issues.get('SUP-1')!.fields.created = '2026-11-20T14:00:00.000+0000';
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' });
  await warmSite(NOW);
  const { default: api, route } = await import('@forge/api');
  jira.currentUser = 'agent-1';
  const comment = (at: string, isPublic: boolean) => {
    jira.now = () => at;
    return api.asUser().requestJira(route`/rest/servicedeskapi/request/SUP-1/comment`, { method: 'POST', body: JSON.stringify({ body: 'Checking with the team', public: isPublic }) });
  };
  const firstResponse = async () => {
    const { site, issue } = await readIssue(client(), testConfig, 'SUP-1', NOW);
    return (await planIssue(client(), testConfig, policyOf(testConfig).policy!, issue, NOW, site)).decision.metrics.find((m) => m.metric === 'first_response')!;
  };
  expect((await comment('2026-11-20T14:20:00.000+0000', false)).status).toBe(201);
  expect((await firstResponse()).state).not.toBe('met');
  expect((await comment('2026-11-20T14:30:00.000+0000', true)).status).toBe(201);
  expect(await firstResponse()).toMatchObject({ state: 'met', stoppedAt: Date.parse('2026-11-20T14:30:00Z') });
});

test('the emulated site refuses JSM\'s request comment to a manifest without write:servicedesk-request (401), as Forge does', async () => {
  const { route } = jest.requireActual('@forge/api');
  const scopes = (manifest.permissions.scopes as string[]).filter((s) => s !== 'write:servicedesk-request');
  const site = new JiraEmulator(scopes);
  site.projectTypes.set('SUP', 'service_desk');
  site.addIssue({ id: '1', key: 'SUP-1', fields: { created: '2026-11-20T14:00:00.000+0000' } });
  const post = (s: JiraEmulator) => s.requestJira(route`/rest/servicedeskapi/request/SUP-1/comment`, { method: 'POST', body: JSON.stringify({ body: 'x', public: false }) });
  expect((await post(site)).status).toBe(401);
  const full = new JiraEmulator(manifest.permissions.scopes);
  full.projectTypes.set('SUP', 'service_desk');
  full.addIssue({ id: '1', key: 'SUP-1', fields: { created: '2026-11-20T14:00:00.000+0000' } });
  expect((await post(full)).status).toBe(201);
});

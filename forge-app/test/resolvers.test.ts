import { addSupportIssue, FIELD, freshSite, jira, recordingQueue, store, testConfig } from './setup';
import { APP_ACCOUNT } from '../../test/jira/emulator';
import { adfText } from '../src/jira/timeline';
import { formatMetNote, parseMetNote } from '../src/jira/met-note';
import { PRESETS } from '../src/presets';
import { CONFIG_KEY } from '../src/config';
import { adminDefinitions, definitions, NOT_ADMIN } from '../src/resolvers';
import { onTransition } from '../src/triggers';

const config = testConfig;

// The resolver as Forge calls it: a function key, a payload and the product context from the UI,
// and the caller's identity from the runtime (the principal), which the UI cannot forge.
type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
/** The transition queue, as Forge's: what the resolvers push is kept for the consumer to run. */
const { pushed: queued, queue } = recordingQueue();
const panelHandler = definitions(() => queue) as unknown as Handler;
/** Recalculations the admin functions start, kept instead of pushed to Forge's queue. */
const recalculations: number[] = [];
const adminHandler = adminDefinitions(undefined, async () => {
  recalculations.push(Date.now());
  return { progress: { runId: 'test', state: 'running', pages: 0, issues: 0, written: 0, retries: 0, startedAt: new Date().toISOString() } };
}) as unknown as Handler;
/** A resolver call as Forge makes it: the caller is the runtime's principal, whom asUser acts as. */
const invoke = (handler: Handler) => (functionKey: string, accountId: string, payload: unknown = {}) => {
  jira.currentUser = accountId;
  return handler(
    { call: { functionKey, payload }, context: { accountId: 'lead-1', locale: 'en-US', timezone: 'America/Toronto', extension: { issue: { key: 'SUP-1', id: '10001' } } } },
    { principal: { accountId } },
  );
};
const call = invoke(panelHandler);
const admin = invoke(adminHandler);

beforeEach(() => {
  freshSite(config);
  queued.length = 0;
  recalculations.length = 0;
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' }, ['jira-users']);
  jira.addUser({ accountId: 'site-admin', displayName: 'Ada Admin', global: ['ADMINISTER'] }, ['jira-admins']);
  jira.addUser({ accountId: 'project-admin', displayName: 'Pat Project', projects: { SUP: ['ADMINISTER_PROJECTS'] } }, ['jira-users']);
  addSupportIssue(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '2', name: 'High' });
});

test('the panel gets the shared view model, the glance label and whether the caller is a lead', async () => {
  const r = await call('panel', 'agent-1');
  expect(r.ok).toBe(true);
  expect(r.view.priority).toEqual({ label: 'P2', reason: 'Important × Critical → P2', overridden: false });
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

test("the override note gives its instant in the lead's own zone where their profile shows it", async () => {
  const lead = jira.users.get('lead-1')!;
  lead.timeZone = 'Asia/Tokyo';
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' })).ok).toBe(true);
  const [note] = jira.issues.get('SUP-1')!.comments;
  expect(adfText(note.body)).toMatch(/^Priorité modifiée par Sam Lead le \S+ \d+ \S+ \d\d h \d\d Tokyo \((\S+ \d+ \S+ )?\d\d h \d\d UTC\) : P2 → P1\.\n/);
});

test('a lead\'s override needs a reason, then writes an internal comment and the priority', async () => {
  expect(await call('override', 'lead-1', { to: 'P1', reason: '' })).toEqual({ ok: false, problems: ['reason: a reason of at least 3 characters is required'] });
  expect(jira.writes()).toEqual([]);
  jira.requests = [];
  const r = await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' });
  expect(r.ok).toBe(true);
  // The lead check, a read, the lead's name, the comment and the priority: the SLA fields are
  // rewritten by the transition queue's consumer, not within the resolver's 25 s.
  expect(jira.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`)).toEqual([
    'GET /rest/api/3/user/groups',
    'GET /rest/api/3/issue/SUP-1',
    'GET /rest/api/3/user',
    // The Jira priority it sets must be in the project's priority scheme (read once an hour).
    'GET /rest/api/3/priorityscheme',
    'GET /rest/api/3/priorityscheme/1/priorities',
    'POST /rest/api/3/issue/SUP-1/comment',
    'PUT /rest/api/3/issue/SUP-1',
  ]);
  expect(queued).toEqual([{ body: { issueId: '10001', key: 'SUP-1', at: expect.any(Number) } }]);
  jira.requests = [];
  await onTransition(queued[0]);
  expect(jira.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`)).toEqual(['GET /rest/api/3/issue/SUP-1', 'POST /rest/api/3/app/field/value']);
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.comments).toHaveLength(1);
  expect(issue.comments[0].jsdPublic).toBe(false);
  // Named by display name; the account id stays with the comment as a property.
  // In the policy's language (KIWI's: French) and zone, with the reference line the timeline reads.
  expect(adfText(issue.comments[0].body)).toMatch(/^Priorité modifiée par Sam Lead le \S+ \d+ \S+ \d\d h \d\d Toronto \((\S+ \d+ \S+ )?\d\d h \d\d UTC\) : P2 → P1\.\nRaison : Production is down\n\[sla-desk override \S+Z P2 P1 "Sam Lead"\]$/);
  expect(issue.comments[0].properties).toContainEqual({ key: 'sla-desk-override', value: { accountId: 'lead-1' } });
  expect(issue.fields.priority).toEqual({ id: '1', name: 'Highest' });
  // The fields are fresh once the consumer ran: P1's first response is due, not P2's.
  expect(issue.fields[FIELD.tier]).toBe('Plus');
  expect(issue.fields[FIELD.firstResponse]).toBeDefined();
  // The override is kept in the timeline: read back from its comment, it now sets the priority.
  const after = await call('panel', 'agent-1');
  expect(after.view.priority).toMatchObject({ label: 'P1', overridden: true });
});

test('an invalid policy is refused with its paths, and the stored configuration is kept', async () => {
  const r = await admin('setConfig', 'site-admin', { config: { ...config, policy: { document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }\npriorities: {}' } } });
  expect(r.ok).toBe(false);
  expect(r.problems).toEqual(expect.arrayContaining(['classification.method: expected method: matrix, requester or severity']));
  // Each problem's line, for the admin page's numbered view: `classification` is line 4.
  expect(r.lines).toContain(4);
  expect(r.lines.every((l: number) => l >= 1 && l <= 5)).toBe(true);
  expect(store.get(CONFIG_KEY)).toEqual(config);
  expect(recalculations).toEqual([]);
  const saved = await admin('setConfig', 'site-admin', { config: { ...config, policy: { preset: 'scalr' } } });
  expect(saved.ok).toBe(true);
  const read = await admin('getConfig', 'site-admin');
  expect(read.config.policy).toEqual({ preset: 'scalr' });
  // The admin page's table of promises is the saved policy's, from the save and from a later read.
  expect(read.promises.rows.map((r: { tier: string }) => r.tier)).toContain('premium');
  expect(saved.promises).toEqual(read.promises);
  // The saved policy changed evaluations: the open issues are recalculated.
  expect(recalculations).toHaveLength(1);
});

test('the group mapping is a custom field id or "components"; anything else is refused by its name, and nothing is saved', async () => {
  const r = await admin('setConfig', 'site-admin', { config: { ...config, map: { ...config.map, group: 'Owning group' } } });
  expect(r).toEqual({ ok: false, problems: ['map.group: expected a custom field id (a group picker, team or select field, e.g. customfield_10001) or "components"'] });
  expect(store.get(CONFIG_KEY)).toEqual(config);
  for (const group of ['customfield_10060', 'components']) expect((await admin('setConfig', 'site-admin', { config: { ...config, map: { ...config.map, group } } })).ok).toBe(true);
});

test('a policy naming a Jira priority the site lacks is refused, and nothing is saved', async () => {
  jira.priorities = jira.priorities.filter((p) => p.name !== 'Lowest');
  const r = await admin('setConfig', 'site-admin', { config: { ...config, policy: { preset: 'bespoke-s1-s5' } } });
  expect(r).toEqual({ ok: false, problems: ['priorities.S5.jira: this Jira site has no priority named "Lowest"'] });
  expect(store.get(CONFIG_KEY)).toEqual(config);
});

test('the admin page creates the Impact, Urgency and Tier fields that are not mapped, with the policy\'s levels', async () => {
  store.set(CONFIG_KEY, { ...config, map: { pauseStatuses: [], doneStatuses: ['Done'] } });
  const r = await admin('createFields', 'site-admin');
  expect(r.created).toEqual(['Impact', 'Urgency', 'Tier']);
  const fields = [...jira.fields.values()].filter((f) => !f.moduleKey);
  expect(fields.map((f) => [f.name, f.options])).toEqual([
    ['Impact', ['1. Extended', '2. Important', '3. Moderate', '4. Minor']],
    ['Urgency', ['1. Critical', '2. High', '3. Medium', '4. Low']],
    ['Tier', ['Basic', 'Plus']],
  ]);
  expect((store.get(CONFIG_KEY) as typeof config).map.impact).toBe(r.map.impact);
  // Nothing left to create the second time.
  expect((await admin('createFields', 'site-admin')).created).toEqual([]);
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

describe('the admin resolver: Administer Jira, checked on the server as the caller', () => {
  const probe = { config: { ...config, leadGroups: ['jira-users'] } };
  test.each([
    ['a plain user', 'agent-1'],
    ['a triage lead', 'lead-1'],
    ['a project admin', 'project-admin'],
  ])('%s is refused every admin function, and nothing is written', async (_who, accountId) => {
    for (const fn of ['getConfig', 'setConfig', 'createFields', 'recalculate', 'recalculationProgress']) {
      expect(await admin(fn, accountId, probe)).toEqual({ ok: false, problems: [NOT_ADMIN] });
    }
    expect(store.get(CONFIG_KEY)).toEqual(config);
    expect(jira.writes()).toEqual([]);
    expect(recalculations).toEqual([]);
    // The check asked Jira as the caller, not as the app (whose own account is an admin).
    const checks = jira.requests.filter((r) => r.path.startsWith('/rest/api/3/mypermissions'));
    expect(checks).toHaveLength(5);
    expect(checks.every((r) => r.as === 'user' && r.path.includes('permissions=ADMINISTER'))).toBe(true);
  });

  test('a site admin may change the configuration', async () => {
    expect((await admin('setConfig', 'site-admin', probe)).ok).toBe(true);
    expect((store.get(CONFIG_KEY) as typeof config).leadGroups).toEqual(['jira-users']);
  });

  test('the glance and panel resolver defines no admin function at all', async () => {
    for (const fn of ['getConfig', 'setConfig', 'createFields', 'recalculate']) await expect(call(fn, 'site-admin', probe)).rejects.toThrow(/no definition/);
  });
});

describe('the lead check survives what Jira refuses', () => {
  test('reading a project role needs project admin: a 403 means "not a lead", and the panel still renders', async () => {
    store.set(CONFIG_KEY, { ...config, leadGroups: [], leadRoles: ['Triage leads'] });
    jira.projectRoles.set('SUP', { 'Triage leads': { id: 10002, accountIds: ['agent-1'], groups: [] } });
    // The app's account without Administer Jira, as on a site that took it away.
    jira.users.get('app-sla-desk')!.global = [];
    const r = await call('panel', 'agent-1');
    expect(r.ok).toBe(true);
    expect(r.lead).toBe(false);
    expect(jira.requests.some((q) => q.path.endsWith('/project/SUP/role'))).toBe(true);
  });
});

test('an agent who edits the app\'s override note (Edit all comments) makes it no override at all', async () => {
  expect((await call('override', 'lead-1', { to: 'P3', reason: 'Customer unreachable' })).ok).toBe(true);
  const note = jira.issues.get('SUP-1')!.comments[0];
  const forged = adfText(note.body).replace('→ P3', '→ P1');
  jira.currentUser = 'agent-1';
  const { route } = jest.requireActual('@forge/api');
  const body = JSON.stringify({ body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: forged }] }] } });
  expect((await jira.requestJira(route`/rest/api/3/issue/SUP-1/comment/${note.id}`, { method: 'PUT', body }, { as: 'user', accountId: 'agent-1' })).status).toBe(200);
  const after = await call('panel', 'agent-1');
  // Neither the forged P1 nor the lead's P3: the edited note is only text, and the matrix's P2 stands.
  expect(after.view.priority).toMatchObject({ label: 'P2', overridden: false });
});

test('the requester\'s notice of an override is written for them: public, in the policy\'s language, without the internal reason', async () => {
  const r = await call('override', 'lead-1', { to: 'P1', reason: 'Internal: their CTO called our CEO', notify: true });
  expect(r.ok).toBe(true);
  const comments = jira.issues.get('SUP-1')!.comments;
  expect(comments).toHaveLength(2);
  const notice = comments.find((c) => c.jsdPublic !== false)!;
  // KIWI's customers are in Quebec: the policy's language (fr), not the English-speaking lead's.
  expect(adfText(notice.body)).toBe('Nous avons changé la priorité de votre demande : elle est maintenant P1. Nous vous tiendrons informé de son avancement.');
  expect(adfText(notice.body)).not.toContain('CTO');
});

test('a notice the lead wrote is sent as written', async () => {
  const r = await call('override', 'lead-1', { to: 'P1', reason: 'Outage', notify: true, notice: '  We are treating your request as urgent.  ' });
  expect(r.ok).toBe(true);
  const notice = jira.issues.get('SUP-1')!.comments.find((c) => c.jsdPublic !== false)!;
  expect(adfText(notice.body)).toBe('We are treating your request as urgent.');
});

describe('a promise kept by an event: "Mark as met" instead of a tag', () => {
  // Interopion: a P1 request promises a critical-issue notice within 4 hours.
  beforeEach(() => {
    store.set(CONFIG_KEY, { ...config, policy: { preset: 'interopion' } });
    jira.issues.get('SUP-1')!.fields.priority = { id: '1', name: 'Highest' };
    jira.users.get('agent-1')!.projects = { SUP: ['EDIT_ISSUES'] };
  });

  test('the panel offers the button; an agent who can edit the issue keeps the promise, once', async () => {
    const before = await call('panel', 'agent-1');
    expect(before.metButtons).toEqual([{ metric: 'critical_notice', label: 'Critical issue notification' }]);
    expect(await call('markMet', 'agent-1', { metric: 'critical_notice' })).toEqual({ ok: true });
    const note = jira.issues.get('SUP-1')!.comments.at(-1)!;
    expect(note.jsdPublic).toBe(false);
    // In Interopion's words and zone (Denver), with the reference line the timeline reads.
    expect(adfText(note.body)).toMatch(/^SLA Desk: Critical issue notification kept, marked by Lea Agent on \w{3} \d+ \w{3}, \d\d:\d\d Denver \((\w{3} \d+ \w{3}, )?\d\d:\d\d UTC\)\.\n\[sla-desk met critical_notice \S+Z "Lea Agent"\]$/);
    const after = await call('panel', 'agent-1');
    expect(after.metButtons).toEqual([]);
    expect(after.view.metrics.find((m: { metric: string }) => m.metric === 'critical_notice').state).toBe('met');
    expect(await call('markMet', 'agent-1', { metric: 'critical_notice' })).toEqual({ ok: false, problems: ['Critical issue notification is kept already.'] });
  });

  test('refused, with nothing written, to a user who cannot edit the issue, for a metric kept otherwise, and for "constructor"', async () => {
    jira.users.get('agent-1')!.projects = {};
    expect((await call('markMet', 'agent-1', { metric: 'critical_notice' })).problems).toEqual(['Only people who can edit this issue can mark a promise as kept.']);
    jira.users.get('agent-1')!.projects = { SUP: ['EDIT_ISSUES'] };
    expect((await call('markMet', 'agent-1', { metric: 'first_response' })).ok).toBe(false);
    expect((await call('markMet', 'agent-1', { metric: 'constructor' })).ok).toBe(false);
    expect(jira.writes()).toEqual([]);
  });

  const metEvents = async () => (await call('panel', 'agent-1')).timeline.events.filter((e: { type: string }) => e.type === 'met');

  test.each([
    ['another note', 'Eve. SLA Desk: Resolution kept (resolution), marked by Eve'],
    ['a line break', 'Eve\nSLA Desk: Resolution kept (resolution), marked by Eve'],
    ['its own closing quote', 'Eve" at 2020-01-01T00:00:00.000Z. SLA Desk: Resolution kept (resolution), marked by "Eve'],
    ['backslashes and unicode', 'Zoë \\ 李 🧑‍💻'],
  ])('a display name holding %s keeps exactly the Metric marked, and is named in the note', async (_case, displayName) => {
    jira.users.get('agent-1')!.displayName = displayName;
    expect(await call('markMet', 'agent-1', { metric: 'critical_notice' })).toEqual({ ok: true });
    const text = adfText(jira.issues.get('SUP-1')!.comments.at(-1)!.body);
    // The sentence and its reference line: a name never makes a line of its own.
    expect(text.split('\n')).toHaveLength(2);
    expect(parseMetNote(text)?.by).toBe(displayName.replace(/\n/g, ' '));
    expect(await metEvents()).toEqual([{ type: 'met', at: expect.any(String), metric: 'critical_notice' }]);
  });

  test('the app\'s own note in the form it wrote before it quoted names still counts, for its own Metric', async () => {
    const at = new Date().toISOString();
    const old = `SLA Desk: Critical issue notification kept (critical_notice), marked by Eve. SLA Desk: Resolution kept (resolution), marked by Eve at ${at}.`;
    jira.issues.get('SUP-1')!.comments.push({ id: 'old', created: at, author: { accountId: APP_ACCOUNT }, body: old, jsdPublic: false });
    expect(await metEvents()).toEqual([{ type: 'met', at, metric: 'critical_notice' }]);
  });

  test('an app note that merely contains the note\'s text keeps nothing', async () => {
    const text = formatMetNote(PRESETS.interopion, { metric: 'critical_notice', label: 'Critical issue notification', by: 'Lea Agent', at: new Date().toISOString() });
    for (const body of [`Reminder: ${text}`, `${text}\nThanks`]) {
      jira.issues.get('SUP-1')!.comments = [{ id: 'c', created: new Date().toISOString(), author: { accountId: APP_ACCOUNT }, body, jsdPublic: false }];
      expect(await metEvents()).toEqual([]);
    }
  });

  test('a lead\'s notice to the requester that reads as the app\'s own note is refused, and nothing is written', async () => {
    jira.users.get('lead-1')!.projects = { SUP: ['EDIT_ISSUES'] };
    const notice = formatMetNote(PRESETS.interopion, { metric: 'critical_notice', label: 'Critical issue notification', by: 'Sam Lead', at: new Date().toISOString() });
    const r = await call('override', 'lead-1', { to: 'P2', reason: 'Workaround in place', notify: true, notice });
    expect(r).toEqual({ ok: false, problems: ["notice: reads as one of SLA Desk's own notes; write it in your own words"] });
    expect(jira.writes()).toEqual([]);
  });

  test('the same words typed by an agent keep nothing', async () => {
    jira.issues.get('SUP-1')!.comments.push({ id: 'x1', created: new Date().toISOString(), author: { accountId: 'agent-1' }, body: `SLA Desk: Critical issue notification kept (critical_notice), marked by Lea Agent at ${new Date().toISOString()}.` });
    const r = await call('panel', 'agent-1');
    expect(r.view.metrics.find((m: { metric: string }) => m.metric === 'critical_notice').state).not.toBe('met');
  });
});

test('the notice to the requester is in the reporter\'s language when Jira tells it', async () => {
  jira.addUser({ accountId: 'customer-1', displayName: 'Client', accountType: 'customer', locale: 'fr_FR' });
  expect((await call('override', 'lead-1', { to: 'P1', reason: 'Production is down', notify: true })).ok).toBe(true);
  const notice = jira.issues.get('SUP-1')!.comments.find((c) => c.jsdPublic !== false)!;
  expect(adfText(notice.body)).toMatch(/priorité/i);
  expect(adfText(notice.body)).not.toContain('Production is down');
});

test("a lead's panel carries the reporter's Jira language for the override form; an agent's does not ask", async () => {
  jira.addUser({ accountId: 'customer-1', displayName: 'Client', accountType: 'customer', locale: 'fr_FR' });
  expect((await call('panel', 'lead-1')).requesterLocale).toBe('fr_FR');
  expect((await call('panel', 'agent-1')).requesterLocale).toBeNull();
  // A reporter whose privacy settings hide the locale: Jira leaves it out, and the form says the policy's is used.
  jira.addUser({ accountId: 'customer-1', displayName: 'Client', accountType: 'customer' });
  expect((await call('panel', 'lead-1')).requesterLocale).toBeNull();
});

test('with no Impact yet the panel has no SLA priority, and names Jira\'s own only as Jira\'s', async () => {
  jira.issues.get('SUP-1')!.fields.customfield_10050 = null;
  jira.issues.get('SUP-1')!.fields.priority = { id: '3', name: 'Medium' };
  const r = await call('panel', 'agent-1');
  expect(r.current).toBeNull();
  expect(r.nativePriority).toBe('Medium');
  // Once the SLA has a priority, Jira's own is not shown beside it.
  jira.issues.get('SUP-1')!.fields.customfield_10050 = { value: '2. Important' };
  expect((await call('panel', 'agent-1')).nativePriority).toBeNull();
});

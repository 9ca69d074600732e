import { addSupportIssue, freshSite, jira, recordingQueue } from './setup';
import { definitions } from '../src/resolvers';
import { agentFields, offScreen } from '../src/screens';
import { screenSteps } from '../src/frontend/screen-steps';

/**
 * Issue 18, point 16: Jira refuses a value for a field that is not on the issue's screen, and a
 * field "Create the fields" made is on none. The panel names an empty field the issue's edit screen
 * lacks (REST v3 Get edit issue metadata lists only the edit screen's fields), and the admin page
 * says, step by step, how to put the fields on the screens.
 */
type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<any>;
const { queue } = recordingQueue();
const panel = definitions(() => queue) as unknown as Handler;
const call = (functionKey: string) => {
  jira.currentUser = 'agent-1';
  return panel({ call: { functionKey, payload: {} }, context: { accountId: 'agent-1', locale: 'en-US', timezone: 'UTC', extension: { issue: { key: 'SUP-1', id: '10001' } } } }, { principal: { accountId: 'agent-1' } });
};
const editmeta = () => jira.requests.filter((r) => r.path.startsWith('/rest/api/3/issue/SUP-1/editmeta'));

beforeEach(() => {
  freshSite();
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' }, ['jira-users']);
  addSupportIssue(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '3', name: 'Medium' });
});

test('an empty Impact that the issue\'s edit screen lacks is named on the panel; on the screen, it is not', async () => {
  jira.issues.get('SUP-1')!.fields.customfield_10050 = null;
  const r = await call('panel');
  expect(r.ok).toBe(true);
  expect(r.offScreen).toEqual(['Impact']);
  expect(editmeta()).toHaveLength(1);
  // An admin puts Impact (and the others) on the project's edit screen.
  jira.screenFields.set('SUP', ['customfield_10050', 'customfield_10051', 'customfield_10052']);
  expect((await call('panel')).offScreen).toEqual([]);
});

test('with every field set, the panel asks Jira nothing about screens', async () => {
  const r = await call('panel');
  expect(r.offScreen).toEqual([]);
  expect(editmeta()).toEqual([]);
});

test('a site that will not say (403 on editmeta) gets no warning, and the panel still renders', async () => {
  jira.issues.get('SUP-1')!.fields.customfield_10051 = null;
  jira.forbid('/rest/api/3/issue/SUP-1/editmeta');
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const r = await call('panel');
  warn.mockRestore();
  expect(r.ok).toBe(true);
  expect(r.offScreen).toEqual([]);
});

test('the fields agents set: Impact and Urgency only under a matrix, the Tier field unless the tier is the organization\'s', () => {
  const map = { impact: 'customfield_1', urgency: 'customfield_2', tier: 'customfield_3' };
  expect(agentFields(map, true).map((f) => f.name)).toEqual(['Impact', 'Urgency', 'Tier']);
  expect(agentFields(map, false).map((f) => f.name)).toEqual(['Tier']);
  expect(agentFields({ ...map, tierSource: 'organization' }, true).map((f) => f.name)).toEqual(['Impact', 'Urgency']);
  expect(offScreen(agentFields(map, true), new Set(['customfield_2']))).toEqual(['Impact', 'Tier']);
  expect(offScreen(agentFields(map, true), null)).toEqual([]);
});

test('the admin\'s steps name each field with its id, the app\'s own fields, and both kinds of project', () => {
  const steps = screenSteps([{ name: 'Impact', id: 'customfield_10050' }, { name: 'Tier', id: 'customfield_10052' }]);
  expect(steps[0]).toMatch(/^Company-managed projects: in Jira settings > Issues > Screens, .* add Impact \(customfield_10050\), Tier \(customfield_10052\)\.$/);
  expect(steps[1]).toContain('SLA state, SLA: first response due, SLA: resolution due, SLA tier');
  expect(steps[2]).toMatch(/^Team-managed projects: in Project settings > Issue types, .*drag Impact, Tier /);
});

import { addSupportIssue, deploy, FIELD, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { onIssueEvent } from '../src/triggers';
import { adminDefinitions } from '../src/resolvers';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const client = () => new JiraClient('app', { sleep: async () => undefined });
// The tier comes from the customer's JSM organization, not from a field on the issue.
const byOrganization: Config = { ...testConfig, map: { ...testConfig.map, tierSource: 'organization', organizations: 'customfield_10002' } };

beforeEach(() => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, byOrganization);
  const issue = addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '3', name: 'Medium' });
  issue.fields.customfield_10002 = [{ id: 7, name: 'Acme' }];
  // The issue's own Tier field says Plus; the organization's property must win.
  jira.organizationProperties.set('7', { 'sla-tier': 'basic' });
  deploy();
  return warmSite(NOW);
});

test('the tier is read from the organization property, and kept for an hour so later events cost one read', async () => {
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.fields[FIELD.tier]).toBe('Basic');
  expect(jira.requests[1].path).toBe('/rest/servicedeskapi/organization/7/property/sla-tier');
  expect(jira.requests[1].as).toBe('app');

  jira.requests = [];
  jira.organizationProperties.set('7', { 'sla-tier': { tier: 'plus' } });
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ fieldId: 'status' }] } }, client(), NOW + 60_000);
  expect(jira.requests.map((r) => r.method)).toEqual(['GET']);
  expect(issue.fields[FIELD.tier]).toBe('Basic');

  // After an hour the property is read again, in its object form.
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ fieldId: 'status' }] } }, client(), NOW + 61 * 60_000);
  expect(issue.fields[FIELD.tier]).toBe('Plus');
});

test('an organization without the property falls back to the policy\'s default tier', async () => {
  jira.organizationProperties.clear();
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  expect(out.wrote.fields).toBeGreaterThan(0);
  expect(jira.issues.get('SUP-1')!.fields[FIELD.tier]).toBe('Basic');
});

test('a change to the Organizations field is relevant; the admin must name that field', async () => {
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ fieldId: 'customfield_10002' }] } }, client(), NOW);
  expect(out.skipped).toBeUndefined();
  const handler = adminDefinitions(async () => true) as unknown as (req: unknown, runtime: unknown) => Promise<any>;
  const bad = { ...byOrganization, map: { ...byOrganization.map, organizations: undefined } };
  const r = await handler({ call: { functionKey: 'setConfig', payload: { config: bad } }, context: {} }, { principal: { accountId: 'admin-1' } });
  expect(r).toEqual({ ok: false, problems: ['map.organizations: the tier comes from the JSM organization, so name the Organizations field (e.g. customfield_10002)'] });
  expect(store.get(CONFIG_KEY)).toEqual(byOrganization);
});

test('a 403 on the organization property (the scope not granted) falls back to the default tier; the event still writes', async () => {
  jira.forbid('/rest/servicedeskapi/organization/');
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const out = await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  warn.mockRestore();
  expect(jira.requests.find((r) => r.path.includes('/organization/7/'))).toBeDefined();
  expect(out.wrote.fields).toBeGreaterThan(0);
  expect(jira.issues.get('SUP-1')!.fields[FIELD.tier]).toBe('Basic');
});

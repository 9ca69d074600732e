import { readFileSync } from 'fs';
import { join } from 'path';
import { evaluate, TimelineSchema } from '@sla-desk/core';
import { freshSite, jira, warmSite } from './setup';
import { DEFAULT_CONFIG, policyOf, type Config } from '../src/config';
import { JiraClient, type JiraHistory } from '../src/jira/client';
import { groupChanges, timelineOfIssue } from '../src/jira/timeline';
import { planIssue } from '../src/issue';
import { onIssueEvent, readIssue } from '../src/triggers';

/**
 * Issue 19, Jira: the group that owns an issue is the field the admin maps (a group picker, a team
 * or select field, or the issue's components), read at creation and at each change from the
 * changelog, so the policy's group_ownership Metrics count each time the group holds the issue
 * and each handoff.
 */
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'host-payloads');
const PARITY = readFileSync(join(ROOT, 'core', 'presets', 'zendesk-parity.yaml'), 'utf8');
/** zendesk-parity with its Group SLA on a group this site has. */
const parityFor = (group: string) => {
  expect(PARITY).toContain('group: Support,');
  return PARITY.replace('group: Support,', `group: "${group}",`);
};
const T = (s: string) => Date.parse(s);
const client = () => new JiraClient('app', { sleep: async () => undefined });
const CREATED = '2026-11-20T14:00:00.000+0000';

/** An agent's edit of SUP-1 at `at` (Edit issue, as the agent), then the updated event Jira fires with its changelog. */
async function edit(at: string, fields: Record<string, unknown>) {
  jira.currentUser = 'agent-1';
  jira.now = () => at;
  const { default: api, route } = await import('@forge/api');
  const res = await api.asUser().requestJira(route`/rest/api/3/issue/SUP-1`, { method: 'PUT', body: JSON.stringify({ fields }) });
  expect(res.status).toBe(204);
  const items = jira.issues.get('SUP-1')!.histories.at(-1)!.items;
  return onIssueEvent({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items } }, client(), T(at) + 60_000);
}
let currentConfig: Config;
/** The plan (timeline and decision) for SUP-1 at `now`, read from the site as the trigger reads it. */
async function decision(now: string) {
  const policy = policyOf(currentConfig).policy!;
  const { site, issue } = await readIssue(client(), currentConfig, 'SUP-1', T(now), policy);
  return planIssue(client(), currentConfig, policy, issue, T(now), site);
}

function site(config: Config, groupField: Record<string, unknown>) {
  currentConfig = config;
  freshSite(config);
  jira.projectTypes.set('SUP', 'service_desk');
  jira.addUser({ accountId: 'customer-1', displayName: 'Chris Customer', accountType: 'customer' });
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' }, ['jira-users']);
  jira.addIssue({ id: '10001', key: 'SUP-1', fields: { created: CREATED, status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' }, ...groupField } });
  return warmSite(T(CREATED));
}

describe('a group picker', () => {
  const config: Config = { ...DEFAULT_CONFIG, policy: { document: parityFor('service-desk-team') }, map: { pauseStatuses: [], doneStatuses: [], group: 'customfield_10060' }, fields: { due: {} }, leadGroups: [] };
  const ENGINEERING = { name: 'engineering', groupId: '5b10ac8d82e05b22cc7d4ef5' };
  const SERVICE = { name: 'service-desk-team', groupId: '276f955c-63d7-42c8-9520-92d01dca0625' };
  beforeEach(async () => {
    await site(config, { customfield_10060: ENGINEERING });
    jira.addGroupPickerField('customfield_10060', 'Owning group');
    jira.siteGroups = [ENGINEERING, SERVICE];
  });

  test('each time the issue comes to the policy\'s group is an ownership cycle; going elsewhere is a handoff', async () => {
    // Engineering at creation; the service desk 14:20-15:00 (met: 40 min of 4h), Engineering, the service desk again from 15:30.
    for (const [at, value] of [['2026-11-20T14:20:00.000+0000', { name: SERVICE.name }], ['2026-11-20T15:00:00.000+0000', { groupId: ENGINEERING.groupId }], ['2026-11-20T15:30:00.000+0000', { name: SERVICE.name }]] as const) {
      // The updated event names the group field: a change SLA Desk reads, not one it skips.
      expect((await edit(at, { customfield_10060: value })).skipped).toBeUndefined();
    }
    const p = await decision('2026-11-20T16:00:00Z');
    expect(p.timeline.fields.group).toBe('engineering');
    expect(p.timeline.events.filter((e) => e.type === 'field' && e.field === 'group').map((e) => (e as { value: string }).value)).toEqual(['service-desk-team', 'engineering', 'service-desk-team']);
    const owns = p.decision.metrics.find((m) => m.metric === 'support_owns')!;
    expect(owns.cycles).toEqual({ number: 2, count: 2, met: 1, breached: 0, open: true, handoffs: 1 });
    expect(owns.start).toBe(T('2026-11-20T15:30:00Z'));
    expect(owns.due).toBe(T('2026-11-20T19:30:00Z'));
    // The group field is read with the issue.
    expect(jira.requests.find((r) => r.path.startsWith('/rest/api/3/issue/SUP-1?'))!.path).toMatch(/fields=[^&]*customfield_10060/);
  });

  test('"SLA: group ownership due" holds the owning group\'s open cycle, and is emptied when another group takes the issue', async () => {
    const field = [...jira.fields.entries()].find(([, f]) => (f as { moduleKey?: string }).moduleKey === 'sla-due-group-ownership')![0];
    await edit('2026-11-20T14:20:00.000+0000', { customfield_10060: { name: SERVICE.name } });
    // 4h from 14:20 (High) on 24x7.
    expect(Date.parse(String(jira.issues.get('SUP-1')!.fields[field]))).toBe(T('2026-11-20T18:20:00Z'));
    await edit('2026-11-20T15:00:00.000+0000', { customfield_10060: { groupId: ENGINEERING.groupId } });
    expect(jira.issues.get('SUP-1')!.fields[field] ?? null).toBeNull();
  });

  test('an issue created in the group, never changed, is owned from its creation (the current value)', async () => {
    jira.issues.get('SUP-1')!.fields.customfield_10060 = SERVICE;
    const owns = (await decision('2026-11-20T15:00:00Z')).decision.metrics.find((m) => m.metric === 'support_owns')!;
    expect(owns.start).toBe(T(CREATED));
    expect(owns.cycles).toEqual({ number: 1, count: 1, met: 0, breached: 0, open: true, handoffs: 0 });
  });

  test('a group the site lacks is refused by name, and nothing changes', async () => {
    jira.currentUser = 'agent-1';
    const { default: api, route } = await import('@forge/api');
    const res = await api.asUser().requestJira(route`/rest/api/3/issue/SUP-1`, { method: 'PUT', body: JSON.stringify({ fields: { customfield_10060: { name: 'nobody' } } }) });
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual({ customfield_10060: "Group 'nobody' does not exist." });
    expect(jira.issues.get('SUP-1')!.histories).toEqual([]);
  });
});

describe('components', () => {
  const config: Config = { ...DEFAULT_CONFIG, policy: { document: parityFor('Service Desk') }, map: { pauseStatuses: [], doneStatuses: [], group: 'components' }, fields: { due: {} }, leadGroups: [] };
  const ENGINEERING = { id: '10101', name: 'Engineering' };
  const SERVICE = { id: '10100', name: 'Service Desk' };
  beforeEach(async () => {
    await site(config, { components: [ENGINEERING] });
    jira.components.set('SUP', [SERVICE, ENGINEERING]);
  });

  test('the first component is the group: a swap is one change, a second component added after it none', async () => {
    for (const [at, value] of [
      ['2026-11-20T14:20:00.000+0000', [{ name: 'Service Desk' }]],
      ['2026-11-20T15:00:00.000+0000', [{ id: ENGINEERING.id }]],
      ['2026-11-20T15:30:00.000+0000', [{ name: 'Service Desk' }]],
      // Engineering joins the service desk, which stays first: no handoff.
      ['2026-11-20T15:45:00.000+0000', [{ name: 'Service Desk' }, { name: 'Engineering' }]],
    ] as const) {
      expect((await edit(at, { components: value })).skipped).toBeUndefined();
    }
    // Jira logs a component removed and one added as two "Component" items of one history.
    expect(jira.issues.get('SUP-1')!.histories[0].items.map((it) => [it.field, it.fromString, it.toString])).toEqual([['Component', 'Engineering', null], ['Component', null, 'Service Desk']]);
    const p = await decision('2026-11-20T16:00:00Z');
    // At creation Engineering, though the issue now has the service desk first: read from the changelog.
    expect(p.timeline.fields.group).toBe('Engineering');
    expect(p.timeline.events.filter((e) => e.type === 'field' && e.field === 'group').map((e) => [e.at, (e as { value: string }).value])).toEqual([
      ['2026-11-20T14:20:00.000+0000', 'Service Desk'],
      ['2026-11-20T15:00:00.000+0000', 'Engineering'],
      ['2026-11-20T15:30:00.000+0000', 'Service Desk'],
    ]);
    const owns = p.decision.metrics.find((m) => m.metric === 'support_owns')!;
    expect(owns.cycles).toEqual({ number: 2, count: 2, met: 1, breached: 0, open: true, handoffs: 1 });
    expect(owns.due).toBe(T('2026-11-20T19:30:00Z'));
    expect(jira.requests.find((r) => r.path.startsWith('/rest/api/3/issue/SUP-1?'))!.path).toMatch(/fields=[^&]*components/);
  });

  test('the items the emulator logs, and its changelog page, have the keys of the REST reference\'s example', async () => {
    await edit('2026-11-20T14:20:00.000+0000', { components: [{ name: 'Service Desk' }] });
    const example = JSON.parse(readFileSync(join(FIXTURES, 'jira_issue_changelog.doc-example.json'), 'utf8'));
    const { default: api, route } = await import('@forge/api');
    const page = await (await api.asApp().requestJira(route`/rest/api/3/issue/SUP-1/changelog`)).json();
    const keys = (o: object) => Object.keys(o).sort();
    for (const h of page.values) {
      expect(keys(h)).toEqual(keys(example.values[0]).filter((k) => k !== 'author' || h.author));
      for (const it of h.items) expect(keys(it)).toEqual(keys(example.values[0].items[0]));
    }
    // The page's own keys are the example's (which has self and nextPage besides).
    for (const k of keys(page)) expect(Object.keys(example)).toContain(k);
  });

  test('a component the project lacks is refused by name', async () => {
    jira.currentUser = 'agent-1';
    const { default: api, route } = await import('@forge/api');
    const res = await api.asUser().requestJira(route`/rest/api/3/issue/SUP-1`, { method: 'PUT', body: JSON.stringify({ fields: { components: [{ name: 'Billing' }] } }) });
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual({ components: "Component name 'Billing' is not valid" });
  });
});

describe('the group as the adapter reads each kind of field', () => {
  const policy = policyOf({ ...DEFAULT_CONFIG, policy: { document: parityFor('Platform') } }).policy!;
  const h = (created: string, items: Partial<JiraHistory['items'][number]>[]): JiraHistory => ({ id: created, created, items: items.map((it) => ({ field: 'Team', from: null, fromString: null, to: null, toString: null, ...it })) });
  const issueWith = (map: Config['map'], fields: Record<string, unknown>, histories: JiraHistory[]) =>
    TimelineSchema.parse(timelineOfIssue(policy, map, { id: '1', key: 'SUP-9', fields: { created: CREATED, status: { name: 'Open' }, priority: { id: '2', name: 'High' }, ...fields }, changelog: { histories } }));

  test('the Atlassian Team field: its name, at creation from the first change\'s fromString', () => {
    const map = { group: 'customfield_10001' };
    const team = { id: '36885b3c-1bf0-4f85-a357-c5b858c31de4', name: 'Platform', avatarUrl: '', isVisible: true, title: 'Platform', isShared: true };
    expect(issueWith(map, { customfield_10001: team }, []).fields.group).toBe('Platform');
    const tl = issueWith(map, { customfield_10001: team }, [h('2026-11-20T15:00:00.000+0000', [{ fieldId: 'customfield_10001', fromString: 'Payments', toString: 'Platform' }])]);
    expect(tl.fields.group).toBe('Payments');
    const owns = evaluate(policy, tl, T('2026-11-20T16:00:00Z')).metrics.find((m) => m.metric === 'support_owns')!;
    expect(owns.start).toBe(T('2026-11-20T15:00:00Z'));
  });

  test('a select field ({value}), and a team kept as a plain string', () => {
    expect(issueWith({ group: 'customfield_10070' }, { customfield_10070: { value: 'Platform', id: '10020' } }, []).fields.group).toBe('Platform');
    expect(issueWith({ group: 'customfield_10070' }, { customfield_10070: 'Platform' }, []).fields.group).toBe('Platform');
    expect(issueWith({ group: 'customfield_10070' }, { customfield_10070: null }, []).fields.group).toBeNull();
  });

  test('components undone from the newest change back: the list at creation and each change of its first', () => {
    const C = (created: string, items: Partial<JiraHistory['items'][number]>[]) => h(created, items.map((it) => ({ field: 'Component', ...it })));
    const r = groupChanges('components', [{ id: '2', name: 'Platform' }, { id: '3', name: 'Billing' }], [
      C('2026-11-20T14:10:00.000+0000', [{ to: '3', toString: 'Billing' }]),
      C('2026-11-20T14:20:00.000+0000', [{ from: '1', fromString: 'Payments', toString: null }, { to: '2', toString: 'Platform' }]),
    ]);
    // Payments (and Billing from 14:10, after it) until 14:20; then Billing first, Platform after it.
    expect(r).toEqual({ initial: 'Payments', changes: [{ at: '2026-11-20T14:20:00.000+0000', value: 'Billing' }] });
    expect(groupChanges('components', [], [])).toEqual({ initial: null, changes: [] });
  });
});

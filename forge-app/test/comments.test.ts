import { evaluate, TimelineSchema } from '@sla-desk/core';
import { readFileSync } from 'fs';
import { join } from 'path';
import { addSupportIssue, deploy, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY, policyOf } from '../src/config';
import { JiraClient, type JiraComment } from '../src/jira/client';
import { timelineOfIssue } from '../src/jira/timeline';
import { planIssue } from '../src/issue';
import { readIssue } from '../src/triggers';

/**
 * Issue 18, points 4 and 5: a comment is a reply as Jira counts it. Who wrote it comes from
 * `author.accountType` (atlassian, app, customer); who sees it from `jsdPublic` in a service
 * project and from `visibility` (a role or a group) everywhere.
 */
const policy = policyOf(testConfig).policy!;
const NOW = Date.parse('2026-11-20T14:50:00Z');
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'host-payloads');

function issue(comments: JiraComment[], projectTypeKey = 'service_desk') {
  return {
    id: '1',
    key: 'SUP-7',
    fields: {
      created: '2026-11-20T14:00:00.000+0000',
      status: { name: 'Open' },
      reporter: { accountId: 'reporter' },
      project: { key: 'SUP', projectTypeKey },
      customfield_10050: { value: '2. Important' },
      customfield_10051: { value: '1. Critical' },
      customfield_10052: { value: 'Plus' },
      comment: { comments },
    },
  };
}
const firstResponse = (comments: JiraComment[], projectTypeKey?: string) => {
  const tl = TimelineSchema.parse(timelineOfIssue(policy, testConfig.map, issue(comments, projectTypeKey), { appAccountId: 'app-sla-desk' }));
  return evaluate(policy, tl, NOW).metrics.find((m) => m.metric === 'first_response')!;
};
const at = '2026-11-20T14:20:00.000+0000';

describe('comment authors by accountType (point 4)', () => {
  test('a request participant, another customer of the organization: the requester\'s side, never the first response', () => {
    const participant = { id: 'c1', created: at, author: { accountId: 'participant', accountType: 'customer' }, body: adf('Any news?'), jsdPublic: true };
    const events = timelineOfIssue(policy, testConfig.map, issue([participant])).events;
    expect(events).toEqual([{ type: 'reply', at, public: true, author: 'requester' }]);
    expect(firstResponse([participant]).state).not.toBe('met');
  });

  test('Jira Automation\'s acknowledgement (an app account other than SLA Desk) is no reply at all', () => {
    const automation = { id: 'c2', created: at, author: { accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Automation for Jira', accountType: 'app' }, body: adf('We received your request.'), jsdPublic: true };
    expect(timelineOfIssue(policy, testConfig.map, issue([automation]), { appAccountId: 'app-sla-desk' }).events).toEqual([]);
    expect(firstResponse([automation]).state).not.toBe('met');
  });

  test('an agent (an atlassian account other than the reporter) meets the first response with a public reply', () => {
    const agent = { id: 'c3', created: at, author: { accountId: 'agent-1', accountType: 'atlassian' }, body: adf('Looking into it'), jsdPublic: true };
    expect(firstResponse([agent])).toMatchObject({ state: 'met' });
  });

  test('the reporter is the requester whatever the account type (outside JSM the reporter is an atlassian account)', () => {
    const own = { id: 'c4', created: at, author: { accountId: 'reporter', accountType: 'atlassian' }, body: adf('Still broken'), jsdPublic: true };
    expect(timelineOfIssue(policy, testConfig.map, issue([own], 'software')).events).toEqual([{ type: 'reply', at, public: true, author: 'requester' }]);
  });
});

describe('restricted comments outside service projects (point 5)', () => {
  test('the REST reference\'s own example (a comment restricted to the Administrators role) is internal in a software project', () => {
    const page = JSON.parse(readFileSync(join(FIXTURES, 'jira_issue_comments.doc-example.json'), 'utf8')) as { comments: JiraComment[] };
    expect(page.comments[0].visibility).toEqual({ identifier: 'Administrators', type: 'role', value: 'Administrators' });
    const events = timelineOfIssue(policy, testConfig.map, issue(page.comments, 'software')).events;
    // Its author has no accountType in the example: not the reporter, so an agent, but not public.
    expect(events).toEqual([{ type: 'reply', at: '2021-01-17T12:34:00.000+0000', public: false, author: 'agent' }]);
  });

  test('a comment restricted to a group does not stop the first-response clock; the same comment unrestricted does', () => {
    const base = { id: 'c5', created: at, author: { accountId: 'agent-1', accountType: 'atlassian' }, body: adf('Internal: checking with dev') };
    expect(firstResponse([{ ...base, visibility: { type: 'group', value: 'jira-developers', identifier: '276f955c-63d7-42c8-9520-92d01dca0625' } }], 'software').state).not.toBe('met');
    expect(firstResponse([base], 'software').state).toBe('met');
  });

  test('in a service project a restricted comment stays internal even where jsdPublic says true', () => {
    const c = { id: 'c6', created: at, author: { accountId: 'agent-1', accountType: 'atlassian' }, body: adf('role only'), jsdPublic: true, visibility: { type: 'role', value: 'Developers' } };
    expect(timelineOfIssue(policy, testConfig.map, issue([c])).events).toEqual([{ type: 'reply', at, public: false, author: 'agent' }]);
  });
});

describe('on the emulated site: the comments as Jira returns them', () => {
  const client = () => new JiraClient('app', { sleep: async () => undefined });
  beforeEach(async () => {
    jira.reset();
    store.clear();
    store.set(CONFIG_KEY, testConfig);
    addSupportIssue('2026-11-20T14:00:00.000+0000', { id: '2', name: 'High' });
    deploy();
    await warmSite(NOW);
  });
  const stateOf = async () => {
    const { site, issue } = await readIssue(client(), testConfig, 'SUP-1', NOW);
    return { issue, metric: (await planIssue(client(), testConfig, policy, issue, NOW, site)).decision.metrics.find((m) => m.metric === 'first_response')! };
  };

  test('each comment author comes with an accountType; a participant and Automation leave the first response running, an agent meets it', async () => {
    jira.projectTypes.set('SUP', 'service_desk');
    jira.addUser({ accountId: 'participant', displayName: 'Pia (customer)', accountType: 'customer' });
    jira.addUser({ accountId: 'automation', displayName: 'Automation for Jira', accountType: 'app' });
    jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' });
    const sup = jira.issues.get('SUP-1')!;
    sup.comments.push({ id: 'c1', created: '2026-11-20T14:10:00.000+0000', author: { accountId: 'participant' }, body: adf('Same here'), jsdPublic: true });
    sup.comments.push({ id: 'c2', created: '2026-11-20T14:11:00.000+0000', author: { accountId: 'automation' }, body: adf('We got your request'), jsdPublic: true });
    let r = await stateOf();
    expect(r.issue.fields.comment!.comments.map((c) => c.author?.accountType)).toEqual(['customer', 'app']);
    expect(r.metric.state).not.toBe('met');
    sup.comments.push({ id: 'c3', created: '2026-11-20T14:30:00.000+0000', author: { accountId: 'agent-1' }, body: adf('On it'), jsdPublic: true });
    r = await stateOf();
    expect(r.metric).toMatchObject({ state: 'met' });
    expect(r.metric.stoppedAt).toBe(Date.parse('2026-11-20T14:30:00Z'));
  });

  test('outside a service project, a comment added with visibility comes back restricted and is no public reply', async () => {
    jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' }, ['jira-users']);
    jira.currentUser = 'agent-1';
    const was = jira.now;
    jira.now = () => '2026-11-20T14:30:00.000+0000';
    const { default: api, route } = await import('@forge/api');
    const add = (body: object) => api.asUser().requestJira(route`/rest/api/3/issue/SUP-1/comment`, { method: 'POST', body: JSON.stringify(body) });
    expect((await add({ body: adf('dev only'), visibility: { type: 'role', value: 'Developers' } })).status).toBe(201);
    let r = await stateOf();
    expect(r.issue.fields.comment!.comments[0]).toMatchObject({ visibility: { type: 'role', value: 'Developers' }, author: { accountId: 'agent-1', accountType: 'atlassian' } });
    expect(r.issue.fields.comment!.comments[0].jsdPublic).toBeUndefined();
    expect(r.metric.state).not.toBe('met');
    // The same words without a restriction: a public reply, and the first response is met.
    jira.now = () => '2026-11-20T14:40:00.000+0000';
    expect((await add({ body: adf('Found it') })).status).toBe(201);
    r = await stateOf();
    jira.now = was;
    expect(r.metric).toMatchObject({ state: 'met', stoppedAt: Date.parse('2026-11-20T14:40:00Z') });
  });
});

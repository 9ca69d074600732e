import { addSupportIssue, deploy, FIELD, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { readIssue } from '../src/triggers';
import { planIssue } from '../src/issue';
import { PRESETS } from '../src/presets';
import { CHANGELOG_PAGE_CAP, ISSUE_CHANGELOG_CAP } from '../../test/jira/emulator';

const client = () => new JiraClient('app', { sleep: async () => undefined });
const NOW = Date.parse('2026-11-27T12:00:00Z');
const at = (min: number) => new Date(Date.parse('2026-11-20T14:00:00Z') + min * 60_000).toISOString();

/**
 * A busy issue: created "Open" with no Impact, triaged at 14:05, paused 14:10-14:40 waiting for the
 * customer, first reply at 14:50, then 300 histories and 150 comments of noise. Jira embeds only the
 * latest 100 histories and a capped page of comments, so all of that early history must be paged.
 */
beforeEach(async () => {
  jira.reset();
  store.clear();
  store.set(CONFIG_KEY, testConfig);
  deploy();
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' });
  const issue = addSupportIssue(at(0), { id: '3', name: 'Medium' });
  issue.fields.status = { name: 'Open' };
  const h = (min: number, items: object[]) => issue.histories.push({ id: `h${issue.histories.length}`, created: at(min), author: { accountId: 'agent-1' }, items: items as never });
  h(5, [{ field: 'Impact', fieldId: 'customfield_10050', from: null, fromString: null, to: '2', toString: '2. Important' }]);
  h(10, [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '10011', toString: 'Waiting for customer' }]);
  h(40, [{ field: 'status', fieldId: 'status', from: '10011', fromString: 'Waiting for customer', to: '1', toString: 'Open' }]);
  issue.comments.push({ id: 'c0', created: at(50), author: { accountId: 'agent-1' }, body: 'We are on it' });
  for (let i = 0; i < 297; i++) h(60 + i, [{ field: 'labels', fieldId: 'labels', from: null, fromString: `l${i}`, to: null, toString: `l${i + 1}` }]);
  for (let i = 1; i < 150; i++) issue.comments.push({ id: `c${i}`, created: at(60 + i), author: { accountId: i % 2 ? 'customer-1' : 'agent-1' }, body: `note ${i}` });
  await warmSite(NOW);
});

test('an issue with 300 histories and 150 comments is read whole: first Impact, early pause and first reply kept', async () => {
  expect(jira.issues.get('SUP-1')!.histories).toHaveLength(300);
  const { site, issue } = await readIssue(client(), testConfig, 'SUP-1', NOW);
  expect(issue.changelog!.histories).toHaveLength(300);
  expect(issue.fields.comment!.comments).toHaveLength(150);
  // One GET issue, then 3 changelog pages and 2 comment pages.
  const paths = jira.requests.map((r) => r.path.split('?')[0]);
  expect(paths.filter((p) => p.endsWith('/changelog'))).toHaveLength(Math.ceil(300 / CHANGELOG_PAGE_CAP));
  expect(paths.filter((p) => p.endsWith('/comment'))).toHaveLength(2);
  expect(ISSUE_CHANGELOG_CAP).toBe(100);

  const p = await planIssue(client(), testConfig, PRESETS['kiwi-stage-plus'], issue, NOW, site);
  expect(p.timeline.fields).toMatchObject({ status: 'open', impact: null });
  expect(p.timeline.events.slice(0, 3)).toEqual([
    { type: 'field', at: at(5), field: 'impact', value: '2' },
    { type: 'field', at: at(10), field: 'status', value: 'pending' },
    { type: 'field', at: at(40), field: 'status', value: 'open' },
  ]);
  const first = p.decision.metrics.find((m) => m.metric === 'first_response')!;
  expect(first.state).toBe('met');
  expect(first.stoppedAt).toBe(Date.parse(at(50)));
});

test('the app\'s own field writes add no changelog entry, so they never push real history out', async () => {
  const { onIssueEvent } = await import('../src/triggers');
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  const issue = jira.issues.get('SUP-1')!;
  expect(issue.fields[FIELD.state]).toBeDefined();
  // Only the priority edit (the matrix's P2) is a new history; the five field values are not.
  expect(issue.histories).toHaveLength(301);
  expect(issue.histories[300].items[0].field).toBe('priority');
});

describe('the site facts the app trusts', () => {
  test('a field of another app (or environment) with the same module key is not taken for the app\'s own', async () => {
    jira.reset();
    store.clear();
    jira.fields.set('customfield_19999', { name: 'SLA state', type: 'ari:cloud:ecosystem::extension/other-app/other-env/static/sla-state', options: [], moduleKey: 'sla-state', schemaType: 'string' });
    deploy();
    const { siteFacts } = await import('../src/site');
    const site = await siteFacts(client(), NOW, true);
    expect(site.appFields.state).toBe(FIELD.state);
  });

  test('the app\'s account is only ever read as the app: a user client is refused', async () => {
    const { siteFacts } = await import('../src/site');
    jira.addUser({ accountId: 'agent-9', displayName: 'Someone' });
    jira.currentUser = 'agent-9';
    await expect(siteFacts(new JiraClient('user'), NOW, true)).rejects.toThrow(/asApp/);
  });

  test('a search result whose changelog carries no total but sits at Jira\'s cap is paged too', async () => {
    // Whether Jira reports the true total of a capped search changelog is not documented.
    jira.omitChangelogTotal = true;
    const page = await client().searchIssues('statusCategory != Done', []);
    expect(page.issues[0].changelog!.histories).toHaveLength(300);
  });
});

import { evaluate, summaryLine, ticketView, TimelineSchema } from '@sla-desk/core';
import { freshSite, jira, store, testConfig, warmSite } from './setup';
import { CONFIG_KEY, policyOf, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { designatedAtCreation, timelineOfIssue } from '../src/jira/timeline';
import { planIssue } from '../src/issue';
import { readIssue } from '../src/triggers';

/**
 * Issue 18, point 18 (Jira): under a policy whose Priority comes from the requester or a severity,
 * Jira's priority field is read. Jira fills every new issue with its priority scheme's default, so
 * that value, untouched, is nobody's designation: the issue reads "No priority yet" and runs the
 * triage clock, as the same ticket does in Zendesk (empty priority). A person's change counts.
 */
const NOW = Date.parse('2026-11-20T17:00:00Z');
const interopion: Config = { ...testConfig, policy: { preset: 'interopion' } };
const policy = policyOf(interopion).policy!;
const client = () => new JiraClient('app', { sleep: async () => undefined });

function addRequest(priority: { id: string; name: string }, histories: { at: string; from: string; to: string }[] = []) {
  const ids: Record<string, string> = { Highest: '1', High: '2', Medium: '3', Low: '4', Lowest: '5' };
  return jira.addIssue({
    id: '10001',
    key: 'SUP-1',
    fields: { created: '2026-11-20T16:00:00.000+0000', status: { name: 'Open' }, priority, reporter: { accountId: 'customer-1' }, customfield_10052: { value: 'Basic' } },
    histories: histories.map((h, i) => ({ id: `h${i}`, created: h.at, author: { accountId: 'lead-1' }, items: [{ field: 'priority', fieldId: 'priority', from: ids[h.from], fromString: h.from, to: ids[h.to], toString: h.to }] })),
  });
}

async function decide(config: Config = interopion) {
  const { site, issue } = await readIssue(client(), config, 'SUP-1', NOW);
  return planIssue(client(), config, policyOf(config).policy!, issue, NOW, site);
}

beforeEach(async () => {
  freshSite(interopion);
  await warmSite(NOW);
});

test('a new request at the project\'s default priority (Medium) reads no priority and runs the triage clock, as an empty Zendesk priority does', async () => {
  addRequest({ id: '3', name: 'Medium' });
  const { decision, timeline } = await decide();
  expect(timeline.fields.priority).toBeNull();
  expect(decision.priority.id).toBeNull();
  expect(decision.triage).toMatchObject({ metric: 'triage' });
  expect(decision.triage!.state).not.toBe('not_applicable');
  expect(summaryLine(ticketView(decision, 'en', 'UTC', policy))).toMatch(/^No priority yet · /);
  // The same ticket from Zendesk, with its priority empty: the same decision.
  const zendesk = TimelineSchema.parse({ ...timeline, fields: { ...timeline.fields, priority: null } });
  expect(evaluate(policy, zendesk, NOW)).toEqual(decision);
});

test('once a person sets the priority it counts, the default included: Medium set in the changelog reads P3', async () => {
  addRequest({ id: '3', name: 'Medium' }, [
    { at: '2026-11-20T16:10:00.000+0000', from: 'Medium', to: 'High' },
    { at: '2026-11-20T16:20:00.000+0000', from: 'High', to: 'Medium' },
  ]);
  const { decision, timeline } = await decide();
  expect(decision.priority.id).toBe('P3');
  // From creation to the first change nobody had designated one: the triage clock ran until then.
  expect(timeline.fields.priority).toBeNull();
  expect(timeline.events.filter((e) => e.type === 'field')).toEqual([
    { type: 'field', at: '2026-11-20T16:10:00.000+0000', field: 'priority', value: 'P2' },
    { type: 'field', at: '2026-11-20T16:20:00.000+0000', field: 'priority', value: 'P3' },
  ]);
  expect(decision.triage).toMatchObject({ stoppedAt: Date.parse('2026-11-20T16:10:00Z') });
});

test('a priority other than the default, at creation, is the requester\'s designation', async () => {
  addRequest({ id: '1', name: 'Highest' });
  expect((await decide()).decision.priority.id).toBe('P1');
});

test('the default is the project\'s own scheme\'s: where the scheme gives High, Medium is a designation and High is not', async () => {
  jira.prioritySchemes.push({ id: '10100', name: 'Support priorities', priorityIds: ['1', '2', '3', '4'], projectKeys: ['SUP'], defaultPriorityId: '2' });
  addRequest({ id: '3', name: 'Medium' });
  expect((await decide()).decision.priority.id).toBe('P3');
  jira.issues.get('SUP-1')!.fields.priority = { id: '2', name: 'High' };
  expect((await decide()).decision.priority.id).toBeNull();
});

test('a matrix policy is unchanged: its matrix gives the priority, whatever Jira\'s default', async () => {
  store.set(CONFIG_KEY, testConfig);
  jira.addIssue({
    id: '10001',
    key: 'SUP-1',
    fields: { created: '2026-11-20T16:00:00.000+0000', status: { name: 'Open' }, priority: { id: '3', name: 'Medium' }, reporter: { accountId: 'c' }, customfield_10050: { value: '2. Important' }, customfield_10051: { value: '1. Critical' }, customfield_10052: { value: 'Plus' } },
  });
  const p = await decide(testConfig);
  expect(p.decision.priority.id).toBe('P2');
  expect(p.timeline.fields.priority).toBeUndefined();
});

test('designatedAtCreation: the default, in any case, is no designation; anything else, or an unknown default, is', () => {
  expect(designatedAtCreation('Medium', 'medium')).toBeNull();
  expect(designatedAtCreation('High', 'Medium')).toBe('High');
  expect(designatedAtCreation('Medium', null)).toBe('Medium');
  expect(designatedAtCreation(null, 'Medium')).toBeNull();
});

test('without the site\'s facts (no context) the adapter reads Jira\'s field as it stands', () => {
  const issue = { id: '1', key: 'SUP-9', fields: { created: '2026-11-20T16:00:00.000+0000', status: { name: 'Open' }, priority: { id: '3', name: 'Medium' } } };
  expect(timelineOfIssue(policy, interopion.map, issue).fields!.priority).toBe('P3');
  expect(timelineOfIssue(policy, interopion.map, issue, { defaultPriority: 'Medium' }).fields!.priority).toBeNull();
});

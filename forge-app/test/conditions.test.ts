import { evaluate, TimelineSchema } from '@sla-desk/core';
import { DEFAULT_CONFIG, policyOf, type Config } from '../src/config';
import type { JiraIssue } from '../src/jira/client';
import { timelineOfIssue } from '../src/jira/timeline';
import { relevantChange } from '../src/sla';

/**
 * Issue 20, Jira: what rules read. The issue's labels are its tags (the changelog gives them as one
 * space-separated string, "labels" items), and its project is the brand; only a policy with
 * conditions reads them.
 */
const jsm: Config = { ...DEFAULT_CONFIG, policy: { preset: 'jsm-parity' } };
const policy = policyOf(jsm).policy!;
const kiwi = policyOf({ ...DEFAULT_CONFIG, policy: { preset: 'kiwi-stage-plus' } }).policy!;

const issue = {
  id: '10001',
  key: 'SUP-1',
  fields: { created: '2026-03-02T10:00:00.000+0000', status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' }, project: { key: 'SUP', projectTypeKey: 'service_desk' }, labels: ['billing', 'vip'] },
  changelog: { histories: [{ id: 'h1', created: '2026-03-02T10:30:00.000+0000', author: { accountId: 'agent-1' }, items: [{ field: 'labels', fieldId: 'labels', from: null, fromString: 'billing', to: null, toString: 'billing vip' }] }] },
} as unknown as JiraIssue;

test('labels become tags (at creation from the changelog, then each change) and the project the brand; the VIP rule matches from the change on', () => {
  const t = TimelineSchema.parse(timelineOfIssue(policy, jsm.map, issue, { defaultPriority: 'Medium' }));
  expect(t.tags).toEqual(['billing']);
  expect(t.fields.brand).toBe('SUP');
  expect(t.events.filter((e) => e.type === 'tags')).toEqual([{ type: 'tags', at: '2026-03-02T10:30:00.000+0000', tags: ['billing', 'vip'] }]);
  expect(evaluate(policy, t, Date.parse('2026-03-02T11:00:00Z')).tier.id).toBe('vip');
  expect(evaluate(policy, t, Date.parse('2026-03-02T10:10:00Z')).rule).toBeUndefined();
});

test('a policy without conditions reads neither, and a labels edit is not a change it cares about', () => {
  const t = TimelineSchema.parse(timelineOfIssue(kiwi, DEFAULT_CONFIG.map, issue));
  expect(t.tags).toEqual([]);
  expect(t.fields.brand).toBeUndefined();
  expect(t.events.some((e) => e.type === 'tags')).toBe(false);
  expect(relevantChange(DEFAULT_CONFIG.map, [{ field: 'labels', fieldId: 'labels' }])).toBe(false);
  expect(relevantChange(jsm.map, [{ field: 'labels', fieldId: 'labels' }], true)).toBe(true);
});

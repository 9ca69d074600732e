import { policyOf, type Config } from '../src/config';
import { plan } from '../src/sla';
import type { JiraIssue } from '../src/jira/client';
import { testConfig } from './setup';

/**
 * Issue 18, point 18: after a switch to a policy without a Resolution (Interopion), the issue's
 * "SLA: resolution due" would keep the old promise, which views and JQL still sort on. It is emptied.
 */
test('the due field of a Metric the policy lacks is emptied; one already empty is left alone', () => {
  const interopion: Config = { ...testConfig, policy: { preset: 'interopion' } };
  const policy = policyOf(interopion).policy!;
  expect(Object.keys(policy.metrics)).not.toContain('resolution');
  const fields = { due: { first_response: 'customfield_1', resolution: 'customfield_2' } };
  const issue = (resolutionDue: string | null): JiraIssue => ({
    id: '1',
    key: 'SUP-1',
    fields: { created: '2026-11-20T16:00:00.000+0000', status: { name: 'Open' }, priority: { id: '2', name: 'High' }, customfield_2: resolutionDue },
  } as unknown as JiraIssue);
  const now = Date.parse('2026-11-20T17:00:00Z');
  expect(plan(policy, interopion.map, fields, issue('2026-11-21T16:00:00.000+0000'), now).fieldValues).toContainEqual({ fieldId: 'customfield_2', value: null });
  expect(plan(policy, interopion.map, fields, issue(null), now).fieldValues.map((f) => f.fieldId)).not.toContain('customfield_2');
});

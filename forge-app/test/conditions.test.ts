import { evaluate, TimelineSchema } from '@sla-desk/core';
import { conditionFieldIds, DEFAULT_CONFIG, policyOf, type Config } from '../src/config';
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

/**
 * Issue 20, Jira: the rest of what rules name. JSM's Customer Request Type field (schema.custom
 * com.atlassian.servicedesk:vp-origin; its value's requestType.name) is the `form` and any
 * requestType attribute; the first JSM organization (the Organizations field's names) is the
 * `organization`; a named attribute reads its custom field (an option's value, a string, a number,
 * the first of a list) or the components (the first component's name).
 */
describe('request type, organization and named attributes', () => {
  const withAttrs = policyOf({
    ...jsm,
    policy: {
      document: JSON.stringify({
        ...policy,
        attributes: { ...policy.attributes, product: { jira: { field: 'customfield_10070' } }, team: { jira: { component: true } }, size: { jira: { field: 'customfield_10071' } } },
        rules: [...policy.rules, { name: 'Acme', when: { organization: ['Acme'], product: ['mobile'] }, tier: 'vip' }],
      }),
    },
  }).policy!;
  const map = { ...jsm.map, organizations: 'customfield_10002' };
  const h = (id: string, created: string, items: object[]) => ({ id, created, author: { accountId: 'agent-1' }, items });
  const issue = {
    id: '10001',
    key: 'SUP-1',
    fields: {
      ...(conditionsIssue().fields as object),
      customfield_10010: { requestType: { id: '7', name: 'Report a system problem' }, currentStatus: { status: 'Open' } },
      customfield_10002: [{ id: '1', name: 'Acme' }, { id: '2', name: 'Globex' }],
      customfield_10070: { value: 'mobile', id: '10100' },
      customfield_10071: 3,
      components: [{ id: '20', name: 'Billing' }],
    },
    changelog: {
      histories: [
        h('h1', '2026-03-02T10:20:00.000+0000', [{ field: 'Customer Request Type', fieldId: 'customfield_10010', from: null, fromString: 'Get IT help', to: null, toString: 'Report a system problem' }]),
        h('h2', '2026-03-02T10:40:00.000+0000', [{ field: 'Organizations', fieldId: 'customfield_10002', from: null, fromString: '[Globex]', to: null, toString: '[Acme, Globex]' }]),
        h('h3', '2026-03-02T10:50:00.000+0000', [{ field: 'Product', fieldId: 'customfield_10070', from: '10101', fromString: 'web', to: '10100', toString: 'mobile' }]),
        h('h4', '2026-03-02T10:55:00.000+0000', [{ field: 'Component', fieldId: 'components', from: null, fromString: null, to: '20', toString: 'Billing' }]),
      ],
    },
  } as unknown as JiraIssue;

  test('read at creation from each field\'s first changelog item, then as field and attribute events', () => {
    const t = TimelineSchema.parse(timelineOfIssue(withAttrs, map, issue, { defaultPriority: 'Medium', requestTypeField: 'customfield_10010' }));
    expect(t.fields).toMatchObject({ form: 'Get IT help', organization: 'Globex', brand: 'SUP' });
    expect(t.attributes).toEqual({ request_type: 'Get IT help', product: 'web', team: null, size: '3' });
    expect(t.events.filter((e) => e.type === 'attribute' || (e.type === 'field' && (e.field === 'form' || e.field === 'organization')))).toEqual([
      { type: 'field', at: '2026-03-02T10:20:00.000+0000', field: 'form', value: 'Report a system problem' },
      { type: 'field', at: '2026-03-02T10:40:00.000+0000', field: 'organization', value: 'Acme' },
      { type: 'attribute', at: '2026-03-02T10:20:00.000+0000', name: 'request_type', value: 'Report a system problem' },
      { type: 'attribute', at: '2026-03-02T10:50:00.000+0000', name: 'product', value: 'mobile' },
      { type: 'attribute', at: '2026-03-02T10:55:00.000+0000', name: 'team', value: 'Billing' },
    ]);
    // The labels (vip) win first; without them, the Acme rule holds once both the organization and the product changed.
    expect(evaluate(withAttrs, t, Date.parse('2026-03-02T11:00:00Z')).rule?.name).toBe('VIP organizations');
    const noVip = TimelineSchema.parse({ ...t, tags: [], events: t.events.filter((e) => e.type !== 'tags') });
    expect(evaluate(withAttrs, noVip, Date.parse('2026-03-02T11:00:00Z')).rule?.name).toBe('Acme');
    expect(evaluate(withAttrs, noVip, Date.parse('2026-03-02T10:45:00Z')).rule).toBeUndefined();
  });

  test('with no changelog, the current values: the request type\'s name, the first organization, an option\'s value, a number, the first component', () => {
    const now = TimelineSchema.parse(timelineOfIssue(withAttrs, map, { ...issue, changelog: { histories: [] } }, { requestTypeField: 'customfield_10010' }));
    expect(now.fields).toMatchObject({ form: 'Report a system problem', organization: 'Acme' });
    expect(now.attributes).toEqual({ request_type: 'Report a system problem', product: 'mobile', team: 'Billing', size: '3' });
    // Without JSM on the site there is no request type: empty, not guessed.
    expect(TimelineSchema.parse(timelineOfIssue(withAttrs, map, { ...issue, changelog: { histories: [] } })).fields.form).toBeUndefined();
  });

  test('a policy without conditions reads none of them', () => {
    const t = TimelineSchema.parse(timelineOfIssue(kiwi, map, issue, { requestTypeField: 'customfield_10010' }));
    expect(t.fields.form).toBeUndefined();
    expect(t.attributes).toEqual({});
  });

  test('changes to the fields rules read count as relevant, so the trigger evaluates again', () => {
    const fields = conditionFieldIds(withAttrs, { requestTypeField: 'customfield_10010' });
    expect(fields.sort()).toEqual(['components', 'customfield_10010', 'customfield_10070', 'customfield_10071']);
    for (const it of [{ fieldId: 'customfield_10070' }, { fieldId: 'customfield_10010' }, { field: 'Customer Request Type' }, { field: 'Component' }, { fieldId: 'customfield_10002' }]) expect(relevantChange(map, [it], true, fields)).toBe(true);
    expect(relevantChange(map, [{ fieldId: 'customfield_10070' }], false, [])).toBe(false);
    expect(relevantChange(map, [{ fieldId: 'customfield_19999' }], true, fields)).toBe(false);
    expect(conditionFieldIds(kiwi, { requestTypeField: 'customfield_10010' })).toEqual([]);
  });
});

function conditionsIssue() {
  return issue;
}

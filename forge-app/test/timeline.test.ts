import { evaluate, overrideNote, TimelineSchema, transitionNote } from '@sla-desk/core';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parsePolicy } from '@sla-desk/core';
import { timelineOfIssue } from '../src/jira/timeline';

const kiwi = parsePolicy(readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8')).policy!;
// No site-specific status names: the policy's clock.hosts.jira maps JSM's statuses.
const map = { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052' };
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

test('changelog and comments become the host-neutral timeline', () => {
  const tl = timelineOfIssue(kiwi, map, {
    id: '1',
    key: 'SUP-7',
    fields: {
      created: '2026-11-20T14:00:00.000+0000',
      status: { name: 'Waiting for customer' },
      priority: { id: '2', name: 'High' },
      reporter: { accountId: 'customer' },
      project: { key: 'SUP', projectTypeKey: 'service_desk' },
      customfield_10050: { value: '2. Important' },
      customfield_10051: { value: '1. Critical' },
      customfield_10052: { value: 'Basic' },
      comment: {
        comments: [
          { id: 'c1', created: '2026-11-20T14:20:00.000+0000', author: { accountId: 'agent' }, body: adf('On it'), jsdPublic: true },
          { id: 'c2', created: '2026-11-20T14:25:00.000+0000', author: { accountId: 'agent' }, body: adf('internal'), jsdPublic: false },
          {
            id: 'c3',
            created: '2026-11-20T15:00:00.000+0000',
            author: { accountId: 'app' },
            body: adf(overrideNote(kiwi, { type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'lead', from: 'P2', to: 'P3', reason: 'Customer unreachable', notify: false })),
            jsdPublic: false,
          },
        ],
      },
    },
    changelog: {
      histories: [
        { id: 'h1', created: '2026-11-20T14:10:00.000+0000', items: [{ field: 'Urgency', fieldId: 'customfield_10051', from: null, fromString: null, to: '1', toString: '1. Critical' }] },
        { id: 'h2', created: '2026-11-20T14:30:00.000+0000', items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '2', toString: 'Waiting for customer' }] },
      ],
    },
  }, { appAccountId: 'app' });
  expect(tl.fields).toEqual({ status: 'open', impact: '2', urgency: null, tier: 'basic' });
  expect(tl.events).toEqual([
    { type: 'field', at: '2026-11-20T14:10:00.000+0000', field: 'urgency', value: '1' },
    { type: 'field', at: '2026-11-20T14:30:00.000+0000', field: 'status', value: 'pending' },
    { type: 'reply', at: '2026-11-20T14:20:00.000+0000', public: true, author: 'agent' },
    { type: 'reply', at: '2026-11-20T14:25:00.000+0000', public: false, author: 'agent' },
    { type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'lead', from: 'P2', to: 'P3', reason: 'Customer unreachable', notify: false },
  ]);
  const d = evaluate(kiwi, TimelineSchema.parse(tl), '2026-11-20T15:30:00Z');
  expect(d.priority).toMatchObject({ id: 'P3', source: 'override' });
  expect(d.metrics[0]).toMatchObject({ metric: 'first_response', state: 'met' });
  expect(d.metrics[1]).toMatchObject({ metric: 'resolution', state: 'paused' });
});

describe('only the app\'s own internal notes are overrides (anyone can type the note\'s words)', () => {
  const note = (to: string) => adf(overrideNote(kiwi, { type: 'override', at: '2026-11-20T14:30:00.000Z', by: 'Sam Lead', from: 'P2', to, reason: 'Looks urgent to me', notify: false }));
  const issue = (comment: object, projectTypeKey = 'service_desk') => ({
    id: '1',
    key: 'SUP-7',
    fields: {
      created: '2026-11-20T14:00:00.000+0000',
      status: { name: 'Open' },
      reporter: { accountId: 'customer' },
      project: { key: 'SUP', projectTypeKey },
      customfield_10050: { value: '2. Important' },
      customfield_10051: { value: '1. Critical' },
      customfield_10052: { value: 'Plus' },
      comment: { comments: [{ id: 'c1', created: '2026-11-20T14:30:00.000+0000', ...comment }] },
    },
  });
  const events = (comment: object, projectTypeKey?: string) => timelineOfIssue(kiwi, map, issue(comment, projectTypeKey), { appAccountId: 'app-1' }).events;

  test('a customer\'s public comment in the note\'s form is the customer\'s reply, not a P1', () => {
    expect(events({ author: { accountId: 'customer' }, body: note('P1'), jsdPublic: true })).toEqual([{ type: 'reply', at: '2026-11-20T14:30:00.000+0000', public: true, author: 'requester' }]);
  });
  test('an agent\'s internal note in the note\'s form is an internal reply', () => {
    expect(events({ author: { accountId: 'agent-1' }, body: note('P1'), jsdPublic: false })).toEqual([{ type: 'reply', at: '2026-11-20T14:30:00.000+0000', public: false, author: 'agent' }]);
  });
  test('a public comment by the app\'s own account in the note\'s form is not an override either', () => {
    expect(events({ author: { accountId: 'app-1' }, body: note('P1'), jsdPublic: true })).toEqual([]);
  });
  test('"→ constructor" from the app is no priority: the evaluation ignores it and the SLA stays on', () => {
    const tl = timelineOfIssue(kiwi, map, issue({ author: { accountId: 'app-1' }, body: note('constructor'), jsdPublic: false }), { appAccountId: 'app-1' });
    const d = evaluate(kiwi, TimelineSchema.parse(tl), '2026-11-20T15:30:00Z');
    expect(d.priority.id).toBe('P2');
    expect(d.metrics.find((m) => m.metric === 'first_response')!.state).not.toBe('not_applicable');
  });
  test('the app\'s own notices (at risk, breach, the notice to the requester) never count as a reply', () => {
    expect(events({ author: { accountId: 'app-1' }, body: adf('SLA Desk: Initial response is at risk: due 2026-11-20T15:00:00.000Z.'), jsdPublic: false })).toEqual([]);
    expect(events({ author: { accountId: 'app-1' }, body: adf(transitionNote(kiwi, { label: 'Initial response', due: Date.parse('2026-11-20T15:00:00Z') }, 'at_risk')), jsdPublic: false })).toEqual([]);
    expect(events({ author: { accountId: 'app-1' }, body: adf('The priority of your request was changed'), jsdPublic: true })).toEqual([]);
  });
  test('outside a service project jsdPublic is absent and every comment is visible to the reporter', () => {
    expect(events({ author: { accountId: 'agent-1' }, body: adf('Looking') }, 'software')).toEqual([{ type: 'reply', at: '2026-11-20T14:30:00.000+0000', public: true, author: 'agent' }]);
  });
});

test('JSM statuses pause by the policy\'s own mapping: "Waiting for customer" by name, Done by category', () => {
  const base = { id: '1', key: 'SUP-8', fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Waiting for customer', statusCategory: { key: 'indeterminate' } }, reporter: { accountId: 'c' } } };
  expect(timelineOfIssue(kiwi, map, base).fields!.status).toBe('pending');
  const closed = { ...base, fields: { ...base.fields, status: { name: 'Shipped', statusCategory: { key: 'done' } } } };
  expect(timelineOfIssue(kiwi, map, closed).fields!.status).toBe('solved');
  // A status change names only the status; its category comes from the site's status list.
  const moved = { ...base, fields: { ...base.fields, status: { name: 'Shipped' } }, changelog: { histories: [{ id: 'h', created: '2026-11-20T14:30:00.000+0000', items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '77', toString: 'Shipped' }] }] } };
  expect(timelineOfIssue(kiwi, map, moved, { statusCategories: { '77': 'done', '1': 'new', open: 'new' } }).events).toEqual([{ type: 'field', at: '2026-11-20T14:30:00.000+0000', field: 'status', value: 'solved' }]);
});

import { evaluate, overrideNote, TimelineSchema } from '@sla-desk/core';
import { readAllAudits, timelineFromAudits } from '../src/zaf/audits';
import type { FieldIds } from '../src/zaf/fields';
import type { ZendeskAudit } from '../src/zaf/types';
import { parityForGroup, preset } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const ids: FieldIds = { impact: 11, urgency: 12, tier: 13, state: 14, due: {}, source: 'requirements', missing: [] };
const users = [
  { id: 1, role: 'end-user' as const },
  { id: 2, role: 'agent' as const },
  { id: 3, role: 'admin' as const },
];

const audits: ZendeskAudit[] = [
  {
    id: 100,
    created_at: '2026-11-20T14:00:00Z',
    author_id: 1,
    events: [
      { type: 'Comment', public: true, author_id: 1, body: 'It is broken' },
      { type: 'Create', field_name: 'status', value: 'new' },
      { type: 'Create', field_name: '11', value: 'sla_impact_2' },
      { type: 'Create', field_name: '13', value: 'sla_tier_plus' },
      { type: 'Create', field_name: 'tags', value: ['sla_tier_plus'] },
    ],
  },
  {
    id: 101,
    created_at: '2026-11-20T14:10:00Z',
    author_id: 2,
    events: [
      { type: 'Change', field_name: '12', value: 'sla_urgency_1', previous_value: null },
      { type: 'Comment', public: false, author_id: 2, body: 'Looking into it' },
    ],
  },
  {
    id: 102,
    created_at: '2026-11-20T14:30:00Z',
    author_id: 2,
    events: [
      { type: 'Comment', public: true, author_id: 2, body: 'We are on it' },
      { type: 'Change', field_name: 'status', value: 'pending', previous_value: 'open' },
    ],
  },
  {
    id: 103,
    created_at: '2026-11-20T15:00:00Z',
    author_id: 3,
    events: [
      {
        type: 'Comment',
        public: false,
        author_id: 3,
        body: overrideNote(kiwi, { type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'Lea', from: 'P2', to: 'P1', reason: 'Production is down', notify: false }),
      },
      { type: 'Change', field_name: 'tags', value: ['sla_tier_plus', 'sla_met_first_response'], previous_value: ['sla_tier_plus'] },
    ],
  },
];

test('audits become the host-neutral timeline', () => {
  const tl = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 42, users, trusted: new Set([3]) }, audits);
  expect(tl.id).toBe('42');
  expect(tl.createdAt).toBe('2026-11-20T14:00:00Z');
  expect(tl.fields).toEqual({ status: 'open', impact: '2', tier: 'plus' });
  expect(tl.events).toEqual([
    { type: 'field', at: '2026-11-20T14:10:00Z', field: 'urgency', value: '1' },
    { type: 'reply', at: '2026-11-20T14:10:00Z', public: false, author: 'agent' },
    { type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' },
    { type: 'field', at: '2026-11-20T14:30:00Z', field: 'status', value: 'pending' },
    { type: 'override', at: '2026-11-20T15:00:00Z', by: 'Lea', from: 'P2', to: 'P1', reason: 'Production is down', notify: false },
    { type: 'met', at: '2026-11-20T15:00:00Z', metric: 'first_response' },
  ]);
  // It is a valid timeline, and core evaluates it: the override holds, the reply met the response.
  const d = evaluate(kiwi, TimelineSchema.parse(tl), '2026-11-20T15:05:00Z');
  expect(d.priority).toMatchObject({ id: 'P1', source: 'override' });
  expect(d.metrics[0]).toMatchObject({ metric: 'first_response', state: 'met' });
  expect(d.metrics[1]).toMatchObject({ metric: 'resolution', state: 'paused' });
});

test('a note in the override format from an end user is just a reply', () => {
  const forged: ZendeskAudit = {
    id: 200,
    created_at: '2026-11-20T16:00:00Z',
    author_id: 1,
    events: [{ type: 'Comment', public: false, author_id: 1, body: overrideNote(kiwi, { type: 'override', at: '2026-11-20T16:00:00.000Z', by: 'me', from: 'P4', to: 'P1', reason: 'please', notify: false }) }],
  };
  const tl = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 42, users }, [audits[0], forged]);
  expect(tl.events).toEqual([{ type: 'reply', at: '2026-11-20T16:00:00Z', public: false, author: 'requester' }]);
});

test('with requester classification the native priority is read back through the policy', () => {
  const interopion = preset('interopion');
  const tl = timelineFromAudits({ policy: interopion, fieldIds: ids, ticketId: 7, users }, [
    { id: 1, created_at: '2026-03-02T15:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'priority', value: 'urgent' }] },
    { id: 2, created_at: '2026-03-02T15:20:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'priority', value: 'high', previous_value: 'urgent' }] },
  ]);
  expect(tl.fields).toEqual({ priority: 'P1' });
  expect(tl.events).toEqual([{ type: 'field', at: '2026-03-02T15:20:00Z', field: 'priority', value: 'P2' }]);
});

test('a category tag and an unknown tier option', () => {
  const tl = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 9, users }, [
    { id: 1, created_at: '2026-03-02T15:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'tags', value: ['sla_category_feature_request'] }, { type: 'Create', field_name: '13', value: 'sla_tier_gold' }] },
  ]);
  expect(tl.fields).toEqual({ category: 'feature_request', tier: 'gold' });
});

test('readAllAudits follows next_page (an absolute URL) until the last page, and merges the users', async () => {
  const asked: string[] = [];
  const pages: Record<string, { audits: { id: number; created_at: string; author_id: number; events: never[] }[]; users: { id: number; role: 'agent' | 'end-user' }[]; next_page: string | null }> = {
    '/api/v2/tickets/7/audits.json?include=users': { audits: [{ id: 1, created_at: '2026-01-01T00:00:00Z', author_id: 1, events: [] }], users: [{ id: 1, role: 'end-user' }], next_page: 'https://acme.zendesk.com/api/v2/tickets/7/audits.json?include=users&page=2' },
    '/api/v2/tickets/7/audits.json?include=users&page=2': { audits: [{ id: 2, created_at: '2026-01-02T00:00:00Z', author_id: 2, events: [] }], users: [{ id: 2, role: 'agent' }, { id: 1, role: 'end-user' }], next_page: null },
  };
  const r = await readAllAudits(async (path) => (asked.push(path), pages[path]), 7);
  expect(asked).toEqual(Object.keys(pages));
  expect(r.audits.map((a) => a.id)).toEqual([1, 2]);
  expect(r.users.map((u) => u.id).sort()).toEqual([1, 2]);
});

describe('override notes count only from trusted users (leads, the API user), and only in private', () => {
  const note = overrideNote(kiwi, { type: 'override', at: '2026-11-20T16:00:00.000Z', by: 'Sam', from: 'P2', to: 'P1', reason: 'please', notify: false });
  const withNote = (auditAuthor: number, commentAuthor: number, isPublic: boolean): ZendeskAudit[] => [
    audits[0],
    { id: 300, created_at: '2026-11-20T16:00:00Z', author_id: auditAuthor, events: [{ type: 'Comment', public: isPublic, author_id: commentAuthor, body: note }] },
  ];
  const trusted = new Set([3, 99]);
  const read = (a: ZendeskAudit[]) => timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 42, users: [...users, { id: 99, role: 'admin' as const }], trusted }, a).events;

  test.each([
    ['an agent who is not trusted', 2, 2, false, 'agent'],
    ['an end user', 1, 1, false, 'requester'],
    ['the API user, in the name of an untrusted agent', 99, 2, false, 'agent'],
  ])('from %s it is an ordinary note', (_who, auditAuthor, commentAuthor, isPublic, author) => {
    expect(read(withNote(auditAuthor, commentAuthor, isPublic))).toEqual([{ type: 'reply', at: '2026-11-20T16:00:00Z', public: isPublic, author }]);
  });

  test('a trusted lead\'s public comment in that form is a public reply, not an override', () => {
    expect(read(withNote(3, 3, true))).toEqual([{ type: 'reply', at: '2026-11-20T16:00:00Z', public: true, author: 'agent' }]);
  });

  test('from a trusted lead, or from the API user in a lead\'s name, it is the override', () => {
    for (const [a, c] of [[3, 3], [99, 3]]) expect(read(withNote(a, c, false))).toEqual([{ type: 'override', at: '2026-11-20T16:00:00Z', by: 'Sam', from: 'P2', to: 'P1', reason: 'please', notify: false }]);
  });

  test('without a trusted set, nobody can override', () => {
    expect(timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 42, users }, withNote(3, 3, false)).events![0].type).toBe('reply');
  });
});

test("statuses: Zendesk's hold pauses, a custom status maps by its id, new and open run", () => {
  const policy = { ...kiwi, clock: { ...kiwi.clock, hosts: { zendesk: { pending: { ids: [77] } } } } };
  const tl = timelineFromAudits({ policy, fieldIds: ids, ticketId: 1, users }, [
    { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'new' }] },
    { id: 2, created_at: '2026-11-20T14:10:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'status', value: 'hold', previous_value: 'new' }] },
    // A custom status of the "open" category that this policy counts as waiting on the customer.
    { id: 3, created_at: '2026-11-20T14:20:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'status', value: 'open', previous_value: 'hold' }, { type: 'Change', field_name: 'custom_status_id', value: '77', previous_value: '5' }] },
    // Another custom status of the same category: the clock runs again.
    { id: 4, created_at: '2026-11-20T14:30:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'custom_status_id', value: '78', previous_value: '77' }] },
    { id: 5, created_at: '2026-11-20T14:40:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'status', value: 'solved', previous_value: 'open' }] },
  ]);
  expect(tl.fields).toEqual({ status: 'open' });
  expect(tl.events).toEqual([
    { type: 'field', at: '2026-11-20T14:10:00Z', field: 'status', value: 'hold' },
    { type: 'field', at: '2026-11-20T14:20:00Z', field: 'status', value: 'pending' },
    { type: 'field', at: '2026-11-20T14:30:00Z', field: 'status', value: 'open' },
    { type: 'field', at: '2026-11-20T14:40:00Z', field: 'status', value: 'solved' },
  ]);
});

test('priorities that share a native value: the SLA priority field keeps S4 apart from S3', () => {
  const bespoke = preset('bespoke-s1-s5');
  const withField: FieldIds = { ...ids, priority: 20 };
  const tl = timelineFromAudits({ policy: bespoke, fieldIds: withField, ticketId: 1, users }, [
    { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'new' }, { type: 'Create', field_name: '20', value: 'sla_priority_s4' }] },
    // SLA Desk writes S4's native value, "normal": still S4, not S3 (the first to map to normal).
    { id: 2, created_at: '2026-11-20T14:01:00Z', author_id: 99, events: [{ type: 'Change', field_name: 'priority', value: 'normal', previous_value: null }] },
    // An agent sets the native priority to urgent by hand: that is S1.
    { id: 3, created_at: '2026-11-20T14:10:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'priority', value: 'urgent', previous_value: 'normal' }] },
    // Then picks S2 in the SLA priority field.
    { id: 4, created_at: '2026-11-20T14:20:00Z', author_id: 2, events: [{ type: 'Change', field_name: '20', value: 'sla_priority_s2', previous_value: 'sla_priority_s4' }] },
  ]);
  expect(tl.fields).toEqual({ status: 'open', priority: 'S4' });
  expect(tl.events).toEqual([
    { type: 'field', at: '2026-11-20T14:10:00Z', field: 'priority', value: 'S1' },
    { type: 'field', at: '2026-11-20T14:20:00Z', field: 'priority', value: 'S2' },
  ]);
  // Without the field, native "normal" can only be read as S3.
  expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 1, users }, [{ id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'priority', value: 'normal' }] }]).fields).toEqual({ priority: 'S3' });
});

test('SLA Desk’s notice of an override is not the first response; an agent’s ordinary reply is', () => {
  const base = audits.slice(0, 2);
  const notice: ZendeskAudit = {
    id: 110,
    created_at: '2026-11-20T14:20:00Z',
    author_id: 2,
    metadata: { custom: { sla_desk: 'override-notice' } },
    events: [{ type: 'Comment', public: true, author_id: 2, body: 'We have changed the priority of your request to P1.' }],
  };
  const tl = TimelineSchema.parse(timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 7, users, trusted: new Set([3]) }, [...base, notice]));
  expect(tl.events.filter((e) => e.type === 'reply')).toEqual([{ type: 'reply', at: '2026-11-20T14:10:00Z', public: false, author: 'agent' }]);
  const plain = TimelineSchema.parse(timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 7, users, trusted: new Set([3]) }, [...base, { ...notice, metadata: undefined }]));
  expect(plain.events.filter((e) => e.type === 'reply' && e.public)).toHaveLength(1);
});

describe('recurring Metrics: group assignments and every comment with its side (issue 19)', () => {
  const SUPPORT = '360003235353';
  const TIER2 = '360003235354';
  const people = [...users, { id: 4, role: 'end-user' as const }];
  const at = (hhmm: string) => `2026-03-02T${hhmm}:00Z`;
  const comment = (id: number, hhmm: string, author: number, isPublic = true, extra: Partial<ZendeskAudit> = {}): ZendeskAudit => ({ id, created_at: at(hhmm), author_id: author, events: [{ type: 'Comment', public: isPublic, author_id: author, body: 'text' }], ...extra });
  const history: ZendeskAudit[] = [
    // Created by the requester in Tier 2 (ids as strings, as recorded Create events give them).
    { id: 1, created_at: at('09:00'), author_id: 1, events: [{ type: 'Comment', public: true, author_id: 1, body: 'It is broken' }, { type: 'Create', field_name: 'status', value: 'new' }, { type: 'Create', field_name: 'priority', value: 'urgent' }, { type: 'Create', field_name: 'group_id', value: TIER2 }] },
    { id: 2, created_at: at('09:10'), author_id: 2, events: [{ type: 'Change', field_name: 'group_id', value: SUPPORT, previous_value: TIER2 }, { type: 'Change', field_name: 'status', value: 'open', previous_value: 'new' }] },
    comment(3, '09:40', 2),
    comment(4, '10:00', 1),
    // A CC (another end user) writes too, before anyone answered: still the same wait.
    comment(5, '10:20', 4),
    comment(6, '10:30', 2, false),
    comment(7, '11:30', 3),
    // SLA Desk's notice of an override answers nothing.
    comment(8, '11:45', 2, true, { metadata: { custom: { sla_desk: 'override-notice' } } }),
    // Someone the page did not sideload: not known as an agent, so the requester's side.
    comment(9, '12:00', 50),
    { id: 10, created_at: at('12:10'), author_id: 3, events: [{ type: 'Change', field_name: 'group_id', value: null, previous_value: SUPPORT }] },
  ];

  test('group_id Create and Change become the group; each comment after the first is a reply with its side', () => {
    const tl = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 5, users: people }, history);
    // (New and Open are both "open" to the clock: the 09:10 status change changes nothing.)
    expect(tl.fields).toEqual({ status: 'open', group: TIER2 });
    expect(tl.events).toEqual([
      { type: 'field', at: at('09:10'), field: 'group', value: SUPPORT },
      { type: 'reply', at: at('09:40'), public: true, author: 'agent' },
      { type: 'reply', at: at('10:00'), public: true, author: 'requester' },
      { type: 'reply', at: at('10:20'), public: true, author: 'requester' },
      { type: 'reply', at: at('10:30'), public: false, author: 'agent' },
      { type: 'reply', at: at('11:30'), public: true, author: 'agent' },
      { type: 'reply', at: at('12:00'), public: true, author: 'requester' },
      { type: 'field', at: at('12:10'), field: 'group', value: null },
    ]);
  });

  test('an emptied group_id is no group', () => {
    const tl = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 5, users: people }, [history[0], { id: 11, created_at: at('09:05'), author_id: 2, events: [{ type: 'Change', field_name: 'group_id', value: '', previous_value: TIER2 }] }]);
    expect(tl.events).toEqual([{ type: 'field', at: at('09:05'), field: 'group', value: null }]);
  });

  test('under zendesk-parity naming the Support group by id: next-reply cycles and the time in Support', () => {
    const policy = parityForGroup(SUPPORT);
    const d = evaluate(policy, TimelineSchema.parse(timelineFromAudits({ policy, fieldIds: ids, ticketId: 5, users: people }, history)), at('12:30'));
    const m = (id: string) => d.metrics.find((x) => x.metric === id)!;
    // 10:00 (the oldest unanswered) -> 11:30, 1h30 of the urgent 2h: met; the 12:00 message waits since.
    expect(m('next_reply')).toMatchObject({ state: 'running', start: Date.parse(at('12:00')), due: Date.parse(at('14:00')), cycles: { number: 2, count: 2, met: 1, breached: 0, open: true } });
    // Support 09:10 -> unassigned 12:10: 3h against 2h, breached; a handoff, and nothing open.
    expect(m('support_owns')).toMatchObject({ state: 'breached', start: Date.parse(at('09:10')), stoppedAt: Date.parse(at('12:10')), cycles: { number: 1, count: 1, met: 0, breached: 1, open: false, handoffs: 1 } });
  });
});

describe('what rules read (issue 20): tags, organization, brand and form', () => {
  const jsm = preset('jsm-parity');
  const history: ZendeskAudit[] = [
    {
      id: 300,
      created_at: '2026-03-02T10:00:00Z',
      author_id: 1,
      events: [
        { type: 'Comment', public: true, author_id: 1, body: 'Down' },
        { type: 'Create', field_name: 'status', value: 'new' },
        { type: 'Create', field_name: 'priority', value: 'high' },
        // Recorded: Create events carry organization_id and brand_id as strings (zendesk_ticket_audits_account_cursor.real.json).
        { type: 'Create', field_name: 'organization_id', value: '6130869157658' },
        { type: 'Create', field_name: 'brand_id', value: '6130830354842' },
        { type: 'Create', field_name: 'tags', value: ['billing'] },
      ],
    },
    { id: 301, created_at: '2026-03-02T10:30:00Z', author_id: 2, events: [{ type: 'Change', field_name: 'tags', value: ['billing', 'vip'], previous_value: ['billing'] }] },
    // The service's own tag is not a change a rule reads.
    { id: 302, created_at: '2026-03-02T10:40:00Z', author_id: 3, events: [{ type: 'Change', field_name: 'tags', value: ['billing', 'vip', 'sla_at_risk_resolution'], previous_value: ['billing', 'vip'] }] },
  ];

  test('a policy with rules gets the tags (without SLA Desk\'s own) and the ids as context, and its rule matches', () => {
    const t = timelineFromAudits({ policy: jsm, fieldIds: ids, ticketId: 9, users }, history);
    expect(t.tags).toEqual(['billing']);
    expect(t.fields).toMatchObject({ organization: '6130869157658', brand: '6130830354842' });
    expect(t.events!.filter((e) => e.type === 'tags')).toEqual([{ type: 'tags', at: '2026-03-02T10:30:00Z', tags: ['billing', 'vip'] }]);
    const d = evaluate(jsm, TimelineSchema.parse({ ...t, fields: { ...t.fields, tier: 'standard' } }), Date.parse('2026-03-02T11:00:00Z'));
    expect(d.rule).toEqual({ index: 0, name: 'VIP organizations' });
    expect(d.tier.id).toBe('vip');
  });

  test('a policy without conditions is spared the events: its timeline is as before', () => {
    const t = timelineFromAudits({ policy: kiwi, fieldIds: ids, ticketId: 9, users }, history);
    expect(t.tags).toBeUndefined();
    expect(t.fields).not.toHaveProperty('organization');
    expect(t.events!.some((e) => e.type === 'tags')).toBe(false);
  });
});

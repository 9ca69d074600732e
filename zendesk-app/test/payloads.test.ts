import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { TimelineSchema, type Policy } from '@sla-desk/core';
import { timelineFromAudits } from '../src/zaf/audits';
import type { FieldIds } from '../src/zaf/fields';
import type { ZendeskAudit, ZendeskUser } from '../src/zaf/types';
import { auditOfTicketEvent, type ExportEvent } from '../service/src/export';
import { preset } from './helpers';

/**
 * Zendesk's own payloads, straight into the adapters: recorded responses and documentation examples
 * kept in test/fixtures/host-payloads (each file's .source.md says where it comes from). These are not
 * our emulators' shapes; if the adapters misread them, these tests say so event by event.
 */
const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'host-payloads');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;
const ids: FieldIds = { due: {}, source: 'settings', missing: [] };
// S1–S5 by severity: the native priority is read back, so priority changes show in the timeline.
const bespoke = preset('bespoke-s1-s5');

if (!existsSync(DIR)) throw new Error(`${DIR}: the recorded host payloads are missing from the repository`);

test('a recorded page of ticket audits (include=users), event by event', () => {
  const page = load<{ audits: ZendeskAudit[]; users: ZendeskUser[] }>('zendesk_ticket_audits_include_users.real.json');
  const tl = timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 1, users: page.users }, page.audits);
  expect(tl.createdAt).toBe('2012-09-06T20:17:09Z');
  // The creation: status open, native priority "normal", which S3 is the first to map to, and the
  // group the ticket was created in (group_id "20001662", a string in the audit).
  expect(tl.fields).toEqual({ status: 'open', priority: 'S3', group: '20001662' });
  expect(tl.events!.slice(0, 4)).toEqual([
    // Audit 21078967: an admin's private note, then the priority set to high (S2).
    { type: 'reply', at: '2012-09-06T20:17:10Z', public: false, author: 'agent' },
    { type: 'field', at: '2012-09-06T20:17:10Z', field: 'priority', value: 'S2' },
    // Audit 21078982: a public reply, and the ticket set to pending, which pauses the clock.
    { type: 'reply', at: '2012-09-06T20:17:10Z', public: true, author: 'agent' },
    { type: 'field', at: '2012-09-06T20:17:10Z', field: 'status', value: 'pending' },
  ]);
  // Every later audit is a comment by the admin or an agent, or a tag change that names no SLA tag.
  const later = [...page.audits]
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id)
    .slice(3)
    .flatMap((a) => a.events.filter((e) => e.type === 'Comment').map((e) => ({ type: 'reply', at: a.created_at, public: (e as { public: boolean }).public, author: 'agent' })));
  expect(later).toHaveLength(19);
  expect(tl.events!.slice(4)).toEqual(later);
  expect(() => TimelineSchema.parse(tl)).not.toThrow();
});

test("the documentation's audit example: a custom status, and a comment without author_id", () => {
  const page = load<{ audits: ZendeskAudit[] }>('zendesk_ticket_audits.doc-example.json');
  const onHold: Policy = { ...bespoke, clock: { ...bespoke.clock, hosts: { zendesk: { hold: { ids: [123] } } } } };
  const tl = timelineFromAudits({ policy: onHold, fieldIds: ids, ticketId: 666, users: [] }, page.audits);
  // Status "open" by name, but custom status 123, which this policy maps to "hold": the id wins.
  expect(tl.fields).toEqual({ status: 'hold' });
  expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 666, users: [] }, page.audits).fields).toEqual({ status: 'open' });
});

test('recorded account audits: the group a ticket is created in, its id as a string', () => {
  const page = load<{ audits: (ZendeskAudit & { ticket_id: number })[] }>('zendesk_ticket_audits_account_cursor.real.json');
  const one = page.audits.filter((a) => a.ticket_id === 1);
  expect(one.flatMap((a) => a.events).filter((e) => (e as { field_name?: string }).field_name === 'group_id')).toEqual([{ id: 6130852546074, type: 'Create', value: '6130852536346', field_name: 'group_id' }]);
  expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 1, users: [] }, one).fields).toMatchObject({ group: '6130852536346' });
});

test('the backfill\'s export reader keeps group_id (and organization_id, which rules read) while it drops the fields SLA Desk does not read', () => {
  const page = load<{ ticket_events: ExportEvent[] }>('zendesk_incremental_ticket_events.real-edited.json');
  // keepFields is how the backfill reads: only SLA Desk's own custom fields, and what a timeline needs.
  const kept = page.ticket_events.filter((e) => e.ticket_id === 2).map((e) => auditOfTicketEvent(e, { keepFields: new Set(['11']) }));
  expect(kept[0].events.map((e) => (e as { field_name?: string }).field_name ?? e.type)).toEqual(['Comment', 'status', 'priority', 'group_id', 'organization_id']);
  expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 2, users: [] }, kept).fields).toEqual({ status: 'open', priority: null, group: '360003235353' });
});

test('recorded account audits: custom statuses from Create events (ids as strings)', () => {
  const page = load<{ audits: (ZendeskAudit & { ticket_id: number })[] }>('zendesk_ticket_audits_account_cursor.real.json');
  const mine = page.audits.filter((a) => a.ticket_id === 29);
  const waiting: Policy = { ...bespoke, clock: { ...bespoke.clock, hosts: { zendesk: { pending: { ids: ['6130830355738'] } } } } };
  expect(timelineFromAudits({ policy: waiting, fieldIds: ids, ticketId: 29, users: [] }, mine).fields).toEqual({ status: 'pending', priority: null });
  expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 29, users: [] }, mine).fields).toEqual({ status: 'open', priority: null });
});

test('a recorded page of the ticket-events export, through the export reader, event by event', () => {
  const page = load<{ ticket_events: ExportEvent[] }>('zendesk_incremental_ticket_events.real-edited.json');
  const audits = page.ticket_events.map((e) => auditOfTicketEvent(e));
  // The first event, as the audits shape: the comment without text (no include=comment_events) and
  // each field keyed by its name.
  expect(audits[0]).toEqual({
    id: 614323587394,
    created_at: '2019-02-20T06:50:45Z',
    author_id: 374737473854,
    events: [
      { type: 'Comment', public: true },
      { type: 'Create', field_name: 'assignee_id', value: 374673563333 },
      { type: 'Create', field_name: 'subject', value: 'Sample ticket: Meet the ticket' },
      { type: 'Create', field_name: 'tags', value: ['sample', 'support', 'zendesk'] },
      { type: 'Create', field_name: 'group_id', value: 360003235353 },
      { type: 'Create', field_name: 'status', value: 'open' },
      { type: 'Create', field_name: 'requester_id', value: 374737473854 },
    ],
  });
  expect(audits[1].events).toEqual([
    { type: 'Change', field_name: 'type', value: 'incident', previous_value: '0' },
    { type: 'Change', field_name: 'priority', value: 'normal', previous_value: '0' },
  ]);
  const byTicket = (id: number) => page.ticket_events.map((e, i) => [e, audits[i]] as const).filter(([e]) => e.ticket_id === id).map(([, a]) => a);
  // Ticket 1: created open in group 360003235353 (a number in the export), then (same second, by a
  // trigger) an incident of priority normal.
  const t1 = timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: 1, users: [] }, byTicket(1));
  expect(t1.fields).toEqual({ status: 'open', group: '360003235353' });
  expect(t1.events).toEqual([{ type: 'field', at: '2019-02-20T06:50:45Z', field: 'priority', value: 'S3' }]);
  // Tickets 2 and 3: created open with no priority.
  for (const id of [2, 3]) expect(timelineFromAudits({ policy: bespoke, fieldIds: ids, ticketId: id, users: [] }, byTicket(id))).toMatchObject({ fields: { status: 'open', priority: null }, events: [] });
});

test('the export reader: custom fields under custom_ticket_fields, comments with include=comment_events, hold', () => {
  // The shapes HOSTS.md and the docs' comment_events example give; no recorded page has them.
  const kiwi = preset('kiwi-stage-plus');
  const fields: FieldIds = { impact: 11, urgency: 12, tier: 13, due: {}, source: 'settings', missing: [] };
  const events: ExportEvent[] = [
    {
      id: 1,
      ticket_id: 5,
      created_at: '2026-11-20T14:00:00Z',
      updater_id: 1,
      child_events: [
        { id: 10, type: 'Comment', author_id: 1, body: 'It is broken', html_body: '<p>It is broken</p>', public: true, attachments: [], audit_id: 1, created_at: '2026-11-20T14:00:00Z', event_type: 'Comment' },
        { id: 11, status: 'new', event_type: 'Create' },
        { id: 12, custom_ticket_fields: { '11': 'sla_impact_2', '12': 'sla_urgency_1', '13': 'sla_tier_plus', '99': 'other' }, event_type: 'Create' },
      ],
    },
    { id: 2, ticket_id: 5, created_at: '2026-11-20T14:20:00Z', updater_id: 2, child_events: [{ id: 20, type: 'Comment', author_id: 2, body: 'On it', public: true, event_type: 'Comment' }, { id: 21, status: 'hold', previous_value: 'open', event_type: 'Change' }] },
    { id: 3, ticket_id: 5, created_at: '2026-11-20T14:40:00Z', updater_id: 2, child_events: [{ id: 30, custom_ticket_fields: { '12': 'sla_urgency_2' }, previous_value: 'sla_urgency_1', event_type: 'Change' }, { id: 31, status: 'open', previous_value: 'hold', event_type: 'Change' }] },
  ];
  const tl = timelineFromAudits({ policy: kiwi, fieldIds: fields, ticketId: 5, users: [{ id: 1, role: 'end-user' }, { id: 2, role: 'agent' }] }, events.map((e) => auditOfTicketEvent(e)));
  expect(tl.fields).toEqual({ status: 'open', impact: '2', urgency: '1', tier: 'plus' });
  expect(tl.events).toEqual([
    { type: 'reply', at: '2026-11-20T14:20:00Z', public: true, author: 'agent' },
    // Zendesk's "hold" pauses the presets' clocks (they pause on pending and hold).
    { type: 'field', at: '2026-11-20T14:20:00Z', field: 'status', value: 'hold' },
    { type: 'field', at: '2026-11-20T14:40:00Z', field: 'urgency', value: '2' },
    { type: 'field', at: '2026-11-20T14:40:00Z', field: 'status', value: 'open' },
  ]);
  expect(kiwi.clock.pauseStatuses).toContain('hold');
});

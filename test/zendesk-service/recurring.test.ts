import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { checkPolicyText, type Policy } from '@sla-desk/core';
import { resolvePolicyPath } from '@sla-desk/core/dist/presets';
import { backfill } from '../../zendesk-app/service/src/backfill';
import { zendeskClient } from '../../zendesk-app/service/src/zendesk';
import type { ServiceConfig } from '../../zendesk-app/service/src/config';
import { CC_USER, GROUPS, ZendeskEmulator } from '../zendesk/rest-emulator';
import { IDS, NOW, serviceConfig, usePgliteStore, useTestService } from './helpers';

/**
 * Recurring Metrics on Zendesk (issue 19): under zendesk-parity, the service and the backfill write
 * each Metric's open-cycle due, from every public comment with its author's side and from group_id
 * in the audits and in the ticket-events export. On PGlite only: nothing here depends on the store.
 */
jest.setTimeout(60_000);

const HOUR = 3_600_000;
/** The parity preset's urgent Targets: next reply 2h, Support's ownership 2h. */
const NEXT_REPLY = 31;
const SUPPORT_OWNS = 32;

/** zendesk-parity with its Group SLA on Support's id: a Zendesk timeline's group is group_id. */
function parity(): Policy {
  const text = readFileSync(resolvePolicyPath('zendesk-parity'), 'utf8');
  const edited = text.replace('group: Support,', `group: "${GROUPS.support}",`);
  if (edited === text) throw new Error('zendesk-parity no longer names its group as "group: Support,"');
  const { policy } = checkPolicyText(edited);
  if (!policy) throw new Error('the edited zendesk-parity does not check');
  return policy;
}

const config = (url: string): ServiceConfig => serviceConfig(url, { policy: parity(), fieldIds: { tier: IDS.tier, state: IDS.state, due: { next_reply: NEXT_REPLY, support_owns: SUPPORT_OWNS }, source: 'settings', missing: [] } });

function urgentTicket(z: ZendeskEmulator, id: number, extra: { group_id?: number | null; custom_fields?: { id: number; value: unknown }[] } = {}) {
  return z.addTicket({ id, subject: `Ticket ${id}`, status: 'open', priority: 'urgent', tags: [], created_at: '2026-11-20T14:00:00Z', custom_fields: extra.custom_fields ?? [], group_id: extra.group_id ?? null });
}

/** What the ticket's field holds ('' for none). */
const field = (z: ZendeskEmulator, ticket: number, id: number) => String(z.tickets.get(ticket)!.custom_fields.find((f) => f.id === id)?.value ?? '');
/** The instant of the ticket's last audit (the change just made), plus `ms`, as the field writes it. */
const lastPlus = (z: ZendeskEmulator, ticket: number, ms: number) => new Date(Date.parse(z.audits.get(ticket)!.at(-1)!.created_at) + ms).toISOString();

describe('the service', () => {
  const t = useTestService(usePgliteStore(), config);

  test('a requester message after the first reply writes the next-reply due; a CC adds no wait; the agent\'s reply empties it', async () => {
    urgentTicket(t.z, 1);
    await t.pass(1);
    t.z.addComment(1, 2, 'Looking into it', true);
    await t.pass(1);
    // The ticket's first message waits on the first reply, not on a next reply.
    expect(field(t.z, 1, NEXT_REPLY)).toBe('');
    t.z.addComment(1, 1, 'Any news?', true);
    const due = lastPlus(t.z, 1, 2 * HOUR);
    await t.pass(1);
    expect(field(t.z, 1, NEXT_REPLY)).toBe(due);
    // A CC writes before anyone answered: the oldest unanswered message still counts.
    t.z.addComment(1, CC_USER, 'Same here', true);
    // An internal note answers nothing.
    t.z.addComment(1, 2, 'Checking logs', false);
    await t.pass(1);
    expect(field(t.z, 1, NEXT_REPLY)).toBe(due);
    t.z.addComment(1, 2, 'Fixed', true);
    await t.pass(1);
    expect(field(t.z, 1, NEXT_REPLY)).toBe('');
  });

  test('assigning the ticket to Support writes its ownership due; reassigning it empties it', async () => {
    urgentTicket(t.z, 2);
    await t.pass(2);
    expect(field(t.z, 2, SUPPORT_OWNS)).toBe('');
    t.z.agentEdit(2, { group_id: GROUPS.support });
    const due = lastPlus(t.z, 2, 2 * HOUR);
    // The audit as Zendesk records it: the id as a string.
    expect(t.z.audits.get(2)!.at(-1)!.events).toEqual([{ type: 'Change', field_name: 'group_id', value: String(GROUPS.support), previous_value: null }]);
    await t.pass(2);
    expect(field(t.z, 2, SUPPORT_OWNS)).toBe(due);
    t.z.agentEdit(2, { group_id: GROUPS.tier2 });
    await t.pass(2);
    expect(field(t.z, 2, SUPPORT_OWNS)).toBe('');
  });
});

describe('the backfill reads the same from the ticket-events export', () => {
  let z: ZendeskEmulator;
  let dir: string;
  beforeEach(async () => {
    z = new ZendeskEmulator();
    await z.start();
    dir = mkdtempSync(join(tmpdir(), 'sla-recurring-'));
  });
  afterEach(async () => {
    await z.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a waiting message and the Support group write their dues; an answered ticket moved out of Support has them emptied', async () => {
    // 3: created in Support (group_id in the creating audit), answered, then the requester writes.
    urgentTicket(z, 3, { group_id: GROUPS.support });
    const created = Date.parse(z.tickets.get(3)!.created_at);
    z.addComment(3, 2, 'On it', true);
    z.addComment(3, 1, 'Still broken', true);
    const waiting = lastPlus(z, 3, 2 * HOUR);
    // 4: the fields hold dues from before (written then), but the agent has answered and moved it to Tier 2.
    urgentTicket(z, 4, { group_id: GROUPS.support, custom_fields: [{ id: NEXT_REPLY, value: '2026-11-20T16:00:05.000Z' }, { id: SUPPORT_OWNS, value: '2026-11-20T16:00:00.000Z' }] });
    z.addComment(4, 2, 'On it', true);
    z.addComment(4, CC_USER, 'And for me?', true);
    z.addComment(4, 2, 'Yes, for you too', true);
    z.agentEdit(4, { group_id: GROUPS.tier2 });
    const cfg = config(z.url);
    const s = await backfill(zendeskClient(z.url, cfg.auth, { maxDelayMs: 10 }), cfg, { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    expect(s).toMatchObject({ read: 2, changed: 2, failed: 0 });
    // The history came from the export, where group_id is a number: no ticket's audits were read.
    expect(z.requests.filter((r) => r.path.endsWith('/audits.json'))).toEqual([]);
    expect(field(z, 3, NEXT_REPLY)).toBe(waiting);
    expect(field(z, 3, SUPPORT_OWNS)).toBe(new Date(created + 2 * HOUR).toISOString());
    expect(field(z, 4, NEXT_REPLY)).toBe('');
    expect(field(z, 4, SUPPORT_OWNS)).toBe('');
  });
});

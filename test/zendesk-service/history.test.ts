import { startService, type Service } from '../../zendesk-app/service/src/server';
import type { Db } from '../../zendesk-app/service/src/db';
import { keepOutcomes } from '../../zendesk-app/service/src/outcomes';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { PER_PAGE } from '../../zendesk-app/service/src/history';
import { ADMIN_TOKEN, addKiwiTicket, deliver, NOW, openStore, resetStore, serviceConfig, STORES, type StoreKind } from './helpers';

/**
 * The reports' history (service/src/history.ts): an account's solved and closed tickets of the last
 * 52 weeks, which no delivery will ever bring, get their Outcomes from the ticket export, with
 * nothing written to Zendesk and the store not following them. The worker as it runs, against the
 * Zendesk REST emulator on loopback HTTP, on each store.
 */
jest.setTimeout(120_000);

const at = (hhmm: string) => Date.parse(`2026-11-20T${hhmm}:00Z`);

describe.each(STORES)('on %s', (kind: StoreKind) => {
  let store: Awaited<ReturnType<typeof openStore>>;
  let db: Db;
  let z: ZendeskEmulator;
  let svc: Service | null = null;
  beforeAll(async () => {
    store = await openStore(kind);
    db = store.db;
  });
  afterAll(() => store?.close());
  beforeEach(async () => {
    await resetStore(db);
    z = new ZendeskEmulator();
    await z.start();
  });
  afterEach(async () => {
    await svc?.close();
    svc = null;
    await z.stop();
  });

  const outcomes = (id: number) => db.query<{ metric: string; cycle: number; state: string; working_ms: number }>('SELECT metric, cycle, state, working_ms FROM outcomes WHERE ticket_id = $1 ORDER BY metric, cycle', [id]);
  const history = async () => (await db.query<{ state: string; read_count: number; kept_count: number }>("SELECT state, read_count, kept_count FROM outcome_history WHERE tenant = 'env'"))[0];
  async function until(what: () => Promise<boolean>, ms = 30_000) {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  test('settled tickets get their Outcomes once, as a pass would give them; open ones and those kept already are left alone; nothing is written to Zendesk', async () => {
    // Created 14:00, P2 on plus: first response due 15:00. Ticket 1 answered at 14:30 and solved
    // at 15:30; ticket 2 never answered and closed at 16:30; ticket 3 still open; ticket 4 solved,
    // its Outcomes kept already by a pass.
    for (const id of [1, 2, 3, 4]) addKiwiTicket(z, id);
    z.advanceTo(at('14:29') + 59_000);
    z.addComment(1, 2, 'On it', true);
    z.advanceTo(at('15:29') + 59_000);
    z.agentEdit(1, { status: 'solved' });
    z.agentEdit(4, { status: 'solved' });
    z.advanceTo(at('16:29') + 59_000);
    z.agentEdit(2, { status: 'solved' });
    z.agentEdit(2, { status: 'closed' });
    const marker = [{ ticketId: '4', metric: 'resolution', cycle: 1, state: 'met' as const, workingMs: 12_345, tier: 'plus', priority: 'P2', group: null, startedAt: at('14:00'), endedAt: at('15:30'), dueAt: null }];
    await keepOutcomes(db, 'env', 4, marker);
    z.requests.length = 0;

    svc = await startService(serviceConfig(z.url), { db, now: () => NOW + 6 * 3_600_000, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 50, historyMs: 50, adminToken: ADMIN_TOKEN });
    await until(async () => (await history())?.state === 'done');

    expect(await history()).toMatchObject({ state: 'done', read_count: 4, kept_count: 2 });
    expect((await outcomes(1)).map((o) => [o.metric, o.state])).toEqual([
      ['first_response', 'met'],
      ['resolution', 'met'],
    ]);
    expect((await outcomes(1))[0].working_ms).toBe(30 * 60_000);
    // Closed at 16:30 with no reply: the first response breached at 15:00 and stopped at the solve.
    expect((await outcomes(2)).map((o) => [o.metric, o.state])).toEqual([
      ['first_response', 'breached'],
      ['resolution', 'met'],
    ]);
    expect(await outcomes(3)).toEqual([]);
    expect((await outcomes(4)).map((o) => [o.metric, Number(o.working_ms)])).toEqual([['resolution', 12_345]]);
    // Read from the export from 52 weeks back, a page at a time, and each settled ticket once.
    const exports = z.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json' && r.query.includes(`per_page=${PER_PAGE}`));
    expect(exports.length).toBeGreaterThanOrEqual(1);
    const start = Number(new URLSearchParams(exports[0].query).get('start_time'));
    expect(Date.now() / 1000 - start).toBeGreaterThan(52 * 7 * 86_400 - 600);
    expect(z.requests.filter((r) => r.path === '/api/v2/tickets/3.json' || r.path === '/api/v2/tickets/4.json')).toEqual([]);
    // The team's record: no write to any ticket, and the store follows none of them.
    expect(z.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await db.query('SELECT ticket_id FROM tickets')).toEqual([]);

    // Done once: later rounds read no more of it.
    const before = z.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(z.requests.slice(before).filter((r) => r.query.includes(`per_page=${PER_PAGE}`))).toEqual([]);

    // What a pass gives ticket 1 when a delivery comes: the same Outcomes the history kept.
    const kept = await outcomes(1);
    expect((await deliver(svc.url, 1, NOW + 6 * 3_600_000)).status).toBe(200);
    await svc.drain();
    expect(await db.query('SELECT ticket_id FROM tickets WHERE ticket_id = 1')).toHaveLength(1);
    expect(await outcomes(1)).toEqual(kept);
  });

  test('a ticket Zendesk refuses (403) is passed over, not read again every round; an export of several pages is read to its end', async () => {
    const count = PER_PAGE + 5;
    for (let id = 1; id <= count; id++) addKiwiTicket(z, id);
    z.advanceTo(at('15:29') + 59_000);
    for (let id = 1; id <= count; id++) z.agentEdit(id, { status: 'solved' });
    z.fail(50, { kind: 'status', status: 403 }, /^\/api\/v2\/tickets\/3\.json$/);
    z.requests.length = 0;
    svc = await startService(serviceConfig(z.url), { db, now: () => NOW + 6 * 3_600_000, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 50, historyMs: 50, adminToken: ADMIN_TOKEN });
    await until(async () => (await history())?.state === 'done');
    expect(await history()).toMatchObject({ state: 'done', read_count: count, kept_count: count - 1 });
    expect(await outcomes(3)).toEqual([]);
    expect(z.requests.filter((r) => r.path === '/api/v2/tickets/3.json')).toHaveLength(1);
    // Two pages of the export, each read once.
    expect(z.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json' && r.query.includes(`per_page=${PER_PAGE}`))).toHaveLength(2);
  });

  test('a round Zendesk fails (a 429 on a ticket) is read again next round; what it kept is not read twice', async () => {
    for (const id of [1, 2]) addKiwiTicket(z, id);
    z.advanceTo(at('15:29') + 59_000);
    z.agentEdit(1, { status: 'solved' });
    z.agentEdit(2, { status: 'solved' });
    z.fail(1, { kind: 'status', status: 429, retryAfter: '0' }, /^\/api\/v2\/tickets\/2\.json$/);
    z.requests.length = 0;
    svc = await startService(serviceConfig(z.url), { db, now: () => NOW + 6 * 3_600_000, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 50, historyMs: 50, adminToken: ADMIN_TOKEN });
    await until(async () => (await history())?.state === 'done');
    expect(await history()).toMatchObject({ state: 'done', kept_count: 1 + 1 });
    expect((await outcomes(2)).length).toBe(2);
    // The page was read twice (the failed round's and the next), ticket 1 once.
    expect(z.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json' && r.query.includes('start_time')).length).toBeGreaterThanOrEqual(2);
    expect(z.requests.filter((r) => r.path === '/api/v2/tickets/1.json')).toHaveLength(1);
  });
});

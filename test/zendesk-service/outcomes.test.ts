import { startService, type Service } from '../../zendesk-app/service/src/server';
import type { Db } from '../../zendesk-app/service/src/db';
import { keepOutcomes } from '../../zendesk-app/service/src/outcomes';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, NOW, openStore, resetStore, serviceConfig, STORES, type StoreKind } from './helpers';

/**
 * Issue 22: the service keeps each Metric's Outcome per cycle in its store, written by the pass
 * that evaluates the ticket, and keeps it when the ticket is closed (the store stops following
 * the ticket itself). The Zendesk REST emulator and the service on loopback HTTP, on each store.
 */
jest.setTimeout(120_000);

describe.each(STORES)('on %s', (kind: StoreKind) => {
  let store: Awaited<ReturnType<typeof openStore>>;
  let db: Db;
  let z: ZendeskEmulator;
  let svc: Service;
  let clock = NOW;
  beforeAll(async () => {
    store = await openStore(kind);
    db = store.db;
  });
  afterAll(() => store?.close());
  beforeEach(async () => {
    clock = NOW;
    await resetStore(db);
    z = new ZendeskEmulator();
    await z.start();
    svc = await startService(serviceConfig(z.url), { db, now: () => clock, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN_TOKEN });
  });
  afterEach(async () => {
    await svc.close();
    await z.stop();
  });

  async function pass(id: number) {
    expect((await deliver(svc.url, id, clock)).status).toBe(200);
    await svc.drain();
  }
  const outcomes = (id: number) => db.query<Record<string, unknown>>('SELECT metric, cycle, state, working_ms, tier, priority, started_at, ended_at, due_at FROM outcomes WHERE ticket_id = $1 ORDER BY metric, cycle', [id]);

  test("a pass writes the ticket's Outcomes; a later one updates them; a closed ticket's stay; a deleted one's go", async () => {
    // Created 14:00, Impact 2 x Urgency 1 on plus: P2, first response due 15:00; now 15:00.
    addKiwiTicket(z, 1);
    await pass(1);
    const first = await outcomes(1);
    expect(first.map((o) => [o.metric, o.cycle, o.state, o.tier, o.priority])).toEqual([
      ['first_response', 1, 'breached', 'plus', 'P2'],
      ['resolution', 1, 'open', 'plus', 'P2'],
    ]);
    expect(first[0]).toMatchObject({ started_at: Date.parse('2026-11-20T14:00:00Z'), ended_at: null, due_at: Date.parse('2026-11-20T15:00:00Z') });

    // Solved: the resolution's clock stops at the solve's audit, well within its day: met.
    clock = NOW + 3_600_000;
    z.agentEdit(1, { status: 'solved' });
    await pass(1);
    const solved = await outcomes(1);
    const solve = z.audits.get(1)!.find((a) => a.events.some((e) => e.type === 'Change' && (e as { field_name?: string }).field_name === 'status' && (e as { value?: unknown }).value === 'solved'))!;
    const solvedAt = Date.parse(solve.created_at);
    expect(solved.find((o) => o.metric === 'resolution')).toMatchObject({ state: 'met', ended_at: solvedAt });
    // A solve stops the first response too (a solved ticket owes no first reply).
    expect(solved.find((o) => o.metric === 'first_response')).toMatchObject({ ended_at: solvedAt });

    // A later pass finds the settled cycles as they were and leaves their rows alone (same xmin).
    const xmin = async () => (await db.query<{ x: string }>("SELECT xmin::text AS x FROM outcomes WHERE ticket_id = 1 AND metric = 'resolution'"))[0].x;
    const before = await xmin();
    clock += 60_000;
    await pass(1);
    expect(await xmin()).toBe(before);

    // Closed: the store forgets the ticket, and keeps its Outcomes as they were.
    clock += 3_600_000;
    z.agentEdit(1, { status: 'closed' });
    await pass(1);
    expect(await db.query('SELECT 1 FROM tickets WHERE ticket_id = 1')).toEqual([]);
    expect(await outcomes(1)).toEqual(solved);

    // Deleted in Zendesk: nothing of it stays.
    addKiwiTicket(z, 2);
    await pass(2);
    expect((await outcomes(2)).length).toBe(2);
    z.deleted.add(2);
    await pass(2);
    expect(await outcomes(2)).toEqual([]);
  });

  test('a cycle the evaluation no longer gives is no Outcome; a tenant the store does not know keeps none', async () => {
    const o = (cycle: number) => ({ ticketId: '5', metric: 'next_reply', cycle, state: 'met' as const, workingMs: 1000, tier: 'plus', priority: 'P2', group: null, startedAt: NOW, endedAt: NOW + 1000, dueAt: NOW + 2000 });
    await keepOutcomes(db, 'env', 5, [o(1), o(2), o(3)]);
    await keepOutcomes(db, 'env', 5, [o(1), o(3)]);
    expect((await db.query<{ cycle: number }>('SELECT cycle FROM outcomes WHERE ticket_id = 5 ORDER BY cycle')).map((r) => r.cycle)).toEqual([1, 3]);
    await keepOutcomes(db, '9999', 5, [o(1)]);
    expect(await db.query("SELECT 1 FROM outcomes WHERE tenant = '9999'")).toEqual([]);
  });
});

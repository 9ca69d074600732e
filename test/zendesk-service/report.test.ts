import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { evaluateWithTrace, groupNow, outcomesOf, TimelineSchema, type TimelineInput } from '@sla-desk/core';
import { loadPolicy } from '@sla-desk/core/dist/presets';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { saveTokens } from '../../zendesk-app/service/src/oauth';
import { keepOutcomes } from '../../zendesk-app/service/src/outcomes';
import { tokenHash } from '../../zendesk-app/service/src/provision';
import { beginSignIn, decideSignIn } from '../../zendesk-app/service/src/report-access';
import { exportTenant } from '../../zendesk-app/service/src/retention';
import { NOW, openStore, resetStore, STORES, type StoreKind } from './helpers';

/**
 * Issue 22: GET /app/report over the stored Outcomes, on loopback HTTP, on each store, gives the
 * figures `sla report --outcomes` (the command line, core's ReportBuilder per Outcome) gives on the
 * same tickets: the store's come from SQL aggregates handed to the same ReportBuilder.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const KEY = Buffer.alloc(32, 0).map((_, i) => (i * 37 + 11) & 0xff);
const TOKEN = 'app-service-token-0123456789abcdef';
const POLICY = 'zendesk-parity';
const DAY = 86_400_000;
const MIN = 60_000;

/** Tickets over five weeks before NOW, from a fixed seed: replies, requester messages, group moves, solves. */
function desk(count: number, seed: number): TimelineInput[] {
  let s = seed;
  const rand = (n: number) => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31), s % n);
  const priorities = ['urgent', 'high', 'normal', 'low', null];
  return Array.from({ length: count }, (_, i) => {
    const created = NOW - rand(35 * DAY);
    const at = (t: number) => new Date(Math.min(t, NOW - MIN)).toISOString();
    const events: unknown[] = [];
    let t = created;
    for (let k = rand(6); k > 0; k--) {
      t += rand(10 * 60) * MIN;
      const r = rand(4);
      if (r === 0) events.push({ type: 'reply', at: at(t), public: true, author: 'agent' });
      else if (r === 1) events.push({ type: 'reply', at: at(t), public: true, author: 'requester' });
      else if (r === 2) events.push({ type: 'field', at: at(t), field: 'group', value: rand(2) ? 'Support' : 'Engineering' });
      else events.push({ type: 'solved', at: at(t) });
    }
    return { id: String(100 + i), createdAt: new Date(created).toISOString(), fields: { status: 'open', priority: priorities[rand(5)], group: 'Support' }, events } as TimelineInput;
  });
}

function sla(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`sla ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe.each(STORES)('on %s', (kind: StoreKind) => {
  let store: Awaited<ReturnType<typeof openStore>>;
  let svc: Service;
  const C = NOW - 3 * DAY;
  const said = (min: number, author: 'agent' | 'requester') => ({ type: 'reply', at: new Date(C + min * MIN).toISOString(), public: true, author });
  // And one conversation of three next-reply cycles.
  const tickets = [...desk(60, 22), { id: '99', createdAt: new Date(C).toISOString(), fields: { status: 'open', priority: 'high' }, events: [said(10, 'agent'), said(20, 'requester'), said(30, 'agent'), said(40, 'requester'), said(400, 'agent'), said(500, 'requester')] } as TimelineInput];
  const file = join(mkdtempSync(join(tmpdir(), 'sla-report-')), 'desk.jsonl');
  writeFileSync(file, tickets.map((t) => JSON.stringify(t)).join('\n') + '\n');

  beforeAll(async () => {
    store = await openStore(kind);
  });
  afterAll(() => store?.close());
  beforeEach(async () => {
    await resetStore(store.db);
    svc = await startService(null, {
      db: store.db,
      now: () => NOW,
      encryptionKeys: [KEY],
      log: () => undefined,
      pollMs: 20,
      catchUpMs: 0,
      appSettingsMs: 3_600_000,
      tenantBaseUrl: () => 'http://127.0.0.1:9',
      globalOauth: { client: { id: 'c', secret: 'global-client-secret-0123456789', redirectUri: 'http://127.0.0.1:9/oauth/callback' }, publicUrl: 'http://127.0.0.1:9', appId: 777 },
    });
    // Two connected accounts, as the Marketplace connection leaves them (marketplace.test.ts).
    for (const [account, sub] of [['9001', 'acme'], ['9002', 'globex']]) {
      await saveTokens(store.db, [KEY], account, { access_token: `at-${account}`, refresh_token: null, expires_at: NOW + DAY }, Date.now(), sub);
      await svc.tenants.put(account, { ZENDESK_SUBDOMAIN: sub, ZENDESK_AUTH: 'global_oauth', SLA_POLICY: POLICY, SLA_WEBHOOK_SECRET: `secret-${account}-abcdefghijkl`, SLA_APP_TOKEN_SHA256: tokenHash(`${TOKEN}-${account}`) });
    }
    // What the passes keep, from the same evaluation the service runs (plan.ts): acme's desk, and one ticket of globex's.
    const policy = loadPolicy(POLICY);
    const keep = async (account: string, t: TimelineInput) => {
      const parsed = TimelineSchema.parse(t);
      const { decision, clocks } = evaluateWithTrace(policy, parsed, NOW);
      await keepOutcomes(store.db, account, Number(parsed.id), outcomesOf(decision, clocks, groupNow(parsed)));
    };
    for (const t of tickets) await keep('9001', t);
    await keep('9002', { ...tickets[0], id: '1', fields: { status: 'open', priority: 'urgent' }, events: [] });
  });
  afterEach(() => svc.close());

  /** A lead's page after their sign-in (report-access.test.ts follows the sign-in itself through Zendesk). */
  const signedIn = async (account: string, opts: { lead?: boolean; at?: number } = {}) => {
    const { ref, secret } = await beginSignIn(store.db, account, 42, opts.at ?? NOW);
    await decideSignIn(store.db, ref, { tenant: account, userId: 42, lead: opts.lead ?? true }, opts.at ?? NOW);
    return secret;
  };
  let session = '';
  beforeEach(async () => {
    session = await signedIn('9001');
  });
  const get = (query: string, token = `${TOKEN}-9001`, secret = session) => fetch(`${svc.url}/app/report?subdomain=acme${query}`, { headers: { authorization: `Bearer ${token}`, 'x-sla-report-session': secret } });

  test("the app's token alone opens no report: a lead's or an admin's sign-in must stand behind it, of this account and not expired", async () => {
    const refused = async (r: Response) => {
      expect(r.status).toBe(403);
      const body = await r.json();
      expect(body).toEqual({ error: expect.stringMatching(/admins and triage leads: sign in/), signIn: true });
      expect(JSON.stringify(body)).not.toMatch(/rows|worst/);
    };
    await refused(await fetch(`${svc.url}/app/report?subdomain=acme`, { headers: { authorization: `Bearer ${TOKEN}-9001` } }));
    await refused(await get('', undefined, 'x'.repeat(32)));
    // A sign-in still pending, or one refused to an agent in no lead group, opens nothing.
    const pending = await beginSignIn(store.db, '9001', 42, NOW);
    await refused(await get('', undefined, pending.secret));
    await refused(await get('', undefined, await signedIn('9001', { lead: false })));
    // globex's lead's secret is not acme's, even with acme's token.
    await refused(await get('', undefined, await signedIn('9002')));
    // Eight hours after the sign-in, it is over.
    await refused(await get('', undefined, await signedIn('9001', { at: NOW - 8 * 3_600_000 - 1000 })));
    expect((await get('')).status).toBe(200);
  });

  test('the figures are those of `sla report --outcomes` on the same tickets, for the whole store and for a period', async () => {
    for (const [query, args] of [
      ['', []],
      ['&from=2026-11-02&to=2026-11-16T00:00:00Z', ['--from', '2026-11-02T00:00:00Z', '--to', '2026-11-16T00:00:00Z']],
      // A row's drill-down: its figures, its weeks and its worst tickets.
      ['&tier=standard&priority=high&metric=next_reply', ['--tier', 'standard', '--priority', 'high', '--metric', 'next_reply']],
    ] as const) {
      const r = await get(query);
      expect(r.status).toBe(200);
      const { policy, labels, ...report } = await r.json();
      const cli = JSON.parse(sla(['report', '--outcomes', '--policy', POLICY, '--now', new Date(NOW).toISOString(), '--format', 'json', ...args, file]));
      expect(report).toEqual(cli);
      // Not a vacuous match: the desk has met, breached and open Outcomes, cycles and weeks.
      expect(report.rows.length).toBeGreaterThan(args[0] === '--tier' ? 0 : 5);
      if (args[0] !== '--tier') expect(report.rows.some((x: { met: number }) => x.met > 0) && report.rows.some((x: { breached: number }) => x.breached > 0) && report.rows.some((x: { open: number }) => x.open > 0)).toBe(true);
      else expect(report.rows.map((x: { metric: string }) => x.metric)).toEqual(['next_reply']);
      expect(report.worst.length).toBeGreaterThan(0);
      expect(policy).toBe('Zendesk SLA parity');
      expect(labels.metrics.next_reply).toBe('Next reply time');
    }
    const all = await (await get('')).json();
    // Five weeks of tickets, with each week's figures; the rows count cycles (next reply recurs).
    expect(all.weeks.length).toBeGreaterThanOrEqual(5 - 1);
    const reply = all.rows.filter((x: { metric: string }) => x.metric === 'next_reply');
    expect(reply.some((x: { met: number; breached: number; open: number; tickets: number }) => x.met + x.breached + x.open > x.tickets)).toBe(true);
  });

  test('CSV: the same rows `sla report --outcomes --format csv` writes, as a download', async () => {
    const r = await get('&format=csv&from=2026-11-01');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="sla-report-2026-11-01-all.csv"');
    expect(await r.text()).toBe(sla(['report', '--outcomes', '--policy', POLICY, '--now', new Date(NOW).toISOString(), '--format', 'csv', '--from', '2026-11-01T00:00:00Z', file]));
  });

  test('a bad parameter gets a 400 naming it; a caller without the app token a 401 that says nothing of the account', async () => {
    const bad = async (query: string, name: string) => {
      const r = await get(query);
      expect(r.status).toBe(400);
      expect((await r.json()).error).toMatch(new RegExp(`^${name}: `));
    };
    await bad('&from=yesterday', 'from');
    await bad('&from=2026-02-30', 'from');
    await bad('&to=2026-11-01T09:00', 'to');
    await bad('&from=2026-11-10&to=2026-11-01', 'to');
    await bad('&format=xlsx', 'format');
    await bad('&group=gold', 'group');
    await bad(`&tier=${'x'.repeat(101)}`, 'tier');
    expect((await get('')).status).toBe(200);
    expect((await get('', 'not-the-token-0123456789')).status).toBe(401);
    // globex's token does not open acme's report.
    expect((await get('', `${TOKEN}-9002`)).status).toBe(401);
    const anon = await fetch(`${svc.url}/app/report?subdomain=acme&from=yesterday`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).not.toContain('from');
  });

  test("each account's report is its own; the export lists its Outcomes; removing the account removes them", async () => {
    const globex = await (await fetch(`${svc.url}/app/report?subdomain=globex`, { headers: { authorization: `Bearer ${TOKEN}-9002`, 'x-sla-report-session': await signedIn('9002') } })).json();
    expect([...new Set(globex.worst.map((w: { ticketId: string }) => w.ticketId))]).toEqual(['1']);
    const exported = (await exportTenant(store.db, svc.tenants, '9002'))!;
    expect((exported.outcomes as { ticket_id: number; metric: string }[]).map((o) => [o.ticket_id, o.metric]).sort()).toEqual(
      [[1, 'agent_work'], [1, 'first_response'], [1, 'requester_wait'], [1, 'resolution']],
    );
    await svc.tenants.remove('9002');
    expect(await store.db.query("SELECT 1 FROM outcomes WHERE tenant = '9002'")).toEqual([]);
    expect(await store.db.query("SELECT 1 FROM report_access WHERE tenant = '9002'")).toEqual([]);
    expect((await store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outcomes WHERE tenant = '9001'"))[0].n).toBeGreaterThan(60);
  });
});

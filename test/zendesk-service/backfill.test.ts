import { mkdtempSync, rmSync } from 'fs';
import { overrideNote } from '@sla-desk/core';
import { tmpdir } from 'os';
import { join } from 'path';
import { backfill } from '../../zendesk-app/service/src/backfill';
import { runPass } from '../../zendesk-app/service/src/pass';
import { ENV_TENANT } from '../../zendesk-app/service/src/tenants';
import { zendeskClient } from '../../zendesk-app/service/src/zendesk';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { addKiwiTicket, NOW, serviceConfig, usePgliteStore, wrongTickets } from './helpers';

jest.setTimeout(60_000);

let z: ZendeskEmulator;
let dir: string;
const N = 1200;
const store = usePgliteStore();

beforeEach(async () => {
  z = new ZendeskEmulator();
  await z.start();
  dir = mkdtempSync(join(tmpdir(), 'sla-backfill-'));
  for (let id = 1; id <= N; id++) addKiwiTicket(z, id, String(1 + (id % 4)), String(1 + ((id >> 2) % 4)), id % 3 ? 'basic' : 'plus');
});

afterEach(async () => {
  await z.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cfg = () => serviceConfig(z.url);
const http = () => zendeskClient(z.url, cfg().auth, { maxDelayMs: 10 });

/** Tickets 1..count already right, as the service leaves them: by the pass a delivery runs. */
async function makeSomeCorrect(count: number) {
  const notice = { trusted: true, allowHosts: new Set<string>() };
  for (let id = 1; id <= count; id++) await runPass(store.db, cfg(), http(), ENV_TENANT, id, true, () => NOW, () => undefined, notice);
  z.writes.clear();
  z.requests = [];
}

test('a dry run reads and counts, and writes nothing', async () => {
  await makeSomeCorrect(200);
  const s = await backfill(http(), cfg(), { dryRun: true, checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
  expect(s).toEqual({ read: N, changed: N - 200, unchanged: 200, failed: 0, skippedDone: 0, closed: 0, dryRun: true });
  expect(z.writes.size).toBe(0);
});

test('a crash mid-backfill, then a resume: every ticket ends correct and none is written twice, in at most 20 requests per 1,000 tickets', async () => {
  await makeSomeCorrect(300);
  z.fail(3, { kind: 'status', status: 429, retryAfter: '0' }, /update_many/);
  let jobs = 0;
  const file = join(dir, 'cp.json');
  await expect(
    backfill(http(), cfg(), {
      checkpointFile: file,
      now: () => NOW,
      pollMs: 5,
      onJobSubmitted: () => {
        if (++jobs === 4) throw new Error('killed');
      },
    }),
  ).rejects.toThrow('killed');
  const resumed = await backfill(http(), cfg(), { checkpointFile: file, now: () => NOW, pollMs: 5 });
  expect(resumed.failed).toBe(0);
  expect(wrongTickets(z, cfg(), NOW, false)).toEqual([]);
  for (let id = 1; id <= N; id++) expect(z.writes.get(id) ?? 0).toBe(id <= 300 ? 0 : 1);
  // Both runs together, the injected 429s and the crash included.
  expect(z.requests.length / (N / 1000)).toBeLessThanOrEqual(20);
});

test('a checkpoint from another --since is refused rather than mixed up', async () => {
  const file = join(dir, 'cp.json');
  await backfill(http(), cfg(), { dryRun: true, checkpointFile: file, now: () => NOW, pollMs: 5 });
  await expect(backfill(http(), cfg(), { since: '2026-01-01', checkpointFile: file, now: () => NOW })).rejects.toThrow(/this checkpoint is for --since \(none\); delete it to start over/);
});

test('`sla backfill zendesk` runs from the command line with its configuration from the environment, as an OAuth client', async () => {
  // API tokens end on 2027-04-30: the backfill authenticates with the client-credentials grant.
  z.oauthOnly = true;
  z.oauthClients.set('sla-desk-backfill', 'backfill-secret');
  const { execFile } = await import('child_process');
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [join(__dirname, '..', '..', 'core', 'bin', 'sla.js'), 'backfill', 'zendesk', ...args], { env: { ...process.env, ZENDESK_BASE_URL: z.url, ZENDESK_CLIENT_ID: 'sla-desk-backfill', ZENDESK_CLIENT_SECRET: 'backfill-secret', SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: JSON.stringify({ impact: 11, urgency: 12, tier: 13, state: 14, due_first_response: 15, due_resolution: 16 }) } }, (e, out, err) =>
        resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, out, err }),
      );
    });
  z.tickets.get(N)!.status = 'closed';
  const dry = await run(['--dry-run', '--checkpoint', join(dir, 'dry.json')]);
  expect(dry).toMatchObject({ code: 0, out: `dry run: ${N} tickets read, ${N - 1} would change, 0 unchanged, 0 failed, 1 closed (left as they are)\n` });
  expect(z.writes.size).toBe(0);
  const real = await run(['--checkpoint', join(dir, 'real.json')]);
  expect(real.out).toBe(`${N} tickets read, ${N - 1} changed, 0 unchanged, 0 failed, 1 closed (left as they are)\n`);
  // The command line evaluates at the real now; these tickets are days past every target by then.
  expect(wrongTickets(z, cfg(), Date.now(), false)).toEqual([]);
  expect(z.writes.size).toBe(N - 1);
  // One token per run, kept for all of its requests.
  expect(z.requests.filter((r) => r.path === '/oauth/tokens')).toHaveLength(2);
});

describe('the exports as Zendesk documents them', () => {
  const query = (path: string) => z.requests.filter((r) => r.path === path).map((r) => new URLSearchParams(r.query));

  test('cursor export: start_time and exclude_deleted first, then after_url as given, its parameters kept; events with comments on every page; roles by users/show_many', async () => {
    // A long ticket, one audit a second: the events export needs more than one page.
    for (let i = 0; i < 1500; i++) z.addComment(1, 2, `note ${i}`, false);
    await backfill(http(), cfg(), { dryRun: true, checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    const pages = query('/api/v2/incremental/tickets/cursor.json');
    expect(pages.length).toBe(2); // 1,200 tickets, 1,000 a page
    expect(Object.fromEntries(pages[0])).toEqual({ start_time: '0', exclude_deleted: 'true' });
    expect([...pages[1].keys()]).toEqual(['cursor', 'exclude_deleted']);
    expect(pages[1].get('exclude_deleted')).toBe('true');
    const events = query('/api/v2/incremental/ticket_events.json');
    expect(events.length).toBeGreaterThan(1);
    for (const q of events) expect(q.get('include')).toBe('comment_events');
    expect(query('/api/v2/users/show_many.json').length).toBeGreaterThan(0);
  });

  test('a deleted ticket is not read and not written, on the second page of the export too', async () => {
    z.deleted.add(5);
    // The export orders by updated_at: a late change puts ticket 1100 on the second page.
    z.agentEdit(1100, { tags: ['late'] });
    z.deleted.add(1100);
    const s = await backfill(http(), cfg(), { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    expect(s.read).toBe(N - 2);
    expect(z.writes.get(5)).toBeUndefined();
    expect(z.writes.get(1100)).toBeUndefined();
  });

  test('--since picks the tickets updated since then, and still reads each one\'s whole history', async () => {
    // Ticket 7 was paused before --since and touched after it: the pause must still count.
    z.agentEdit(7, { status: 'pending' });
    const since = z.stamp();
    z.addComment(7, 2, 'internal', false);
    const s = await backfill(http(), cfg(), { since, checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    expect(s).toMatchObject({ read: 1, changed: 1 });
    expect(z.tickets.get(7)!.custom_fields.find((f) => f.id === 14)?.value).toBe('paused');
    expect(wrongTickets(z, cfg(), NOW, false).includes(7)).toBe(false);
    // The events export started at the ticket's creation, not at --since.
    expect(Number(query('/api/v2/incremental/ticket_events.json')[0].get('start_time'))).toBeLessThanOrEqual(Date.parse('2026-11-20T14:00:00Z') / 1000);
  });

  test("tags change by additional_tags/remove_tags: an agent's tag added meanwhile survives", async () => {
    z.tickets.get(3)!.tags = ['sla_tier_basic']; // ticket 3 is Plus: the Basic badge must go
    let raced = false;
    z.beforeWrite = (id) => {
      if (id !== 3 || raced) return;
      raced = true;
      z.agentEdit(3, { tags: ['sla_tier_basic', 'vip'] });
    };
    await backfill(http(), cfg(), { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    expect(raced).toBe(true);
    expect(z.tickets.get(3)!.tags.sort()).toEqual(['sla_tier_plus', 'vip']);
  });

  test('an API user who is not an admin: the export refuses, and the error says why', async () => {
    z.apiUserRole = 'agent';
    await expect(backfill(http(), cfg(), { dryRun: true, checkpointFile: join(dir, 'cp.json'), now: () => NOW })).rejects.toThrow(/403: the incremental exports are for admins only/);
  });

  test('overrides: a lead\'s note counts, a forged one from an agent does not, as in the service', async () => {
    const note = (by: string) => overrideNote(cfg().policy, { type: 'override', at: '2026-11-20T14:30:00.000Z', by, from: null, to: 'P1', reason: 'Production is down', notify: false });
    z.groupMemberships.set(3, [7]);
    z.addComment(9, 2, note('Lea'), false); // agent 2 is no lead
    z.addComment(10, 3, note('Sam'), false); // agent 3 is
    await backfill(http(), cfg(), { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    // wrongTickets plans with the emulator's own leads: the backfill wrote what the service would.
    expect(wrongTickets(z, cfg(), NOW, false)).toEqual([]);
    expect(z.tickets.get(10)!.priority).toBe('urgent');
    expect(z.tickets.get(9)!.priority).not.toBe('urgent');
    // The lead's groups were read from the account; the agent's too, and found wanting.
    expect(z.requests.filter((r) => /^\/api\/v2\/users\/(2|3)\/groups\.json$/.test(r.path)).length).toBe(2);
  });

  test("a lead's notice to the requester (marked in its audit's metadata, which the export drops) is not the first response", async () => {
    const note = overrideNote(cfg().policy, { type: 'override', at: '2026-11-20T14:30:00.000Z', by: 'Sam', from: null, to: 'P1', reason: 'Production is down', notify: true });
    z.groupMemberships.set(3, [7]);
    // As the sidebar writes them: the note, then the notice with the sidebar's metadata (Ticket Audits API: metadata.custom).
    z.addComment(11, 3, note, false);
    const t = z.tickets.get(11)!;
    t.updated_at = z.stamp();
    z.audits.get(11)!.push({ id: 99_001, ticket_id: 11, created_at: t.updated_at, author_id: 3, metadata: { custom: { sla_desk: 'override-notice' } }, events: [{ id: 99_002, type: 'Comment', public: true, author_id: 3, body: 'We raised the priority of your request.' }] } as never);
    await backfill(http(), cfg(), { checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
    // The plan from the ticket's audits (metadata and all) is what the backfill wrote.
    expect(wrongTickets(z, cfg(), NOW, false)).toEqual([]);
    expect(z.tickets.get(11)!.custom_fields.find((f) => f.id === 14)?.value).not.toBe('met');
    // Its audits were read; the other tickets' were not.
    expect(z.requests.filter((r) => /^\/api\/v2\/tickets\/\d+\/audits\.json$/.test(r.path)).map((r) => r.path)).toEqual(['/api/v2/tickets/11/audits.json']);
  });
});

test('the exports\' rate limit (10 a minute): a 429 with Retry-After is waited out, and the run completes', async () => {
  z.fail(2, { kind: 'status', status: 429, retryAfter: '60' }, /^\/api\/v2\/incremental\//);
  const s = await backfill(http(), cfg(), { dryRun: true, checkpointFile: join(dir, 'cp.json'), now: () => NOW, pollMs: 5 });
  expect(s).toMatchObject({ read: N, failed: 0 });
  // Both refused requests were asked again (the test client caps the wait at 10 ms).
  expect(z.requests.filter((r) => r.path.startsWith('/api/v2/incremental/')).length).toBeGreaterThanOrEqual(2 + 2);
});

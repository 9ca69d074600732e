import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { backfill } from '../../zendesk-app/service/src/backfill';
import { handleTicket } from '../../zendesk-app/service/src/handler';
import { zendeskClient } from '../../zendesk-app/service/src/zendesk';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { addKiwiTicket, NOW, serviceConfig, wrongTickets } from './helpers';

jest.setTimeout(60_000);

let z: ZendeskEmulator;
let dir: string;
const N = 1200;

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

async function makeSomeCorrect(count: number) {
  for (let id = 1; id <= count; id++) await handleTicket(http(), cfg(), id, () => NOW, () => undefined);
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
  expect(wrongTickets(z, cfg())).toEqual([]);
  for (let id = 1; id <= N; id++) expect(z.writes.get(id) ?? 0).toBe(id <= 300 ? 0 : 1);
  // Both runs together, the injected 429s and the crash included.
  expect(z.requests.length / (N / 1000)).toBeLessThanOrEqual(20);
});

test('a checkpoint from another --since is refused rather than mixed up', async () => {
  const file = join(dir, 'cp.json');
  await backfill(http(), cfg(), { dryRun: true, checkpointFile: file, now: () => NOW, pollMs: 5 });
  await expect(backfill(http(), cfg(), { since: '2026-01-01', checkpointFile: file, now: () => NOW })).rejects.toThrow(/this checkpoint is for --since \(none\); delete it to start over/);
});

test('`sla backfill zendesk` runs from the command line with its configuration from the environment', async () => {
  const { execFile } = await import('child_process');
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [join(__dirname, '..', '..', 'core', 'bin', 'sla.js'), 'backfill', 'zendesk', ...args], { env: { ...process.env, ZENDESK_BASE_URL: z.url, ZENDESK_OAUTH_TOKEN: 'token', SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: JSON.stringify({ impact: 11, urgency: 12, tier: 13, state: 14, due_first_response: 15, due_resolution: 16 }) } }, (e, out, err) =>
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
  expect(wrongTickets(z, cfg(), Date.now())).toEqual([]);
  expect(z.writes.size).toBe(N - 1);
});

import { SingleBar, Presets } from 'cli-progress';
import { backfill } from './backfill';
import { configFromEnv } from './config';
import { zendeskClient } from './zendesk';

/** `sla backfill zendesk`: the command line's side of the backfill (progress bar, summary, exit code). */
export async function runBackfill(opts: { since?: string; dryRun?: boolean; checkpoint?: string }, io: { out(s: string): void; err(s: string): void; tty: boolean }): Promise<number> {
  const cfg = configFromEnv(process.env, { webhook: false });
  const bar = io.tty ? new SingleBar({ format: 'backfill [{bar}] {value}/{total} tickets', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(1, 0);
  const summary = await backfill(zendeskClient(cfg.baseURL, cfg.auth), cfg, {
    since: opts.since,
    dryRun: opts.dryRun,
    checkpointFile: opts.checkpoint ?? 'sla-backfill.checkpoint.json',
    now: Date.now,
    onProgress: (done, total) => {
      bar?.setTotal(total);
      bar?.update(done);
    },
  });
  bar?.stop();
  io.out(`${summary.dryRun ? 'dry run: ' : ''}${summary.read} tickets read, ${summary.changed} ${summary.dryRun ? 'would change' : 'changed'}, ${summary.unchanged} unchanged, ${summary.failed} failed${summary.closed ? `, ${summary.closed} closed (left as they are)` : ''}${summary.skippedDone ? `, ${summary.skippedDone} already done before a resume` : ''}\n`);
  return summary.failed ? 2 : 0;
}

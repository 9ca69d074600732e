import { existsSync, readFileSync, renameSync, writeFileSync } from 'fs';
import type { AxiosInstance } from 'axios';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ServiceConfig } from './config';
import { planTicket } from './plan';
import type { ZendeskTicket } from './zendesk';

/**
 * `sla backfill zendesk`: every open ticket's priority and SLA fields, recomputed under the current
 * policy. History comes in bulk from the incremental ticket-events export (not one audits request per
 * ticket); tickets from the incremental cursor export; writes go through update_many, 100 at a time,
 * and their jobs are polled together with job_statuses/show_many. A checkpoint file, saved after
 * every step, lets a killed run resume without writing a ticket twice.
 */
export interface BackfillOptions {
  since?: string;
  dryRun?: boolean;
  checkpointFile: string;
  now: () => number;
  onProgress?: (done: number, total: number) => void;
  /** Called once a job is submitted and recorded; tests throw here to simulate a crash. */
  onJobSubmitted?: (jobId: string) => void;
  pollMs?: number;
}

export interface BackfillSummary {
  read: number;
  changed: number;
  unchanged: number;
  failed: number;
  skippedDone: number;
  /** Closed tickets: Zendesk refuses updates to them, and their SLA is settled. */
  closed: number;
  dryRun: boolean;
}

interface Checkpoint {
  version: 1;
  since: string | null;
  /** The tickets export cursor after the last page fully handled. */
  cursor: string | null;
  written: number[];
  pending: { job: string; ids: number[] }[];
  failed: number[];
}

const CLOSED = new Set(['closed']);

export async function backfill(http: AxiosInstance, cfg: ServiceConfig, opts: BackfillOptions): Promise<BackfillSummary> {
  const cp = loadCheckpoint(opts.checkpointFile, opts.since ?? null);
  const save = () => saveCheckpoint(opts.checkpointFile, cp);
  const summary: BackfillSummary = { read: 0, changed: 0, unchanged: 0, failed: 0, skippedDone: 0, closed: 0, dryRun: !!opts.dryRun };
  const startTime = opts.since ? Math.floor(Date.parse(opts.since) / 1000) : 0;
  if (opts.since && Number.isNaN(startTime)) throw new Error(`--since: expected a date like 2026-01-31, got "${opts.since}"`);

  // Jobs submitted before a crash: finish them first, so their tickets are not written again.
  await settle(http, cp, save, opts.pollMs ?? 200);

  const { audits, users } = await readHistory(http, startTime);
  const done = new Set(cp.written);
  let cursor = cp.cursor;
  let total = 0;
  for (;;) {
    const page = (await http.get('/api/v2/incremental/tickets/cursor.json', { params: { start_time: startTime, ...(cursor ? { cursor } : {}) } })).data as { tickets: ZendeskTicket[]; after_cursor: string | null; end_of_stream: boolean };
    total += page.tickets.length;
    const batch: ({ id: number } & Record<string, unknown>)[] = [];
    for (const t of page.tickets) {
      summary.read++;
      if (CLOSED.has(t.status)) {
        summary.closed++;
        continue;
      }
      if (done.has(t.id)) {
        summary.skippedDone++;
        continue;
      }
      const history = audits.get(t.id);
      if (!history) {
        summary.failed++;
        continue;
      }
      const plan = planTicket(cfg.policy, cfg.fieldIds, t, history, users, opts.now());
      if (!plan.update) summary.unchanged++;
      else {
        summary.changed++;
        batch.push({ id: t.id, ...plan.update });
      }
    }
    if (!opts.dryRun) {
      for (let i = 0; i < batch.length; i += 100) {
        const chunk = batch.slice(i, i + 100);
        const job = (await http.put('/api/v2/tickets/update_many.json', { tickets: chunk })).data.job_status as { id: string };
        cp.pending.push({ job: job.id, ids: chunk.map((c) => c.id) });
        save();
        opts.onJobSubmitted?.(job.id);
      }
      await settle(http, cp, save, opts.pollMs ?? 200);
    }
    cursor = page.after_cursor;
    cp.cursor = cursor;
    save();
    opts.onProgress?.(summary.read, total);
    if (page.end_of_stream || !cursor) break;
  }
  summary.failed += cp.failed.length;
  return summary;
}

/** Polls every pending job in one request per round until all are done, then records their tickets. */
async function settle(http: AxiosInstance, cp: Checkpoint, save: () => void, pollMs: number) {
  while (cp.pending.length) {
    const ids = cp.pending.map((p) => p.job).join(',');
    const statuses = (await http.get('/api/v2/job_statuses/show_many.json', { params: { ids } })).data.job_statuses as { id: string; status: string; results?: { id: number; success: boolean }[] }[];
    for (const s of statuses) {
      if (s.status !== 'completed' && s.status !== 'failed' && s.status !== 'killed') continue;
      const p = cp.pending.find((x) => x.job === s.id)!;
      const ok = new Set((s.results ?? []).filter((r) => r.success).map((r) => r.id));
      for (const id of p.ids) (ok.has(id) ? cp.written : cp.failed).push(id);
      cp.pending = cp.pending.filter((x) => x.job !== s.id);
    }
    save();
    if (cp.pending.length) await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Every ticket's audits, rebuilt from the time-based ticket-events export (following next_page),
 * with the users it sideloads. Pages overlap at their last second, so events are kept by id.
 */
async function readHistory(http: AxiosInstance, startTime: number): Promise<{ audits: Map<number, ZendeskAudit[]>; users: ZendeskUser[] }> {
  const seen = new Set<number>();
  const audits = new Map<number, ZendeskAudit[]>();
  const users = new Map<number, ZendeskUser>();
  let next: string | null = `/api/v2/incremental/ticket_events.json?start_time=${startTime}&include=users`;
  while (next) {
    const page = (await http.get(next)).data as {
      ticket_events: { id: number; ticket_id: number; created_at: string; updater_id: number; child_events: ({ event_type: string } & Record<string, unknown>)[] }[];
      users?: ZendeskUser[];
      next_page: string | null;
      end_of_stream: boolean;
    };
    for (const u of page.users ?? []) users.set(u.id, u);
    for (const e of page.ticket_events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      const list = audits.get(e.ticket_id) ?? [];
      list.push({ id: e.id, created_at: e.created_at, author_id: e.updater_id, events: e.child_events.map(({ event_type, ...rest }) => ({ type: event_type, ...rest })) as ZendeskAudit['events'] });
      audits.set(e.ticket_id, list);
    }
    next = page.end_of_stream ? null : page.next_page;
  }
  for (const list of audits.values()) list.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  return { audits, users: [...users.values()] };
}

function loadCheckpoint(file: string, since: string | null): Checkpoint {
  if (existsSync(file)) {
    const cp = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (cp.version !== 1) throw new Error(`${file}: not a backfill checkpoint (version ${cp.version})`);
    if (cp.since !== since) throw new Error(`${file}: this checkpoint is for --since ${cp.since ?? '(none)'}; delete it to start over`);
    return cp;
  }
  return { version: 1, since, cursor: null, written: [], pending: [], failed: [] };
}

function saveCheckpoint(file: string, cp: Checkpoint) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(cp));
  renameSync(tmp, file);
}

import { existsSync, readFileSync, renameSync, writeFileSync } from 'fs';
import type { AxiosInstance } from 'axios';
import { overrideNoteAuthors, readAllAudits, type AuditPage } from '../../src/zaf/audits';
import type { ZendeskAudit, ZendeskCommentEvent, ZendeskUser } from '../../src/zaf/types';
import type { ServiceConfig } from './config';
import { auditOfTicketEvent, type ExportEvent } from './export';
import { leadLookup } from './leads';
import { planFromTimeline, timelineOf, type TicketUpdate } from './plan';
import { withTierSource } from './organization';
import type { ZendeskTicket } from './zendesk';

/**
 * `sla backfill zendesk`: every open ticket's priority and SLA fields, recomputed under the current
 * policy, in four streams of bulk reads and one of bulk writes:
 *  1. tickets from the cursor-based incremental export (exclude_deleted=true; the first request
 *     gives start_time, each next one only the cursor). --since chooses which tickets: those
 *     updated since then. Only open tickets are kept, and of them only what the plan reads;
 *  2. their whole history from the time-based ticket-events export, with include=comment_events,
 *     from the creation of the oldest of them: --since never cuts a ticket's history. Events of
 *     other tickets are dropped as they stream past, and comments are kept without their text
 *     (but for override notes);
 *  3. the comment authors' roles with users/show_many (the export sideloads no users);
 *  4. the groups of any agent who wrote an override note (the same rule as the sidebar);
 *  5. writes through update_many, 100 tickets a job, tags as additional_tags/remove_tags so that an
 *     agent's tag edit meanwhile survives; the jobs are polled together with job_statuses/show_many.
 * Memory therefore grows with the open tickets and their own events, not with the account's whole
 * history. A checkpoint file, saved after every step, lets a killed run resume without writing a
 * ticket twice.
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
  version: 2;
  since: string | null;
  written: number[];
  pending: { job: string; ids: number[] }[];
  failed: number[];
}

/** Zendesk keeps at most 30 background jobs queued per account; stay well below. */
const MAX_PENDING_JOBS = 10;
const EXPORT_PAGE_GUARD = 100_000;

export async function backfill(http: AxiosInstance, cfg: ServiceConfig, opts: BackfillOptions): Promise<BackfillSummary> {
  try {
    return await run(http, cfg, opts);
  } catch (e) {
    // The incremental exports are for admins only (Incremental Exports API, "Allowed for: Admins").
    if ((e as { response?: { status?: number } }).response?.status === 403) throw new Error('Zendesk answered 403: the incremental exports are for admins only; the API user (ZENDESK_EMAIL or the OAuth token\'s user) must be an admin');
    throw e;
  }
}

async function run(http: AxiosInstance, cfg: ServiceConfig, opts: BackfillOptions): Promise<BackfillSummary> {
  const cp = loadCheckpoint(opts.checkpointFile, opts.since ?? null);
  const save = () => saveCheckpoint(opts.checkpointFile, cp);
  save();
  const summary: BackfillSummary = { read: 0, changed: 0, unchanged: 0, failed: 0, skippedDone: 0, closed: 0, dryRun: !!opts.dryRun };
  const since = opts.since ? Math.floor(Date.parse(opts.since) / 1000) : 0;
  if (opts.since && Number.isNaN(since)) throw new Error(`--since: expected a date like 2026-01-31, got "${opts.since}"`);
  const pollMs = opts.pollMs ?? 200;

  // Jobs submitted before a crash: finish them first, so their tickets are not written again.
  await settle(http, cp, save, pollMs, 0);

  const keep = keptFields(cfg);
  const tickets = await readOpenTickets(http, since, keep, summary);
  const done = new Set(cp.written);
  const history = await readHistory(http, tickets, keep);
  const audited = await withAuditsWhereOverridden(http, history);
  const users = [...(await readUsers(http, history)), ...audited];
  const trusted = await leadLookup(http, cfg, users)([...history.values()].flatMap((a) => overrideNoteAuthors(a)));

  let batch: ({ id: number } & TicketUpdate)[] = [];
  const flush = async () => {
    if (!batch.length) return;
    if (!opts.dryRun) {
      const job = (await http.put('/api/v2/tickets/update_many.json', { tickets: batch })).data.job_status as { id: string };
      cp.pending.push({ job: job.id, ids: batch.map((c) => c.id) });
      save();
      opts.onJobSubmitted?.(job.id);
      await settle(http, cp, save, pollMs, MAX_PENDING_JOBS - 1);
    }
    batch = [];
  };
  let handled = 0;
  for (const t of tickets.values()) {
    handled++;
    if (done.has(t.id)) {
      summary.skippedDone++;
      continue;
    }
    const audits = history.get(t.id);
    if (!audits?.length) {
      summary.failed++;
      continue;
    }
    const timeline = await withTierSource(http, cfg, timelineOf(cfg.policy, cfg.fieldIds, t.id, audits, users, trusted), t.organization_id);
    const plan = planFromTimeline(cfg.policy, cfg.fieldIds, t, timeline, opts.now());
    if (!plan.update) summary.unchanged++;
    else {
      summary.changed++;
      batch.push({ id: t.id, ...plan.update });
      if (batch.length === 100) await flush();
    }
    if (handled % 100 === 0) opts.onProgress?.(handled, tickets.size);
  }
  await flush();
  if (!opts.dryRun) await settle(http, cp, save, pollMs, 0);
  opts.onProgress?.(tickets.size, tickets.size);
  summary.failed += cp.failed.length;
  return summary;
}

/** The custom fields the plan reads: SLA Desk's own. Every other field of the export is dropped. */
function keptFields(cfg: ServiceConfig): Set<string> {
  const f = cfg.fieldIds;
  return new Set([f.impact, f.urgency, f.tier, f.state, f.priority, f.level, f.nextBreach, ...Object.values(f.due)].filter((x): x is number => x !== undefined).map(String));
}

/**
 * Open tickets updated since `since`, from the cursor export: only the fields the plan reads.
 * Closed tickets are counted and dropped; deleted ones are not even sent (exclude_deleted=true).
 */
async function readOpenTickets(http: AxiosInstance, since: number, keep: Set<string>, summary: BackfillSummary): Promise<Map<number, ZendeskTicket & { created_at: string }>> {
  const out = new Map<number, ZendeskTicket & { created_at: string }>();
  let next = `/api/v2/incremental/tickets/cursor.json?start_time=${since}&exclude_deleted=true`;
  for (let page = 0; page < EXPORT_PAGE_GUARD; page++) {
    const data = (await http.get(next)).data as { tickets: (ZendeskTicket & { created_at: string })[]; after_url: string | null; after_cursor: string | null; end_of_stream: boolean };
    for (const t of data.tickets) {
      // A ticket updated during the export comes again on a later page; the later copy is newer.
      out.delete(t.id);
      summary.read++;
      if (t.status === 'closed' || t.status === 'deleted') {
        summary.closed += t.status === 'closed' ? 1 : 0;
        continue;
      }
      out.set(t.id, { id: t.id, status: t.status, priority: t.priority ?? null, tags: t.tags ?? [], custom_fields: (t.custom_fields ?? []).filter((f) => keep.has(String(f.id))), updated_at: t.updated_at, created_at: t.created_at, organization_id: t.organization_id ?? null });
    }
    if (data.end_of_stream || !data.after_url) break;
    // The next page is after_url as Zendesk gives it, its parameters (exclude_deleted, per_page)
    // included, and only on the account's own address: the credentials go nowhere else.
    next = sameOrigin(http, data.after_url);
  }
  return out;
}

/** A next-page URL from Zendesk, as a path on the client's own base URL; anything else is an error. */
export function sameOrigin(http: AxiosInstance, next: string): string {
  const base = new URL(String(http.defaults.baseURL));
  const u = new URL(next, base);
  if (u.origin !== base.origin) throw new Error(`the export's next page points to another address (${u.origin}); stopping`);
  return `${u.pathname}${u.search}`;
}

/**
 * The history of `tickets`, from the ticket-events export, from the creation of the oldest of them.
 * Pages overlap at their last second (next_page starts at end_time), so events are kept by id;
 * include=comment_events is asked for on every page, whether or not next_page carries it.
 */
async function readHistory(http: AxiosInstance, tickets: Map<number, { created_at: string }>, keep: Set<string>): Promise<Map<number, ZendeskAudit[]>> {
  const history = new Map<number, ZendeskAudit[]>();
  if (!tickets.size) return history;
  let oldest = Infinity;
  for (const t of tickets.values()) oldest = Math.min(oldest, Date.parse(t.created_at));
  // Ids of the events at the overlap: pages overlap only at their last second, so only those are kept.
  let seen = new Map<number, number>();
  let next: string | null = `/api/v2/incremental/ticket_events.json?start_time=${Math.max(0, Math.floor(oldest / 1000))}&include=comment_events`;
  let lastStart: string | null = null;
  for (let page = 0; next && page < EXPORT_PAGE_GUARD; page++) {
    const data = (await http.get(next)).data as { ticket_events: ExportEvent[]; next_page?: string | null; end_of_stream?: boolean; count?: number; end_time?: number };
    let fresh = 0;
    for (const e of data.ticket_events ?? []) {
      if (seen.has(e.id)) continue;
      seen.set(e.id, Math.floor(Date.parse(e.created_at) / 1000));
      fresh++;
      if (!tickets.has(e.ticket_id)) continue;
      const list = history.get(e.ticket_id) ?? [];
      list.push(auditOfTicketEvent(e, { keepFields: keep }));
      history.set(e.ticket_id, list);
    }
    // end_of_stream is the documented stop; older responses lack it and end with a short page.
    const end = data.end_of_stream === true || (data.end_of_stream === undefined && (data.count ?? 0) < 1000) || !data.next_page;
    const start = data.next_page ? new URL(data.next_page, 'https://zendesk.invalid').searchParams.get('start_time') : null;
    if (end) break;
    // A page of nothing new from the same start would repeat forever; stopping quietly would plan
    // tickets on a history cut short, so this is an error.
    if (fresh === 0 && start === lastStart) throw new Error(`the ticket-events export repeats itself at start_time=${start}; stopping rather than writing from an incomplete history`);
    lastStart = start;
    const from = Number(start);
    if (Number.isFinite(from)) seen = new Map([...seen].filter(([, second]) => second >= from));
    const u = new URL(data.next_page!, 'https://zendesk.invalid');
    u.searchParams.set('include', 'comment_events');
    next = u.pathname + u.search;
  }
  for (const list of history.values()) list.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  return history;
}

/**
 * A lead's notice to the requester is marked in its audit's metadata (the sidebar's
 * `sla_desk: override-notice`), which the ticket-events export does not carry: read that way, the
 * notice would count as the first agent reply. So the tickets whose history holds an override
 * note (few) are read again from their audits, metadata included. Returns the users those audits
 * sideload.
 */
async function withAuditsWhereOverridden(http: AxiosInstance, history: Map<number, ZendeskAudit[]>): Promise<ZendeskUser[]> {
  const users: ZendeskUser[] = [];
  for (const [id, audits] of history) {
    if (!overrideNoteAuthors(audits).length) continue;
    const read = await readAllAudits(async (path) => (await http.get(path)).data as AuditPage, id);
    history.set(id, read.audits);
    for (const u of read.users) users.push({ id: u.id, role: u.role });
  }
  return users;
}

/** The roles of everyone who commented or updated, 100 a request (Users API "Show Many Users"). */
async function readUsers(http: AxiosInstance, history: Map<number, ZendeskAudit[]>): Promise<ZendeskUser[]> {
  const ids = new Set<number>();
  for (const audits of history.values()) {
    for (const a of audits) {
      for (const e of a.events) {
        if (e.type !== 'Comment') continue;
        const c = e as ZendeskCommentEvent;
        ids.add(typeof c.author_id === 'number' ? c.author_id : a.author_id);
      }
    }
  }
  const all = [...ids];
  const users: ZendeskUser[] = [];
  for (let i = 0; i < all.length; i += 100) {
    const data = (await http.get('/api/v2/users/show_many.json', { params: { ids: all.slice(i, i + 100).join(',') } })).data as { users: ZendeskUser[] };
    for (const u of data.users ?? []) users.push({ id: u.id, role: u.role });
  }
  return users;
}

/** Polls pending jobs (all in one request a round) until at most `keep` remain, recording their tickets. */
async function settle(http: AxiosInstance, cp: Checkpoint, save: () => void, pollMs: number, keep: number) {
  while (cp.pending.length > keep) {
    const ids = cp.pending.map((p) => p.job).join(',');
    const statuses = (await http.get('/api/v2/job_statuses/show_many.json', { params: { ids } })).data.job_statuses as { id: string; status: string; results?: { id: number; success: boolean }[] }[];
    for (const s of statuses) {
      if (s.status !== 'completed' && s.status !== 'failed' && s.status !== 'killed') continue;
      const p = cp.pending.find((x) => x.job === s.id);
      if (!p) continue;
      const ok = new Set((s.results ?? []).filter((r) => r.success).map((r) => r.id));
      for (const id of p.ids) (ok.has(id) ? cp.written : cp.failed).push(id);
      cp.pending = cp.pending.filter((x) => x.job !== s.id);
    }
    save();
    if (cp.pending.length > keep) await new Promise((r) => setTimeout(r, pollMs));
  }
}

function loadCheckpoint(file: string, since: string | null): Checkpoint {
  if (existsSync(file)) {
    const cp = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (cp.version !== 2) throw new Error(`${file}: not a backfill checkpoint of this version (version ${cp.version}); delete it to start over`);
    if (cp.since !== since) throw new Error(`${file}: this checkpoint is for --since ${cp.since ?? '(none)'}; delete it to start over`);
    return cp;
  }
  return { version: 2, since, written: [], pending: [], failed: [] };
}

function saveCheckpoint(file: string, cp: Checkpoint) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(cp));
  renameSync(tmp, file);
}

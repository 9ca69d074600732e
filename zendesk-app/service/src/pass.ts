import type { AxiosInstance } from 'axios';
import { matrixFollowedNote, nextTransition, outcomesOf, priorityLockedNote, warmPlan, warmSome, type Policy, type TimelineInput } from '@sla-desk/core';
import { overrideNoteAuthors, readAllAudits, type AuditPage } from '../../src/zaf/audits';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ServiceConfig } from './config';
import type { Db, Query } from './db';
import { leadLookup } from './leads';
import type { Log } from './log';
import { lastMatrixInputChange, lastOverrideIndex, lastPriorityChange, planFromTimeline, singleTicketUpdate, timelineOf, type TicketPlan, type TicketUpdate } from './plan';
import { dropOutcomes, keepOutcomes } from './outcomes';
import { keepNotices } from './ladder';
import { DisconnectedError } from './oauth';
import { notify, type NotifyPolicy } from './notify';
import { assigneeZoneOf, personAttributesOf, withTierSource } from './organization';
import { retryAfterOf, statusOf, ZendeskApiError, type ZendeskTicket } from './zendesk';

/**
 * What the service keeps of a ticket: only what a plan compares (no subject, no comment, no
 * requester), and the assignee's zone as last read, so that a transition's note needs no read.
 */
export type Snapshot = ZendeskTicket & { assignee_zone?: string | null };

export type Outcome = 'written' | 'unchanged' | 'not-found' | 'closed';

export interface PassResult {
  outcome: Outcome;
  reads: number;
  writes: number;
  transitions: number;
}

const MAX_CONFLICTS = 5;

/**
 * One pass over a ticket, from a job. With needsRead (a delivery), the ticket and its audits are
 * read and its timeline is kept in the store; without (a transition came due), the plan comes
 * from the stored timeline and snapshot, and costs no read: one write with safe_update and the
 * stored updated_stamp. A 409 there means the ticket changed since: read it, as for a delivery.
 * Afterwards the ticket's next transition instant is stored, for promoteDue.
 */
export async function runPass(db: Db, cfg: ServiceConfig, http: AxiosInstance, tenant: string, ticketId: number, needsRead: boolean, now: () => number, log: Log, notice: NotifyPolicy): Promise<PassResult> {
  const res: PassResult = { outcome: 'unchanged', reads: 0, writes: 0, transitions: 0 };
  if (!needsRead) {
    const [row] = await db.query<{ snapshot: Snapshot; timeline: TimelineInput }>('SELECT snapshot, timeline FROM tickets WHERE tenant = $1 AND ticket_id = $2', [tenant, ticketId]);
    if (row) {
      const at = now();
      await warmZones(cfg.policy, row.timeline, at);
      const zone = row.snapshot.assignee_zone ?? null;
      const plan = planFromTimeline(cfg.policy, cfg.fieldIds, row.snapshot, row.timeline, at, { transitions: true, zone });
      // The priority is decided only where the audits show who set it (a read): a transition never
      // touches it, but for an escalation level's raise (the app's own Override).
      if (plan.update && !plan.raised) delete plan.update.priority;
      if (plan.update && !Object.keys(plan.update).length) plan.update = null;
      if (!plan.update) {
        await saveTicket(db, cfg, tenant, row.snapshot, row.timeline, plan, at, null);
        await keepNotices(db, tenant, ticketId, plan.notices, Date.now());
        return res;
      }
      try {
        const written = await write(http, ticketId, plan.update, row.snapshot);
        res.writes++;
        res.outcome = 'written';
        res.transitions = plan.transitions ?? 0;
        // Another assignee since the last read: their zone is read with the next read.
        await saveTicket(db, cfg, tenant, snapshotOf(cfg, written, written.assignee_id === row.snapshot.assignee_id ? zone : null), row.timeline, plan, at, null);
        await keepNotices(db, tenant, ticketId, plan.notices, Date.now());
        notify(cfg.notifyUrl, notice, ticketId, plan.transitionNotes, log);
        return res;
      } catch (e) {
        if (e instanceof DisconnectedError) throw e;
        const s = statusOf(e);
        if (s === 404 || (s === 422 && closedRefusal(e))) {
          await forget(db, tenant, ticketId, s === 404);
          return { ...res, writes: 1, outcome: s === 404 ? 'not-found' : 'closed' };
        }
        if (s !== 409) throw new ZendeskApiError(s, `PUT ticket ${ticketId}: ${s ?? 'connection dropped'}`, retryAfterOf(e));
        res.writes++;
        log({ level: 'info', msg: 'ticket changed since it was read; reading it', ticketId });
      }
    }
  }
  // A ticket the store knows is read with one request: its audits (every update makes one), from
  // which its current fields and updated_at follow. An unknown ticket, or one whose write got a
  // 409 (its audits did not tell the whole story), is read with the ticket itself as well.
  let known = (await db.query('SELECT 1 AS one FROM tickets WHERE tenant = $1 AND ticket_id = $2', [tenant, ticketId])).length > 0;
  for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
    let read = known ? await readFromAudits(http, ticketId) : undefined;
    if (read !== undefined) res.reads += Math.max(1, Math.ceil((read?.audits.length ?? 0) / 100));
    else {
      read = await readTicket(http, ticketId);
      res.reads += 2;
    }
    if (!read) {
      await forget(db, tenant, ticketId, true);
      return { ...res, outcome: 'not-found' };
    }
    // Zendesk refuses any update to a closed ticket; its SLA is settled anyway.
    if (read.ticket.status === 'closed') {
      await forget(db, tenant, ticketId, false);
      return { ...res, outcome: 'closed' };
    }
    // The instant is taken after the read, and never before its newest audit: evaluation ignores
    // events after its instant, and the write goes against this read's updated_at, so an edit made
    // during a slow read would otherwise pass safe_update and be undone.
    const at = Math.max(now(), newestAudit(read.audits));
    const { timeline, lookup, trusted } = await timelineOfRead(http, cfg, ticketId, read);
    await warmZones(cfg.policy, timeline, at);
    const zone = await assigneeZoneOf(http, read.ticket.assignee_id);
    const plan = planFromTimeline(cfg.policy, cfg.fieldIds, read.ticket, timeline, at, { transitions: true, zone });
    if (!plan.update) {
      await saveTicket(db, cfg, tenant, snapshotOf(cfg, read.ticket, zone), timeline, plan, at, at);
      await keepNotices(db, tenant, ticketId, plan.notices, Date.now());
      return res;
    }
    const update: TicketUpdate = { ...plan.update };
    // An escalation level's raise is an Override: it stands over a person's priority, as a lead's does.
    if (!plan.raised) await priorityByPeople(update, read.audits, read.users, cfg, lookup, trusted, (e) => log({ ...e, ticketId }));
    if (!Object.keys(update).length) {
      await saveTicket(db, cfg, tenant, snapshotOf(cfg, read.ticket, zone), timeline, plan, at, at);
      await keepNotices(db, tenant, ticketId, plan.notices, Date.now());
      return res;
    }
    try {
      const written = await write(http, ticketId, update, read.ticket);
      res.writes++;
      res.transitions = plan.transitions ?? 0;
      await saveTicket(db, cfg, tenant, snapshotOf(cfg, written, written.assignee_id === read.ticket.assignee_id ? zone : null), timeline, plan, at, at);
      await keepNotices(db, tenant, ticketId, plan.notices, Date.now());
      notify(cfg.notifyUrl, notice, ticketId, plan.transitionNotes, log);
      return { ...res, outcome: 'written' };
    } catch (e) {
      if (e instanceof DisconnectedError) throw e;
      const s = statusOf(e);
      if (s !== 409) throw new ZendeskApiError(s, `PUT ticket ${ticketId}: ${s ?? 'connection dropped'}`, retryAfterOf(e));
      res.writes++;
      known = false;
      log({ level: 'info', msg: 'conflict, re-reading', ticketId, attempt });
    }
  }
  throw new ZendeskApiError(409, `ticket ${ticketId}: still conflicting after ${MAX_CONFLICTS} attempts`);
}

type TicketRead = { ticket: ZendeskTicket; audits: ZendeskAudit[]; users: ZendeskUser[] };

/** A read ticket's timeline, as every pass builds it: who is a lead, the requester's attributes, the tier's source. */
async function timelineOfRead(http: AxiosInstance, cfg: ServiceConfig, ticketId: number, read: TicketRead) {
  const lookup = leadLookup(http, cfg, read.users);
  const trusted = await lookup(overrideNoteAuthors(read.audits));
  const people = await personAttributesOf(http, cfg, read.audits, read.ticket.organization_id);
  const timeline = await withTierSource(http, cfg, timelineOf(cfg.policy, cfg.fieldIds, ticketId, read.audits, read.users, trusted, people), read.ticket.organization_id);
  return { timeline, lookup, trusted };
}

/**
 * A settled (solved or closed) ticket's Outcomes, for the reports' history (history.ts): read and
 * evaluated as a pass would, and nothing written to Zendesk or kept of the ticket itself. null
 * when the ticket is gone.
 */
export async function settledOutcomes(http: AxiosInstance, cfg: ServiceConfig, ticketId: number, now: number): Promise<ReturnType<typeof outcomesOf> | null> {
  const read = await readTicket(http, ticketId);
  if (!read) return null;
  const at = Math.max(now, newestAudit(read.audits));
  const { timeline } = await timelineOfRead(http, cfg, ticketId, read);
  await warmZones(cfg.policy, timeline, at);
  const plan = planFromTimeline(cfg.policy, cfg.fieldIds, read.ticket, timeline, at, { transitions: false, zone: null });
  return outcomesOf(plan.decision, plan.clocks, plan.group);
}

/** The ticket itself and its audits: null when the ticket is gone. */
async function readTicket(http: AxiosInstance, id: number): Promise<TicketRead | null> {
  try {
    const [t, a] = await Promise.all([http.get(`/api/v2/tickets/${id}.json`), readAllAudits(async (path) => (await http.get(path)).data as AuditPage, id)]);
    return { ticket: t.data.ticket, audits: a.audits, users: a.users };
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/**
 * The ticket from its audits alone: every update to a Zendesk ticket makes an audit (Ticket Audits
 * API), so replaying their Create and Change events gives its status, priority, tags and custom
 * fields, and the last audit's time is its updated_at. undefined when they cannot say (no audits,
 * no status): the caller reads the ticket. null when the ticket is gone.
 */
async function readFromAudits(http: AxiosInstance, id: number): Promise<TicketRead | null | undefined> {
  let a: { audits: ZendeskAudit[]; users: ZendeskUser[] };
  try {
    a = await readAllAudits(async (path) => (await http.get(path)).data as AuditPage, id);
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
  const ticket = ticketFromAudits(id, a.audits);
  return ticket ? { ticket, ...a } : undefined;
}

export function ticketFromAudits(id: number, audits: readonly ZendeskAudit[]): ZendeskTicket | null {
  if (!audits.length) return null;
  const t: ZendeskTicket & { custom_status_id?: number | null } = { id, status: '', priority: null, tags: [], custom_fields: [], updated_at: audits[audits.length - 1].created_at };
  const fields = new Map<number, unknown>();
  for (const a of audits) {
    for (const e of a.events) {
      if (e.type !== 'Create' && e.type !== 'Change') continue;
      const { field_name: name, value: v } = e as { field_name?: string; value?: unknown };
      if (name === 'status') t.status = String(v);
      else if (name === 'priority') t.priority = v === null || v === undefined || v === '' ? null : String(v);
      else if (name === 'tags') t.tags = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(' ').filter(Boolean) : [];
      else if (name === 'organization_id') t.organization_id = v === null || v === undefined || v === '' ? null : Number(v);
      else if (name === 'custom_status_id') t.custom_status_id = v === null || v === undefined ? null : Number(v);
      else if (name && /^\d+$/.test(name)) fields.set(Number(name), v ?? null);
    }
  }
  if (!t.status) return null;
  t.custom_fields = [...fields].map(([fid, value]) => ({ id: fid, value }));
  return t;
}

/** One update against the version read (its tags and updated_at): a change since is a 409. */
async function write(http: AxiosInstance, id: number, update: TicketUpdate, read: Pick<ZendeskTicket, 'tags' | 'updated_at'>): Promise<ZendeskTicket> {
  const r = await http.put(`/api/v2/tickets/${id}.json`, { ticket: { ...singleTicketUpdate(update, read.tags), safe_update: true, updated_stamp: read.updated_at } });
  return r.data.ticket as ZendeskTicket;
}

function snapshotOf(cfg: ServiceConfig, t: ZendeskTicket, zone: string | null): Snapshot {
  const ids = new Set([cfg.fieldIds.state, cfg.fieldIds.priority, cfg.fieldIds.level, cfg.fieldIds.nextBreach, ...Object.values(cfg.fieldIds.due)].filter((x): x is number => x !== undefined));
  return { id: t.id, status: t.status, priority: t.priority, tags: t.tags, custom_fields: t.custom_fields.filter((f) => ids.has(f.id)), updated_at: t.updated_at, ...(t.organization_id !== undefined ? { organization_id: t.organization_id } : {}), ...(t.assignee_id != null ? { assignee_id: t.assignee_id } : {}), ...(zone ? { assignee_zone: zone } : {}), ...(t as { custom_status_id?: number }).custom_status_id !== undefined ? { custom_status_id: (t as { custom_status_id?: number }).custom_status_id } : {} } as Snapshot;
}

/** Never sooner than a second ahead: an instant that evaluates to no change cannot spin. */
const MIN_STEP_MS = 1_000;

async function saveTicket(db: Db, cfg: ServiceConfig, tenant: string, snapshot: Snapshot, timeline: TimelineInput, plan: Pick<TicketPlan, 'decision' | 'clocks' | 'group'>, at: number, readAt: number | null): Promise<void> {
  const next = nextTransition(cfg.policy, plan.decision);
  const nextAt = next ? Math.max(next.at, at + MIN_STEP_MS) : null;
  const what = next ? `${next.metric}:${next.to}` : null;
  // Nothing is kept for a tenant deleted while its pass ran.
  await db.query(
    `INSERT INTO tickets (tenant, ticket_id, snapshot, timeline, next_at, next_what, read_at)
     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $1 = 'env' OR EXISTS (SELECT 1 FROM tenants WHERE account_id = $1)
     ON CONFLICT (tenant, ticket_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, timeline = EXCLUDED.timeline, next_at = EXCLUDED.next_at,
       next_what = EXCLUDED.next_what, read_at = CASE WHEN $8::boolean THEN EXCLUDED.read_at ELSE tickets.read_at END`,
    [tenant, snapshot.id, JSON.stringify(snapshot), JSON.stringify(timeline), nextAt, what, readAt ?? at, readAt !== null],
  );
  await keepOutcomes(db, tenant, snapshot.id, outcomesOf(plan.decision, plan.clocks, plan.group));
}

/** A ticket closed or deleted: the store stops following it. A closed ticket's Outcomes are kept for the report. */
async function forget(q: Query, tenant: string, ticketId: number, deleted: boolean): Promise<void> {
  await q.query('DELETE FROM tickets WHERE tenant = $1 AND ticket_id = $2', [tenant, ticketId]);
  if (deleted) await dropOutcomes(q, tenant, ticketId);
  // A notice still due is sent all the same (a level reached just before the close); the rest go.
  await q.query(`DELETE FROM ladder_notices WHERE tenant = $1 AND ticket_id = $2 AND state <> 'due'`, [tenant, ticketId]);
}

/**
 * One event loop serves every tenant: the zone offsets a ticket's history reaches back to (a
 * ticket imported with a creation date in 1901, on a policy with ten zones, needs over a thousand
 * zone-years) are read a few at a time, with a turn of the loop between, before the evaluation,
 * which then finds them cached and stays short.
 */
async function warmZones(policy: Policy, timeline: TimelineInput, at: number): Promise<void> {
  const created = Date.parse(String((timeline as { createdAt?: unknown }).createdAt ?? ''));
  if (!Number.isFinite(created)) return;
  const pending = warmPlan(policy, created, at);
  for (;;) {
    warmSome(pending, 4);
    if (!pending.length) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A priority a person set is theirs (never undo someone else's work), but for two cases, each
 * said in an internal note in the same update:
 *  - Impact or Urgency changed after it: the matrix sets the priority again;
 *  - the priority is locked (SLA_LOCK_PRIORITY) and the person is no triage lead: it is set back,
 *    as the sidebar, which keeps the field read-only for them, says.
 * A lead's override after the change sets it too (its own note says why).
 * Otherwise the planned priority is dropped: the person's stands (with the lock off, as in the
 * sidebar, anyone's; with it on, a lead's). The service's own writes and a ticket nobody has set a
 * priority on are not a person's choice.
 */
async function priorityByPeople(update: TicketUpdate, audits: readonly ZendeskAudit[], users: readonly ZendeskUser[], cfg: ServiceConfig, lookup: (ids: readonly number[]) => Promise<Set<number>>, trusted: ReadonlySet<number>, log: Log): Promise<void> {
  if (!update.priority) return;
  const change = lastPriorityChange(audits);
  if (!change || change.by === cfg.serviceUserId) return;
  // A lead's override after the person's change is the newer word, with its reason in its own
  // note: the priority follows it, whether or not the lead has submitted the form yet.
  if (lastOverrideIndex(audits, trusted) > change.index) return;
  const note = (body: string) => (update.comment = { public: false, body: update.comment ? `${body}\n${update.comment.body}` : body });
  // People are named as the audits' sideloaded users name them, priorities as the policy labels them.
  const person = { by: users.find((u) => u.id === change.by)?.name ?? null, from: zendeskLabel(cfg.policy, change.from), to: zendeskLabel(cfg.policy, change.to) };
  if (lastMatrixInputChange(audits, cfg.fieldIds) > change.index) {
    note(matrixFollowedNote(cfg.policy, person, zendeskLabel(cfg.policy, update.priority)!));
    return;
  }
  if (cfg.lockPriority && !(await lookup([change.by])).has(change.by)) {
    note(priorityLockedNote(cfg.policy, person, zendeskLabel(cfg.policy, update.priority)!));
    log({ level: 'info', msg: 'priority reverted', by: change.by });
    return;
  }
  delete update.priority;
}

/** A Zendesk priority ("urgent") by the label of the policy's Priority that maps to it; else as Zendesk names it. */
function zendeskLabel(policy: Policy, value: string | null): string | null {
  if (value === null) return null;
  return Object.values(policy.priorities).find((p) => p.zendesk === value)?.label ?? value;
}

/**
 * Whether a 422 is Zendesk refusing to update a closed ticket (its RecordInvalid body names the
 * status: "Status: closed prevents ticket update"). Any other 422 (a field value refused, say) is
 * a failed try, retried and parked and shown, never a reason to forget the ticket.
 */
function closedRefusal(e: unknown): boolean {
  const details = (e as { response?: { data?: { details?: { status?: { description?: unknown }[] } } } })?.response?.data?.details?.status;
  return Array.isArray(details) && details.some((d) => typeof d?.description === 'string' && /\bclosed\b/i.test(d.description));
}

function newestAudit(audits: readonly ZendeskAudit[]): number {
  let t = 0;
  for (const a of audits) t = Math.max(t, Date.parse(a.created_at) || 0);
  return t;
}

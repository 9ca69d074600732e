import type { AxiosInstance } from 'axios';
import { overrideNoteAuthors, readAllAudits, type AuditPage } from '../../src/zaf/audits';
import { trustedUsers, userGroups } from '../../src/zaf/leads';
import type { ZendeskAudit, ZendeskUser } from '../../src/zaf/types';
import type { ServiceConfig } from './config';
import { lastPriorityChange, planTicket, singleTicketUpdate, type TicketUpdate } from './plan';
import { statusOf, ZendeskApiError, type ZendeskTicket } from './zendesk';

export type Outcome = 'written' | 'unchanged' | 'not-found' | 'closed';

/** Structured log lines: ids, outcomes and timings; never a subject, a comment or a name. */
export type Log = (entry: Record<string, string | number | boolean | null>) => void;

const MAX_CONFLICTS = 5;

/**
 * One ticket: read it and its audits, evaluate, and write only what differs, with safe_update and
 * the updated_stamp read. A 409 means someone (an agent) changed the ticket in between: read again
 * and plan again, so their edit is kept and the SLA fields still land.
 */
export async function handleTicket(http: AxiosInstance, cfg: ServiceConfig, id: number, now: () => number, log: Log): Promise<Outcome> {
  for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
    const read = await readTicket(http, id);
    if (!read) return 'not-found';
    // Zendesk refuses any update to a closed ticket; its SLA is settled anyway.
    if (read.ticket.status === 'closed') return 'closed';
    const lookup = leadLookup(http, cfg, read.users);
    const trusted = await lookup(overrideNoteAuthors(read.audits));
    const plan = planTicket(cfg.policy, cfg.fieldIds, read.ticket, read.audits, read.users, now(), trusted);
    if (!plan.update) return 'unchanged';
    const update: TicketUpdate = { ...plan.update };
    if (update.priority && cfg.lockPriority) {
      const change = lastPriorityChange(read.audits);
      if (change && !(await lookup([change.by])).has(change.by)) {
        update.comment = { public: false, body: `SLA Desk: the priority is locked to the matrix. ${change.from ?? '-'} → ${change.to ?? '-'} by user ${change.by} was set back to ${update.priority}. A triage lead can override it with a reason.` };
        log({ level: 'info', msg: 'priority reverted', ticketId: id, by: change.by });
      }
    }
    try {
      await http.put(`/api/v2/tickets/${id}.json`, { ticket: { ...singleTicketUpdate(update, read.ticket.tags), safe_update: true, updated_stamp: read.ticket.updated_at } });
      return 'written';
    } catch (e) {
      if (statusOf(e) !== 409) throw new ZendeskApiError(statusOf(e), `PUT ticket ${id}: ${statusOf(e) ?? 'connection dropped'}`);
      log({ level: 'info', msg: 'conflict, re-reading', ticketId: id, attempt });
    }
  }
  throw new ZendeskApiError(409, `ticket ${id}: still conflicting after ${MAX_CONFLICTS} attempts`);
}

export async function readTicket(http: AxiosInstance, id: number): Promise<{ ticket: ZendeskTicket; audits: ZendeskAudit[]; users: ZendeskUser[] } | null> {
  try {
    const [t, a] = await Promise.all([http.get(`/api/v2/tickets/${id}.json`), readAllAudits(async (path) => (await http.get(path)).data as AuditPage, id)]);
    return { ticket: t.data.ticket, audits: a.audits, users: a.users };
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/**
 * Which users may override or change a locked priority: the same rule as the sidebar's (leads.ts),
 * against the account's data. Each agent's groups are read once per delivery.
 */
export function leadLookup(http: AxiosInstance, cfg: ServiceConfig, users: readonly ZendeskUser[]): (ids: readonly number[]) => Promise<Set<number>> {
  const groups = new Map<number, ReturnType<typeof userGroups>>();
  const get = async (path: string) => (await http.get(path)).data as unknown;
  const rule = { leadGroups: cfg.leadGroupIds.map(String), serviceUserId: cfg.serviceUserId };
  return (ids) =>
    trustedUsers(ids, users, rule, (id) => {
      if (!groups.has(id)) groups.set(id, userGroups(get, id));
      return groups.get(id)!;
    });
}

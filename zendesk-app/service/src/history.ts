import { sameOrigin } from './backfill';
import type { Db } from './db';
import type { Log } from './log';
import { DisconnectedError } from './oauth';
import { keepOutcomesIfNone } from './outcomes';
import { settledOutcomes } from './pass';
import type { Tenant } from './tenants';
import { retryAfterOf, statusOf, type ZendeskTicket } from './zendesk';

/**
 * The reports' history. The service learns a ticket from its deliveries and the catch-up (the last
 * hour), so an account's report would start empty on the day it connects, though its tickets were
 * answered and solved for years. Once per account, this reads the cursor-based incremental ticket
 * export from 52 weeks back (the longest period the report offers), and each solved or closed
 * ticket that has no Outcome yet is read (the ticket and its audits), evaluated under the account's
 * policy as a pass would, and its Outcomes added. Nothing is written to Zendesk, and the store does
 * not follow the ticket: a settled ticket is the team's record. Open tickets are the passes' (and
 * `sla backfill zendesk`'s for older ones).
 *
 * One export page of PER_PAGE tickets a round, a round every HISTORY_EVERY_MS at most, on a lane of
 * its own beside the catch-up: a small part of Zendesk's limits (the export's 10 requests a minute,
 * shared with the catch-up; a ticket costs its read and its audits' pages) and none of the
 * catch-up's time. Its place is the export's own next page (after_url), kept in `outcome_history`.
 */
export const HISTORY_LOOKBACK_MS = 52 * 7 * 86_400_000;
export const HISTORY_EVERY_MS = 60_000;
export const PER_PAGE = 20;
/** How long a round holds the account's row: another instance then may take it over. */
const LEASE_MS = 10 * 60_000;

export interface HistoryRound {
  read: number;
  kept: number;
  skipped: number;
  done: boolean;
}

/**
 * Whether a ticket's failure is the ticket's own (Zendesk refusing it, or its history something
 * the evaluation cannot take): it is passed over. A rate limit, a server error, a dropped
 * connection or a revoked access is the account's: the round stops and the page is read again.
 */
function ticketsOwn(e: unknown): boolean {
  if (e instanceof DisconnectedError) return false;
  const s = statusOf(e);
  if (s === null) return !(e as { isAxiosError?: boolean })?.isAxiosError && !(e as { code?: string })?.code;
  return s >= 400 && s < 500 && s !== 401 && s !== 429;
}

/** `wall`: the claims' and the export's clock; `now`: the SLA clock the tickets are evaluated at. */
export async function historyRound(db: Db, tenant: Tenant, wall: number, log: Log, everyMs = HISTORY_EVERY_MS, now = wall): Promise<HistoryRound | null> {
  await db.query("INSERT INTO outcome_history (tenant, state, next_path, read_count, kept_count, next_at, updated_at) VALUES ($1, 'running', NULL, 0, 0, 0, $2) ON CONFLICT DO NOTHING", [tenant.id, wall]);
  // One instance a round: the row is held for the lease, and given back when the round ends.
  const [claim] = await db.query<{ next_path: string | null }>(
    "UPDATE outcome_history SET next_at = $2 WHERE tenant = $1 AND state = 'running' AND next_at <= $3 RETURNING next_path",
    [tenant.id, wall + Math.max(LEASE_MS, everyMs), wall],
  );
  if (!claim) return null;
  const start = Math.floor((wall - HISTORY_LOOKBACK_MS) / 1000);
  const path = claim.next_path ?? `/api/v2/incremental/tickets/cursor.json?start_time=${start}&per_page=${PER_PAGE}&exclude_deleted=true`;
  // Only the round that holds this place moves it, and gives the row back for the next round.
  const release = (sql: string, params: unknown[]) => db.query(`UPDATE outcome_history SET ${sql} WHERE tenant = $1 AND next_path IS NOT DISTINCT FROM $2`, [tenant.id, claim.next_path, ...params]);
  let kept = 0;
  let skipped = 0;
  let tickets: ZendeskTicket[] = [];
  let data: { tickets?: ZendeskTicket[]; after_url: string | null; end_of_stream: boolean };
  try {
    data = (await tenant.http.get(path)).data;
    tickets = data.tickets ?? [];
    const settled = tickets.filter((t) => t.status === 'solved' || t.status === 'closed');
    const have = settled.length ? await db.query<{ ticket_id: string }>('SELECT DISTINCT ticket_id FROM outcomes WHERE tenant = $1 AND ticket_id = ANY($2::bigint[])', [tenant.id, settled.map((t) => t.id)]) : [];
    const known = new Set(have.map((r) => Number(r.ticket_id)));
    for (const t of settled) {
      if (known.has(t.id)) continue;
      try {
        const outcomes = await settledOutcomes(tenant.http, tenant.cfg, t.id, now);
        if (outcomes?.length && (await keepOutcomesIfNone(db, tenant.id, t.id, outcomes))) kept++;
      } catch (e) {
        if (!ticketsOwn(e)) throw e;
        skipped++;
        log({ level: 'warn', msg: 'outcome history passed over a ticket', tenant: tenant.id, ticketId: t.id, status: statusOf(e), error: (e as Error).message.slice(0, 200) });
      }
    }
  } catch (e) {
    // The page is read again (its place is not moved), after Zendesk's Retry-After if it gave one;
    // what it kept is counted now, since the next round passes over those tickets.
    const wait = Math.max(everyMs, retryAfterOf(e) ?? 0);
    await release('kept_count = kept_count + $3, next_at = $4', [kept, wall + wait]);
    throw e;
  }
  const done = data.end_of_stream || !data.after_url;
  const next = done ? null : sameOrigin(tenant.http, data.after_url!);
  await release("next_path = $3, read_count = read_count + $4, kept_count = kept_count + $5, state = CASE WHEN $6::boolean THEN 'done' ELSE 'running' END, updated_at = $7, next_at = $8", [
    next,
    tickets.length,
    kept,
    done,
    wall,
    wall + everyMs,
  ]);
  if (kept || skipped || done) log({ level: 'info', msg: done ? 'outcome history done' : 'outcome history kept settled tickets', tenant: tenant.id, read: tickets.length, kept, skipped });
  return { read: tickets.length, kept, skipped, done };
}

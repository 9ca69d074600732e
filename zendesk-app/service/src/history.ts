import { sameOrigin } from './backfill';
import type { Db } from './db';
import type { Log } from './log';
import { keepOutcomes } from './outcomes';
import { settledOutcomes } from './pass';
import type { Tenant } from './tenants';
import type { ZendeskTicket } from './zendesk';

/**
 * The reports' history. The service learns a ticket from its deliveries and the catch-up (the last
 * hour), so an account's report would start empty on the day it connects, though its tickets were
 * answered and solved for years. Once per account, this reads the cursor-based incremental ticket
 * export from 52 weeks back (the longest period the report offers), and each solved or closed
 * ticket that has no Outcome yet is read (the ticket and its audits), evaluated under the account's
 * policy as a pass would, and its Outcomes kept. Nothing is written to Zendesk, and the store does
 * not follow the ticket: a settled ticket is the team's record. Open tickets are the passes' (and
 * `sla backfill zendesk`'s for older ones).
 *
 * One export page of PER_PAGE tickets a round, a round every HISTORY_EVERY_MS, so that it takes a
 * small part of Zendesk's limits (the export: 10 requests a minute, shared with the catch-up) and
 * of the worker. Its place is the export's own next page (after_url), kept in `outcome_history`.
 */
export const HISTORY_LOOKBACK_MS = 52 * 7 * 86_400_000;
export const HISTORY_EVERY_MS = 60_000;
export const PER_PAGE = 50;

export interface HistoryRound {
  read: number;
  kept: number;
  done: boolean;
}

/** `wall`: the claims' and the export's clock; `now`: the SLA clock the tickets are evaluated at. */
export async function historyRound(db: Db, tenant: Tenant, wall: number, log: Log, everyMs = HISTORY_EVERY_MS, now = wall): Promise<HistoryRound | null> {
  await db.query("INSERT INTO outcome_history (tenant, state, next_path, read_count, kept_count, next_at, updated_at) VALUES ($1, 'running', NULL, 0, 0, 0, $2) ON CONFLICT DO NOTHING", [tenant.id, wall]);
  // One instance a round: the row is claimed until the next.
  const [claim] = await db.query<{ next_path: string | null }>(
    "UPDATE outcome_history SET next_at = $2 WHERE tenant = $1 AND state = 'running' AND next_at <= $3 RETURNING next_path",
    [tenant.id, wall + everyMs, wall],
  );
  if (!claim) return null;
  const start = Math.floor((wall - HISTORY_LOOKBACK_MS) / 1000);
  const path = claim.next_path ?? `/api/v2/incremental/tickets/cursor.json?start_time=${start}&per_page=${PER_PAGE}&exclude_deleted=true`;
  const data = (await tenant.http.get(path)).data as { tickets?: ZendeskTicket[]; after_url: string | null; end_of_stream: boolean };
  const settled = (data.tickets ?? []).filter((t) => t.status === 'solved' || t.status === 'closed');
  const have = settled.length ? await db.query<{ ticket_id: string }>('SELECT DISTINCT ticket_id FROM outcomes WHERE tenant = $1 AND ticket_id = ANY($2::bigint[])', [tenant.id, settled.map((t) => t.id)]) : [];
  const known = new Set(have.map((r) => Number(r.ticket_id)));
  let kept = 0;
  try {
    for (const t of settled) {
      if (known.has(t.id)) continue;
      const outcomes = await settledOutcomes(tenant.http, tenant.cfg, t.id, now);
      if (!outcomes?.length) continue;
      await keepOutcomes(db, tenant.id, t.id, outcomes);
      kept++;
    }
  } catch (e) {
    // The page is read again next round (its place is not moved); what it kept is counted now,
    // since the next round passes over those tickets.
    if (kept) await db.query('UPDATE outcome_history SET kept_count = kept_count + $2 WHERE tenant = $1', [tenant.id, kept]);
    throw e;
  }
  const done = data.end_of_stream || !data.after_url;
  const next = done ? null : sameOrigin(tenant.http, data.after_url!);
  await db.query("UPDATE outcome_history SET next_path = $2, read_count = read_count + $3, kept_count = kept_count + $4, state = CASE WHEN $5::boolean THEN 'done' ELSE 'running' END, updated_at = $6 WHERE tenant = $1", [
    tenant.id,
    next,
    data.tickets?.length ?? 0,
    kept,
    done,
    wall,
  ]);
  if (kept || done) log({ level: 'info', msg: done ? 'outcome history done' : 'outcome history kept settled tickets', tenant: tenant.id, read: data.tickets?.length ?? 0, kept });
  return { read: data.tickets?.length ?? 0, kept, done };
}

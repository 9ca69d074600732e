import { sameOrigin } from './backfill';
import type { Db } from './db';
import type { Log } from './log';
import { queueRead } from './queue';
import type { Tenant } from './tenants';
import type { ZendeskTicket } from './zendesk';

/**
 * The catch-up: Zendesk retries a webhook only for a 409, and for a 429 or 503 with a short
 * Retry-After, so updates made while the service restarts or is down may never be delivered. At
 * start-up and every few minutes, each tenant's tickets changed since its high-water mark are
 * read from the cursor-based incremental ticket export (the backfill's reader; admin-only, 10
 * requests a minute) and queued, unless the store already holds that very version (the service's
 * own write, or a delivery already handled).
 *
 * The mark is a time, not a cursor: a page boundary may fall inside one second, so each round
 * starts one second before the newest updated_at it saw, and the store's versions keep the overlap
 * from costing a read. One instance at a time reads a tenant's export (the mark's row is claimed).
 */
export const CATCH_UP_MS = 5 * 60_000;
/** A first round looks back this far; the backfill (`sla backfill zendesk`) covers older tickets. */
export const FIRST_LOOKBACK_MS = 60 * 60_000;
/** Zendesk wants start_time at least a minute in the past. */
const EXPORT_LAG_MS = 60_000;
/** Pages per round: a tenant with a huge burst continues next round instead of holding the worker. */
const PAGES_PER_ROUND = 5;

export async function catchUp(db: Db, tenant: Tenant, wall: number, log: Log, everyMs = CATCH_UP_MS): Promise<{ read: number; queued: number } | null> {
  await db.query('INSERT INTO watermarks (tenant, since, next_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenant.id, wall - FIRST_LOOKBACK_MS, 0]);
  const [claim] = await db.query<{ since: number }>('UPDATE watermarks SET next_at = $2 WHERE tenant = $1 AND next_at <= $3 RETURNING since', [tenant.id, wall + everyMs, wall]);
  if (!claim) return null;
  const start = Math.floor(Math.min(claim.since, wall - EXPORT_LAG_MS) / 1000) - 1;
  let next = `/api/v2/incremental/tickets/cursor.json?start_time=${Math.max(0, start)}&exclude_deleted=true`;
  let newest = claim.since;
  let read = 0;
  let queued = 0;
  for (let page = 0; page < PAGES_PER_ROUND; page++) {
    const data = (await tenant.http.get(next)).data as { tickets: ZendeskTicket[]; after_url: string | null; end_of_stream: boolean };
    const tickets = (data.tickets ?? []).filter((t) => t.status !== 'deleted');
    read += tickets.length;
    queued += await queueChanged(db, tenant.id, tickets, wall);
    for (const t of tickets) newest = Math.max(newest, Date.parse(t.updated_at) || 0);
    if (data.end_of_stream || !data.after_url) break;
    next = sameOrigin(tenant.http, data.after_url);
  }
  await db.query('UPDATE watermarks SET since = GREATEST(since, $2) WHERE tenant = $1', [tenant.id, newest]);
  if (queued) log({ level: 'info', msg: 'catch-up queued tickets changed without a delivery', tenant: tenant.id, read, queued });
  return { read, queued };
}

/** Tickets whose version the store does not hold become jobs; closed ones are settled and skipped. */
async function queueChanged(db: Db, tenant: string, tickets: ZendeskTicket[], wall: number): Promise<number> {
  const open = tickets.filter((t) => t.status !== 'closed');
  if (!open.length) return 0;
  const rows = await db.query<{ ticket_id: number; updated_at: string | null }>(`SELECT ticket_id, snapshot->>'updated_at' AS updated_at FROM tickets WHERE tenant = $1 AND ticket_id = ANY($2::bigint[])`, [tenant, open.map((t) => t.id)]);
  const held = new Map(rows.map((r) => [Number(r.ticket_id), r.updated_at ? Date.parse(r.updated_at) : NaN]));
  let n = 0;
  for (const t of open) {
    if (held.get(t.id) === Date.parse(t.updated_at)) continue;
    await queueRead(db, tenant, t.id, wall);
    n++;
  }
  return n;
}

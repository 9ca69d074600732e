import type { Query } from './db';
import type { Tenants } from './tenants';

/**
 * What the service keeps about an account, and for how long. A tenant whose connection Zendesk
 * refused (the admin removed SLA Desk, or revoked its access) is deleted with everything the store
 * holds for it once it has stayed disconnected this long; reconnecting before then keeps it.
 */
export const RETENTION_MS = 30 * 86_400_000;

/** Deletes the tenants disconnected for longer than the retention; their ids. */
export async function purgeDisconnected(q: Query, tenants: Tenants, wall: number, retentionMs = RETENTION_MS): Promise<string[]> {
  const rows = await q.query<{ account_id: string }>(`SELECT account_id FROM oauth_tokens WHERE state = 'disconnected' AND updated_at < $1`, [wall - retentionMs]);
  const out: string[] = [];
  for (const r of rows) if (await tenants.remove(r.account_id)) out.push(r.account_id);
  return out;
}

/**
 * Everything the store holds for one account, as JSON: its settings with the secrets left out, its
 * connection's state (never its tokens), and per ticket what the service keeps (the SLA fields as
 * last written and the timeline: no subject, no comment text, no requester), each Metric's
 * Outcomes (closed tickets' too), its jobs, deliveries and ladder notices.
 */
export async function exportTenant(q: Query, tenants: Tenants, accountId: string): Promise<Record<string, unknown> | null> {
  const settings = await tenants.settingsOf(accountId);
  if (!settings) return null;
  const SECRET = /SECRET|TOKEN|PASSWORD|KEY/;
  const shown = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, SECRET.test(k) ? '(kept, not shown)' : v]));
  const [connection] = await q.query('SELECT state, reason, updated_at FROM oauth_tokens WHERE account_id = $1', [accountId]);
  const tickets = await q.query('SELECT ticket_id, snapshot, timeline, next_at, next_what, read_at FROM tickets WHERE tenant = $1 ORDER BY ticket_id', [accountId]);
  const jobs = await q.query('SELECT ticket_id, state, attempts, last_error, run_at FROM jobs WHERE tenant = $1 ORDER BY ticket_id', [accountId]);
  const notices = await q.query('SELECT ticket_id, step_key, url, state, attempts FROM ladder_notices WHERE tenant = $1 ORDER BY ticket_id, step_key', [accountId]);
  const outcomes = await q.query(
    'SELECT ticket_id, metric, cycle, state, working_ms, tier, priority, group_id, started_at, ended_at, due_at FROM outcomes WHERE tenant = $1 ORDER BY ticket_id, metric, cycle',
    [accountId],
  );
  const [deliveries] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE tenant = $1', [accountId]);
  return { account: accountId, exportedAt: new Date().toISOString(), settings: shown, connection: connection ?? null, tickets, outcomes, jobs, ladderNotices: notices, deliveries: deliveries?.n ?? 0 };
}

import axios from 'axios';
import type { Agent } from 'https';
import type { Query } from './db';
import type { Log } from './log';
import { notifyRoute, publicAgent, type NotifyPolicy } from './notify';
import type { LadderNotice } from './plan';
import { statusOf } from './zendesk';

/**
 * The escalation ladder's notify actions, through an outbox in the store: a pass that wrote (or
 * found) a level's proof tag on the ticket records the level's notices, keyed by the step (metric,
 * cycle, level) and URL, so however many passes see the level, it is recorded once. The sender
 * posts each until the receiver answers 2xx. A crash between the post and its bookkeeping can post
 * one twice: the body's `sla_desk.id` lets a receiver drop the repeat.
 */
export async function keepNotices(q: Query, tenant: string, ticketId: number, notices: readonly LadderNotice[] | undefined, at: number): Promise<void> {
  if (!notices?.length) return;
  const values: unknown[] = [];
  const rows = notices.map((n, i) => {
    values.push(n.key, n.url, JSON.stringify(n.body));
    return `($1::text, $2::bigint, $${3 + i * 3}::text, $${4 + i * 3}::text, $${5 + i * 3}::jsonb, $${3 + notices.length * 3}::bigint)`;
  });
  // Nothing is kept for a tenant deleted while its pass ran.
  await q.query(
    `INSERT INTO ladder_notices (tenant, ticket_id, step_key, url, body, next_at)
     SELECT v.* FROM (VALUES ${rows.join(', ')}) AS v(tenant, ticket_id, step_key, url, body, next_at)
     WHERE v.tenant = 'env' OR EXISTS (SELECT 1 FROM tenants WHERE account_id = v.tenant)
     ON CONFLICT (tenant, ticket_id, step_key, url) DO NOTHING`,
    [tenant, ticketId, ...values, at],
  );
}

/** A receiver that keeps failing is given up on after this many tries (about a day with the back-off). */
export const MAX_NOTICE_ATTEMPTS = 10;
const backoff = (attempts: number) => Math.min(6 * 3_600_000, 30_000 * 2 ** (attempts - 1));
/** How long a claimed notice is held by one sender before another may try it (the job lease's length). */
const CLAIM_MS = 60_000;

/**
 * Sends the notices that are due, a few at a time. Claiming moves next_at ahead in the same
 * statement, so two instances never post one notice at once.
 */
export async function sendNotices(q: Query, wall: number, policyOf: (tenant: string) => NotifyPolicy, log: Log, opts: { limit?: number; agent?: Agent; claimMs?: number } = {}): Promise<number> {
  const due = await q.query<{ tenant: string; ticket_id: string | number; step_key: string; url: string; body: unknown; attempts: number }>(
    `UPDATE ladder_notices SET next_at = $2, attempts = attempts + 1
     WHERE (tenant, ticket_id, step_key, url) IN (SELECT tenant, ticket_id, step_key, url FROM ladder_notices WHERE state = 'due' AND next_at <= $1 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING tenant, ticket_id, step_key, url, body, attempts`,
    [wall, wall + (opts.claimMs ?? CLAIM_MS), opts.limit ?? 20],
  );
  await Promise.all(due.map((n) => sendOne(q, n, policyOf(n.tenant), log, opts.agent)));
  return due.length;
}

async function sendOne(q: Query, n: { tenant: string; ticket_id: string | number; step_key: string; url: string; body: unknown; attempts: number }, policy: NotifyPolicy, log: Log, agent?: Agent): Promise<void> {
  const key = [n.tenant, n.ticket_id, n.step_key, n.url];
  const ticketId = Number(n.ticket_id);
  const route = notifyRoute(n.url, policy);
  if (typeof route === 'object') {
    log({ level: 'warn', msg: 'ladder notice refused', ticketId, reason: route.refused });
    await q.query(`UPDATE ladder_notices SET state = 'refused' WHERE tenant = $1 AND ticket_id = $2 AND step_key = $3 AND url = $4`, key);
    return;
  }
  try {
    const body = typeof n.body === 'string' ? JSON.parse(n.body) : n.body;
    await axios.post(n.url, body, { timeout: 5_000, maxRedirects: 0, ...(route === 'public-only' ? { httpsAgent: publicAgent, proxy: false as const } : agent ? { httpsAgent: agent } : {}) });
    await q.query(`UPDATE ladder_notices SET state = 'sent' WHERE tenant = $1 AND ticket_id = $2 AND step_key = $3 AND url = $4`, key);
  } catch (e) {
    const last = n.attempts >= MAX_NOTICE_ATTEMPTS;
    log({ level: 'warn', msg: last ? 'ladder notice given up' : 'ladder notice failed, will retry', ticketId, status: statusOf(e), code: (e as { code?: string }).code ?? null, attempts: n.attempts });
    await q.query(`UPDATE ladder_notices SET state = $5, next_at = $6 WHERE tenant = $1 AND ticket_id = $2 AND step_key = $3 AND url = $4`, [...key, last ? 'failed' : 'due', Date.now() + backoff(n.attempts)]);
  }
}

/** Notices done with (sent, refused, given up) of tickets the store no longer keeps. */
export async function pruneNotices(q: Query): Promise<void> {
  await q.query(`DELETE FROM ladder_notices n WHERE state <> 'due' AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.tenant = n.tenant AND t.ticket_id = n.ticket_id)`);
}

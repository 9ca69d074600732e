import type { Db } from './db';

/**
 * The durable work queue, in the store. One row per ticket in `jobs`: deliveries for a ticket fold
 * into it (seq counts them), so a ticket has at most one pass queued and one running. Instances
 * claim due rows with a conditional UPDATE (claimJobs) and hold them under a lease; a killed instance's lease
 * runs out and another instance takes the row. A pass that ends deletes the row only if no delivery
 * came in meanwhile (same seq); otherwise the row stays queued for one more pass.
 *
 * Two clocks: `wall` (Date.now) times the queue itself (leases, back-off, pruning), and `at`, the SLA
 * clock (the workbench moves it), decides which transitions are due.
 */
export interface Job {
  tenant: string;
  ticket_id: number;
  needs_read: boolean;
  seq: number;
  attempts: number;
  deliveries: number;
}

/** refused: the tenant is gone (deleted on another instance); nothing is stored. */
export type Enqueued = 'queued' | 'folded' | 'duplicate' | 'rerun' | 'refused';

/** A verified delivery: recorded once by its key (timestamp and signature), its ticket's job queued or folded into the one waiting. */
export async function enqueueDelivery(db: Db, d: Delivery): Promise<Enqueued> {
  return (await enqueueDeliveries(db, [d]))[0];
}

export interface Delivery {
  tenant: string;
  /** X-Zendesk-Webhook-Invocation-Id when Zendesk sent one (unique per invocation, the same on its retries); else timestamp and signature. */
  key: string;
  /** The key is an invocation id: a second delivery with it is a retry, never a distinct update. */
  unique?: boolean;
  ticketId: number;
  at: number;
  secondEnd: number;
  wall: number;
}

/**
 * Many deliveries in one statement (the webhook batches those that arrive together, as a group
 * commit): new keys are recorded and their tickets' jobs queued or folded, atomically. Keys seen
 * before take the duplicate path, one by one.
 */
export async function enqueueDeliveries(db: Db, ds: Delivery[]): Promise<Enqueued[]> {
  const rows = await db.query<{ kind: string; tenant: string; key: string | null; ticket_id: number; inserted: boolean | null }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS t(tenant, key, ticket_id, received_at, second_end)),
     fresh AS (
       INSERT INTO deliveries (tenant, key, ticket_id, received_at, second_end)
       -- A tenant deleted on another instance (still in this one's cache) gets nothing stored.
       SELECT DISTINCT ON (tenant, key) tenant, key, ticket_id, received_at, second_end FROM input
       WHERE tenant = 'env' OR EXISTS (SELECT 1 FROM tenants WHERE account_id = input.tenant)
       ORDER BY tenant, key
       ON CONFLICT DO NOTHING RETURNING tenant, key, ticket_id, received_at),
     per_ticket AS (
       SELECT tenant, ticket_id, count(*)::int AS n, min(received_at) AS at FROM fresh GROUP BY tenant, ticket_id),
     jobs_up AS (
       INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at)
       -- In one order, so that batches written at once lock rows alike and never deadlock.
       SELECT tenant, ticket_id, true, n, at, at FROM per_ticket ORDER BY tenant, ticket_id
       ON CONFLICT (tenant, ticket_id) DO UPDATE SET
         needs_read = true, seq = jobs.seq + 1, deliveries = jobs.deliveries + EXCLUDED.deliveries, state = 'queued',
         attempts = CASE WHEN jobs.state = 'parked' THEN 0 ELSE jobs.attempts END,
         run_at = CASE WHEN jobs.state = 'queued' AND jobs.attempts > 0 THEN jobs.run_at ELSE LEAST(jobs.run_at, EXCLUDED.run_at) END
       RETURNING tenant, ticket_id, (xmax = 0) AS inserted)
     SELECT 'fresh' AS kind, tenant, key, ticket_id, NULL::boolean AS inserted FROM fresh
     UNION ALL SELECT 'job', tenant, NULL, ticket_id, inserted FROM jobs_up`,
    [ds.map((d) => d.tenant), ds.map((d) => d.key), ds.map((d) => d.ticketId), ds.map((d) => d.wall), ds.map((d) => d.secondEnd)],
  );
  const fresh = new Set(rows.filter((r) => r.kind === 'fresh').map((r) => `${r.tenant}\n${r.key}`));
  const created = new Set(rows.filter((r) => r.kind === 'job' && r.inserted).map((r) => `${r.tenant}\n${r.ticket_id}`));
  const out: Enqueued[] = [];
  const seen = new Set<string>();
  for (const d of ds) {
    const k = `${d.tenant}\n${d.key}`;
    if (fresh.has(k) && !seen.has(k)) {
      seen.add(k);
      const t = `${d.tenant}\n${d.ticketId}`;
      // The first delivery of a job that this statement created queued it; the rest folded into it.
      out.push(created.delete(t) ? 'queued' : 'folded');
    } else out.push(await seenBefore(db, d));
  }
  return out;
}

/**
 * A key recorded before: Zendesk's timestamps have whole seconds, so a second genuine delivery for
 * one ticket within the same second looks like the first. If the ticket's pass is running, or last
 * read the ticket before that second ended, it gets one more pass (once per key); otherwise it is
 * a duplicate.
 */
async function seenBefore(db: Db, d: Delivery): Promise<Enqueued> {
  if (!(await tenantExists(db, d.tenant))) return 'refused';
  if (d.unique) return 'duplicate';
  return db.tx(async (q) => {
    const running = await q.query<{ one: number }>('SELECT 1 AS one FROM jobs WHERE tenant = $1 AND ticket_id = $2 AND locked_until IS NOT NULL AND locked_until > $3', [d.tenant, d.ticketId, d.wall]);
    const read = await q.query<{ read_at: number }>('SELECT read_at FROM tickets WHERE tenant = $1 AND ticket_id = $2', [d.tenant, d.ticketId]);
    const stale = running.length > 0 || (read.length > 0 && read[0].read_at < d.secondEnd);
    if (!stale) return 'duplicate';
    const once = await q.query('UPDATE deliveries SET rerun = true WHERE tenant = $1 AND key = $2 AND rerun = false RETURNING 1 AS one', [d.tenant, d.key]);
    if (!once.length) return 'duplicate';
    await upsertJob(q, d);
    return 'rerun';
  });
}

/** The environment's tenant always exists; a stored one until an admin deletes it (on any instance). */
export async function tenantExists(q: Pick<Db, 'query'>, tenant: string): Promise<boolean> {
  return tenant === 'env' || (await q.query('SELECT 1 AS one FROM tenants WHERE account_id = $1', [tenant])).length > 0;
}

/**
 * A read job meeting the ticket's job: a parked job comes back to life, a job backing off keeps
 * its Retry-After, and the next pass reads the ticket. `deliveries` counts the deliveries folded in.
 */
const READ_AGAIN = `ON CONFLICT (tenant, ticket_id) DO UPDATE SET
       needs_read = true, seq = jobs.seq + 1, deliveries = jobs.deliveries + EXCLUDED.deliveries, state = 'queued',
       attempts = CASE WHEN jobs.state = 'parked' THEN 0 ELSE jobs.attempts END,
       run_at = CASE WHEN jobs.state = 'queued' AND jobs.attempts > 0 THEN jobs.run_at ELSE LEAST(jobs.run_at, EXCLUDED.run_at) END`;

async function upsertJob(q: Pick<Db, 'query'>, d: { tenant: string; ticketId: number; wall: number }): Promise<void> {
  await q.query(`INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at) VALUES ($1, $2, true, 1, $3, $3) ${READ_AGAIN}`, [d.tenant, d.ticketId, d.wall]);
}

/** Tickets whose next transition is due on the SLA clock become jobs that need no read. */
export async function promoteDue(db: Db, at: number, wall: number, limit = 500): Promise<number> {
  const r = await db.query(
    `WITH due AS (
       SELECT t.tenant, t.ticket_id FROM tickets t
       WHERE t.next_at IS NOT NULL AND t.next_at <= $1
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.tenant = t.tenant AND j.ticket_id = t.ticket_id)
       ORDER BY t.next_at LIMIT $3 FOR UPDATE SKIP LOCKED),
     ins AS (
       INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at)
       SELECT tenant, ticket_id, false, 0, $2, $2 FROM due ON CONFLICT DO NOTHING RETURNING tenant, ticket_id)
     UPDATE tickets t SET next_at = NULL FROM ins WHERE t.tenant = ins.tenant AND t.ticket_id = ins.ticket_id RETURNING 1 AS one`,
    [at, wall, limit],
  );
  return r.length;
}

/**
 * Claims up to `limit` runnable jobs, fairly between tenants: each tenant's jobs are ranked in
 * run_at order after the ones it already has running (on any instance), and the claim takes rank 1
 * of every tenant before rank 2 of any. `reserve` of the `slots` are kept for tenants that have
 * nothing running; no tenant runs more than its share of the rest (over the tenants that have work,
 * at least one) nor more than `perTenant`. So tenants with a slow Zendesk and deep queues hold
 * their shares, a tenant whose work arrives later finds a slot free, and another tenant's job is
 * next whenever a slot frees. The ranking reads without locks; the UPDATE checks the row is still free, so two
 * instances that ranked the same row never both claim it.
 */
export async function claimJobs(db: Db, me: string, wall: number, leaseMs: number, limit: number, perTenant = limit, slots = limit, reserve = 0): Promise<Job[]> {
  // One tenant has nobody to share with: the earliest jobs, from the index, without ranking them.
  if (perTenant >= slots && reserve === 0) return claimInOrder(db, me, wall, leaseMs, limit);
  return db.query<Job>(
    `WITH busy AS (
       SELECT tenant, count(*)::int AS n FROM jobs WHERE locked_until IS NOT NULL AND locked_until >= $2 GROUP BY tenant),
     active AS (
       SELECT count(DISTINCT tenant)::int AS n FROM jobs
       WHERE state = 'queued' AND (run_at <= $2 OR (locked_until IS NOT NULL AND locked_until >= $2))),
     ranked AS (
       SELECT j.tenant, j.ticket_id, j.run_at,
         row_number() OVER (PARTITION BY j.tenant ORDER BY j.run_at, j.ticket_id) + coalesce(b.n, 0) AS rank
       FROM jobs j LEFT JOIN busy b ON b.tenant = j.tenant
       WHERE j.state = 'queued' AND j.run_at <= $2 AND (j.locked_until IS NULL OR j.locked_until < $2)),
     pick AS (
       SELECT tenant, ticket_id FROM ranked, active
       WHERE rank <= LEAST($5::int, GREATEST(1, FLOOR(($6::float8 - $7::float8) / GREATEST(active.n, 1))::int))
       ORDER BY rank, run_at LIMIT $4)
     UPDATE jobs j SET locked_by = $1, locked_until = $2::bigint + $3::bigint FROM pick
     WHERE j.tenant = pick.tenant AND j.ticket_id = pick.ticket_id
       AND j.state = 'queued' AND (j.locked_until IS NULL OR j.locked_until < $2)
     RETURNING j.tenant, j.ticket_id, j.needs_read, j.seq, j.attempts, j.deliveries`,
    [me, wall, leaseMs, limit, perTenant, slots, reserve],
  );
}

async function claimInOrder(db: Db, me: string, wall: number, leaseMs: number, limit: number): Promise<Job[]> {
  return db.query<Job>(
    `UPDATE jobs j SET locked_by = $1, locked_until = $2::bigint + $3::bigint FROM (
       SELECT tenant, ticket_id FROM jobs
       WHERE state = 'queued' AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) d
     WHERE j.tenant = d.tenant AND j.ticket_id = d.ticket_id
     RETURNING j.tenant, j.ticket_id, j.needs_read, j.seq, j.attempts, j.deliveries`,
    [me, wall, leaseMs, limit],
  );
}

/** The embedded store belongs to one process: at its start, no other process can hold a lease, so the dead one's are released at once. */
export async function releaseLeases(db: Db): Promise<number> {
  return (await db.query("UPDATE jobs SET locked_by = NULL, locked_until = NULL WHERE locked_by IS NOT NULL RETURNING 1 AS one")).length;
}

/** Queues a read of every ticket the store keeps for a tenant (its settings changed); how many. */
export async function queueReadsOfAll(q: Pick<Db, 'query'>, tenant: string, wall: number): Promise<number> {
  const rows = await q.query(`INSERT INTO jobs (tenant, ticket_id, needs_read, deliveries, run_at, created_at) SELECT tenant, ticket_id, true, 0, $2, $2 FROM tickets WHERE tenant = $1 ${READ_AGAIN} RETURNING 1 AS one`, [tenant, wall]);
  return rows.length;
}

/** Queues a read of a ticket that changed without a delivery reaching the service (the catch-up). */
export async function queueRead(q: Pick<Db, 'query'>, tenant: string, ticketId: number, wall: number): Promise<void> {
  await upsertJob(q, { tenant, ticketId, wall });
}

/** The pass is done: the row goes, unless a delivery came in meanwhile (then it runs once more). */
export async function completeJob(db: Db, job: Job, me: string): Promise<'done' | 'again'> {
  const gone = await db.query('DELETE FROM jobs WHERE tenant = $1 AND ticket_id = $2 AND seq = $3 AND locked_by = $4 RETURNING 1 AS one', [job.tenant, job.ticket_id, job.seq, me]);
  if (gone.length) return 'done';
  await db.query('UPDATE jobs SET locked_by = NULL, locked_until = NULL, attempts = 0 WHERE tenant = $1 AND ticket_id = $2 AND locked_by = $3', [job.tenant, job.ticket_id, me]);
  return 'again';
}

/** A failed pass backs off (honouring Retry-After); after maxAttempts the job is parked, never dropped. */
export async function failJob(db: Db, job: Job, me: string, error: string, runAt: number, maxAttempts: number): Promise<'retry' | 'parked'> {
  const r = await db.query<{ state: string }>(
    `UPDATE jobs SET attempts = attempts + 1, last_error = $4, locked_by = NULL, locked_until = NULL, run_at = $5,
       state = CASE WHEN attempts + 1 >= $6 THEN 'parked' ELSE 'queued' END
     WHERE tenant = $1 AND ticket_id = $2 AND locked_by = $3 RETURNING state`,
    [job.tenant, job.ticket_id, me, error.slice(0, 300), runAt, maxAttempts],
  );
  return r[0]?.state === 'parked' ? 'parked' : 'retry';
}

/** Keeps a running pass's lease (a pass waiting out a long Retry-After outlives one lease). */
export async function extendLease(db: Db, job: Job, me: string, until: number): Promise<void> {
  await db.query('UPDATE jobs SET locked_until = $4 WHERE tenant = $1 AND ticket_id = $2 AND locked_by = $3', [job.tenant, job.ticket_id, me, until]);
}

/** Delivery keys older than the signature window can never be accepted again: forget them. */
export async function pruneDeliveries(db: Db, before: number): Promise<void> {
  await db.query('DELETE FROM deliveries WHERE received_at < $1', [before]);
}

export async function queueStats(db: Db): Promise<{ queued: number; running: number; parked: number; scheduled: number }> {
  const [r] = await db.query<{ queued: number; running: number; parked: number; scheduled: number }>(
    `SELECT
       (SELECT count(*)::int FROM jobs WHERE state = 'queued' AND locked_by IS NULL) AS queued,
       (SELECT count(*)::int FROM jobs WHERE state = 'queued' AND locked_by IS NOT NULL) AS running,
       (SELECT count(*)::int FROM jobs WHERE state = 'parked') AS parked,
       (SELECT count(*)::int FROM tickets WHERE next_at IS NOT NULL) AS scheduled`,
  );
  return r;
}

export async function parkedJobs(db: Db, tenant?: string): Promise<{ tenant: string; ticket_id: number; attempts: number; last_error: string | null }[]> {
  return db.query(`SELECT tenant, ticket_id, attempts, last_error FROM jobs WHERE state = 'parked' ${tenant ? 'AND tenant = $1' : ''} ORDER BY ticket_id LIMIT 1000`, tenant ? [tenant] : []);
}

/** An admin's "try again" for parked jobs. */
export async function retryParked(db: Db, wall: number, tenant?: string): Promise<number> {
  const r = await db.query(`UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1 WHERE state = 'parked' ${tenant ? 'AND tenant = $2' : ''} RETURNING 1 AS one`, tenant ? [wall, tenant] : [wall]);
  return r.length;
}

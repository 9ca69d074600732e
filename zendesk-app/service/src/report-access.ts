import { randomBytes } from 'crypto';
import type { Db, Query } from './db';
import { tokenHash } from './provision';

/**
 * Who may read an account's SLA report: its admins and its triage leads, and the service decides
 * it, as the caller. The app's bearer cannot say who calls (every agent's browser sends it through
 * ZAF), so the page first asks for a sign-in: the service gives it a secret and a reference, the
 * user signs in to their own Zendesk in a new window with the reference, and the callback asks
 * Zendesk with that sign-in's token who they are (connect.ts). Only then does the page's secret
 * open the report, for a working day.
 *
 * The reference travels in URLs (the sign-in window, Zendesk's redirect); the secret only in a
 * header of the page's own requests, and the store keeps its hash alone.
 */
export const SIGN_IN_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 8 * 3_600_000;
export const SESSION_HEADER = 'x-sla-report-session';

export type AccessState = 'pending' | 'granted' | 'refused';

const token = () => randomBytes(24).toString('base64url');

/** A sign-in under way for `userId` (the user the page says is signed in: the callback must find the same). */
export async function beginSignIn(db: Query, tenant: string, userId: number, now: number): Promise<{ ref: string; secret: string; expiresAt: number }> {
  await db.query('DELETE FROM report_access WHERE tenant = $1 AND expires_at < $2', [tenant, now]);
  const ref = token();
  const secret = token();
  const expiresAt = now + SIGN_IN_TTL_MS;
  await db.query("INSERT INTO report_access (secret_hash, ref, tenant, user_id, state, created_at, expires_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)", [tokenHash(secret), ref, tenant, userId, now, expiresAt]);
  return { ref, secret, expiresAt };
}

/**
 * The callback's answer for the sign-in `ref`: granted to a lead or an admin who is the user the
 * page named, refused to anyone else. A reference is decided once, and only while it is pending.
 */
export async function decideSignIn(db: Db, ref: string, who: { tenant: string | null; userId: number; lead: boolean }, now: number): Promise<{ state: AccessState; reason?: string } | null> {
  return db.tx(async (q) => {
    const [row] = await q.query<{ tenant: string; user_id: string | number }>("SELECT tenant, user_id FROM report_access WHERE ref = $1 AND state = 'pending' AND expires_at >= $2 FOR UPDATE", [ref, now]);
    if (!row || row.tenant !== who.tenant) return null;
    const reason = Number(row.user_id) !== who.userId ? 'signed in as another user than the one on SLA Desk\'s page' : !who.lead ? 'not an admin, nor in a triage-lead group' : undefined;
    const state: AccessState = reason ? 'refused' : 'granted';
    await q.query('UPDATE report_access SET state = $2, reason = $3, expires_at = $4 WHERE ref = $1', [ref, state, reason ?? null, reason ? now + SIGN_IN_TTL_MS : now + SESSION_TTL_MS]);
    return reason ? { state, reason } : { state };
  });
}

/** Where the page's sign-in stands, by its secret; null once it expired or for a secret the account never gave. */
export async function signInState(db: Query, tenant: string, secret: unknown, now: number): Promise<{ state: AccessState; reason?: string; expiresAt: number } | null> {
  if (typeof secret !== 'string' || secret.length < 20 || secret.length > 100) return null;
  const [row] = await db.query<{ state: AccessState; reason: string | null; expires_at: string | number }>('SELECT state, reason, expires_at FROM report_access WHERE secret_hash = $1 AND tenant = $2 AND expires_at >= $3', [tokenHash(secret), tenant, now]);
  if (!row) return null;
  return { state: row.state, ...(row.reason ? { reason: row.reason } : {}), expiresAt: Number(row.expires_at) };
}

/** The user a granted secret stands for, or null: the report's check. */
export async function reportViewer(db: Query, tenant: string, secret: unknown, now: number): Promise<number | null> {
  if (typeof secret !== 'string' || secret.length < 20 || secret.length > 100) return null;
  const [row] = await db.query<{ user_id: string | number }>("SELECT user_id FROM report_access WHERE secret_hash = $1 AND tenant = $2 AND state = 'granted' AND expires_at >= $3", [tokenHash(secret), tenant, now]);
  return row ? Number(row.user_id) : null;
}

import axios from 'axios';
import { createHash, randomBytes } from 'crypto';
import type { Db, Query } from './db';
import { seal, unseal } from './sealed';
import { statusOf, TOKEN_MARGIN_MS, ZendeskApiError } from './zendesk';

/**
 * Zendesk's global OAuth client (an app for many accounts must use one: Zendesk's "global OAuth"
 * introduction) with the authorization-code grant and PKCE (S256), and each account's tokens in
 * the store, sealed and bound to the account. Zendesk rotates on refresh: the new pair replaces
 * the old at once, with no grace, so two refreshes of one account at a time would lose it. A
 * refresh therefore runs under a row lock on the account's tokens, across every instance; the
 * one that waited finds the new pair and uses it.
 */
export interface GlobalClient {
  /** The Unique Identifier, `zdg-…`. */
  id: string;
  secret: string;
  /** Where Zendesk sends the admin back: `<SLA_PUBLIC_URL>/oauth/callback`. */
  redirectUri: string;
}

/**
 * What the service asks for, and no more: reads (tickets and their audits, users and their
 * groups, organizations, ticket fields, the app's installation), writes to tickets, and the
 * webhook and trigger it sets up, and the app's installation (where it leaves the app the token
 * the app shows its status with). Ticket fields have no resource scope of their own: plain `read`.
 */
export const SERVICE_SCOPES = 'read tickets:write webhooks:write triggers:write apps:write';

export interface TokenSet {
  access_token: string;
  refresh_token: string | null;
  /** ms */
  expires_at: number | null;
  scope: string;
}

/** The tenant can no longer be reached: its grant was revoked (the admin removed the app) or expired. */
export class DisconnectedError extends Error {
  constructor(readonly accountId: string, reason: string) {
    super(`account ${accountId} is disconnected (${reason}): an admin reconnects SLA Desk from the app`);
  }
}

const b64url = (b: Buffer) => b.toString('base64url');

/** A PKCE pair: the verifier kept by the service, the S256 challenge sent to Zendesk. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

/** Zendesk subdomains: letters, digits and hyphens, as account URLs have them. */
export const SUBDOMAIN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** How long the admin has between leaving for the consent page and coming back. */
const STATE_TTL_MS = 10 * 60_000;

/**
 * Starts a connection: a single-use state (kept in the store, so any instance takes the callback)
 * and the consent page's URL on the account's own subdomain.
 */
/**
 * What an authorization is for: connecting the account, or an admin confirming, by signing in to
 * their Zendesk, an action the app's page asked for. A confirmation asks only to read (who the
 * user is), and its token is revoked as soon as it has said so.
 */
export type ConnectAction = 'connect' | 'export' | 'disconnect' | 'report';
export const CONFIRM_SCOPES = 'read';

export async function beginConnect(q: Query, client: GlobalClient, subdomain: string, baseOf: (subdomain: string) => string, now = Date.now(), action: ConnectAction = 'connect', ref: string | null = null): Promise<string> {
  if (!SUBDOMAIN.test(subdomain)) throw new ZendeskApiError(400, 'subdomain: expected the account\'s Zendesk subdomain (letters, digits and hyphens)');
  const state = b64url(randomBytes(24));
  const { verifier, challenge } = pkce();
  await q.query('DELETE FROM oauth_states WHERE created_at < $1', [now - STATE_TTL_MS]);
  await q.query('INSERT INTO oauth_states (state, subdomain, verifier, created_at, action, ref) VALUES ($1, $2, $3, $4, $5, $6)', [state, subdomain, verifier, now, action, ref]);
  const scope = action === 'connect' ? SERVICE_SCOPES : CONFIRM_SCOPES;
  const params = new URLSearchParams({ response_type: 'code', client_id: client.id, redirect_uri: client.redirectUri, scope, state, code_challenge: challenge, code_challenge_method: 'S256' });
  return `${baseOf(subdomain)}/oauth/authorizations/new?${params}`;
}

/** The callback's state, taken once: the subdomain it was made for, its PKCE verifier and its action, or null. */
export async function takeState(q: Query, state: string, now = Date.now()): Promise<{ subdomain: string; verifier: string; action: ConnectAction; ref: string | null } | null> {
  if (typeof state !== 'string' || state.length > 100) return null;
  const [row] = await q.query<{ subdomain: string; verifier: string; created_at: string | number; action: ConnectAction; ref: string | null }>('DELETE FROM oauth_states WHERE state = $1 RETURNING subdomain, verifier, created_at, action, ref', [state]);
  if (!row || Number(row.created_at) < now - STATE_TTL_MS) return null;
  return { subdomain: row.subdomain, verifier: row.verifier, action: row.action, ref: row.ref ?? null };
}

/** POST /oauth/tokens (JSON): the code for a pair, or a refresh token for the next pair. */
async function tokenRequest(base: string, body: Record<string, string>, now: number): Promise<TokenSet> {
  let r;
  try {
    r = await axios.post(`${base}/oauth/tokens`, body, { timeout: 30_000, maxRedirects: 0, headers: { 'content-type': 'application/json' } });
  } catch (e) {
    const s = statusOf(e);
    const error = String((e as { response?: { data?: { error?: unknown } } }).response?.data?.error ?? '');
    if (s === 400 || s === 401) throw Object.assign(new ZendeskApiError(s, `OAuth token request refused: ${error || s}`), { grant: error || 'refused' });
    throw new ZendeskApiError(s, `OAuth token request failed: ${s ?? 'connection dropped'}`);
  }
  const d = r.data ?? {};
  if (typeof d.access_token !== 'string' || !d.access_token) throw new ZendeskApiError(r.status, 'OAuth token response without access_token');
  const life = Number(d.expires_in);
  return { access_token: d.access_token, refresh_token: typeof d.refresh_token === 'string' ? d.refresh_token : null, expires_at: Number.isFinite(life) && life > 0 ? now + life * 1000 : null, scope: String(d.scope ?? '') };
}

export function exchangeCode(base: string, client: GlobalClient, code: string, verifier: string, now = Date.now()): Promise<TokenSet> {
  return tokenRequest(base, { grant_type: 'authorization_code', code, client_id: client.id, client_secret: client.secret, redirect_uri: client.redirectUri, scope: SERVICE_SCOPES, code_verifier: verifier }, now);
}

/** An account's tokens, sealed in the store; the state says whether it is still connected. */
export async function saveTokens(q: Query, keys: readonly Buffer[], accountId: string, tokens: TokenSet, now = Date.now(), subdomain?: string): Promise<void> {
  await q.query(
    `INSERT INTO oauth_tokens (account_id, sealed, state, updated_at, subdomain) VALUES ($1, $2, 'connected', $3, $4)
     ON CONFLICT (account_id) DO UPDATE SET sealed = EXCLUDED.sealed, state = 'connected', reason = NULL, updated_at = EXCLUDED.updated_at, subdomain = COALESCE(EXCLUDED.subdomain, oauth_tokens.subdomain)`,
    [accountId, seal(keys[0], `oauth ${accountId}`, tokens), now, subdomain ?? null],
  );
}

/** The connected account of a subdomain (the app asks by it), or null. */
export async function accountOfSubdomain(q: Query, subdomain: string): Promise<string | null> {
  if (!SUBDOMAIN.test(subdomain)) return null;
  const [row] = await q.query<{ account_id: string }>('SELECT account_id FROM oauth_tokens WHERE subdomain = $1 ORDER BY updated_at DESC LIMIT 1', [subdomain]);
  return row?.account_id ?? null;
}

export async function connectionState(q: Query, accountId: string): Promise<{ state: 'connected' | 'disconnected'; reason: string | null; updatedAt: number } | null> {
  const [row] = await q.query<{ state: string; reason: string | null; updated_at: string | number }>('SELECT state, reason, updated_at FROM oauth_tokens WHERE account_id = $1', [accountId]);
  return row ? { state: row.state === 'connected' ? 'connected' : 'disconnected', reason: row.reason, updatedAt: Number(row.updated_at) } : null;
}

/**
 * The token provider of an account connected with the global client, for zendeskClient: the
 * access token from the store, refreshed under the account's row lock when it is near its end or
 * Zendesk refused it. A refused refresh (invalid_grant: revoked, expired) marks the account
 * disconnected and fails with DisconnectedError; nothing retries it until an admin reconnects.
 */
export function storedTokens(db: Db, keys: readonly Buffer[], accountId: string, base: string, client: GlobalClient, now: () => number = Date.now) {
  let cached: TokenSet | null = null;
  const usable = (t: TokenSet) => t.expires_at === null || now() < t.expires_at - TOKEN_MARGIN_MS;
  const open = (sealed: string) => unseal<TokenSet>(keys, `oauth ${accountId}`, sealed).value;
  const disconnect = (reason: string) => db.query(`UPDATE oauth_tokens SET state = 'disconnected', reason = $2, updated_at = $3 WHERE account_id = $1`, [accountId, reason, now()]);
  // The lock is held for the refresh only; a refused one is recorded after the transaction ends, so it is kept.
  const refresh = async (failed: string | null): Promise<TokenSet> => {
    const r = await db.tx(async (q): Promise<TokenSet | { refused: string }> => {
      const [row] = await q.query<{ sealed: string; state: string }>('SELECT sealed, state FROM oauth_tokens WHERE account_id = $1 FOR UPDATE', [accountId]);
      if (!row || row.state !== 'connected') throw new DisconnectedError(accountId, row ? 'revoked' : 'never connected');
      const have = open(row.sealed);
      // Another instance refreshed while this one waited for the lock: its pair is the one to use.
      if (have.access_token !== failed && usable(have)) return have;
      if (!have.refresh_token) return { refused: 'the token expired and Zendesk gave no refresh token' };
      let next: TokenSet;
      try {
        next = await tokenRequest(base, { grant_type: 'refresh_token', refresh_token: have.refresh_token, client_id: client.id, client_secret: client.secret }, now());
      } catch (e) {
        const grant = (e as { grant?: string }).grant;
        if (!grant) throw e;
        return { refused: `Zendesk refused the refresh (${grant.slice(0, 40)})` };
      }
      // A refresh that answers no new refresh token keeps the one it used.
      if (!next.refresh_token) next = { ...next, refresh_token: have.refresh_token };
      await q.query('UPDATE oauth_tokens SET sealed = $2, updated_at = $3 WHERE account_id = $1', [accountId, seal(keys[0], `oauth ${accountId}`, next), now()]);
      return next;
    });
    if ('refused' in r) {
      await disconnect(r.refused);
      throw new DisconnectedError(accountId, r.refused);
    }
    return r;
  };
  return {
    token: async (): Promise<string> => {
      if (cached && usable(cached)) return cached.access_token;
      const [row] = await db.query<{ sealed: string; state: string }>('SELECT sealed, state FROM oauth_tokens WHERE account_id = $1', [accountId]);
      if (!row || row.state !== 'connected') throw new DisconnectedError(accountId, row ? 'revoked' : 'never connected');
      const stored = open(row.sealed);
      cached = usable(stored) ? stored : await refresh(null);
      return cached.access_token;
    },
    /** Zendesk answered 401 to this token: refresh (once for all the requests that failed with it). */
    invalidate: async (failed: string): Promise<void> => {
      if (cached && cached.access_token !== failed) return;
      cached = await refresh(failed);
    },
  };
}

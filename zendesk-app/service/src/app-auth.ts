import { timingSafeEqual } from 'crypto';
import type { Db } from './db';
import { accountOfSubdomain } from './oauth';
import { tokenHash } from './provision';
import type { Tenants } from './tenants';

/**
 * Who calls the service from the app: through ZAF, with the app's secure setting `service_token`
 * as `Authorization: Bearer` (the service left it there at setup and keeps its hash) and its
 * account's `subdomain` in the query. null for anyone else, who is answered APP_REFUSED and
 * learns nothing of the account.
 */
export async function appCaller(deps: { db: Db; tenants: Tenants }, req: { query: unknown; headers: Record<string, unknown> }): Promise<{ account: string; settings: Record<string, string> } | null> {
  const sub = String((req.query as Record<string, unknown>).subdomain ?? '').trim().toLowerCase();
  const bearer = /^Bearer (\S{16,200})$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const account = bearer ? await accountOfSubdomain(deps.db, sub) : null;
  const settings = account ? await deps.tenants.settingsOf(account).catch(() => null) : null;
  const want = settings?.SLA_APP_TOKEN_SHA256;
  return account && want && bearer && sameHex(tokenHash(bearer), want) ? { account, settings: settings! } : null;
}

export const APP_REFUSED = { error: 'SLA Desk does not know this app: an admin chooses Connect in SLA Desk' };

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

import type { AxiosInstance } from 'axios';
import { LRUCache } from 'lru-cache';
import { configFromEnv, ConfigError, type ServiceConfig } from './config';
import type { Db } from './db';
import { storedTokens, type GlobalClient } from './oauth';
import { seal, unseal } from './sealed';

export { seal, unseal };
import { zendeskClient } from './zendesk';

/**
 * Tenants: one per Zendesk account that installed the app. Each has its own settings, given as the
 * same variables a single-tenant install reads from its environment (ZENDESK_SUBDOMAIN,
 * ZENDESK_CLIENT_ID/SECRET, SLA_WEBHOOK_SECRET, SLA_POLICY or SLA_POLICY_TEXT, SLA_FIELD_IDS, …),
 * kept in the store sealed with AES-256-GCM under SLA_ENCRYPTION_KEY, bound to the account id
 * (GCM's associated data), so the store alone reveals no secret and a row copied onto another
 * account does not open. A single-tenant install configured from the environment is ENV_TENANT.
 */
export const ENV_TENANT = 'env';

/** A pass never waits out a Retry-After: the queue does, without holding a worker slot. */
const SERVICE_CLIENT = { retries: 3, maxDelayMs: 5_000, deferRetryAfter: true };

/** Zendesk account ids: digits, no leading zero (so 0001 and 1 are never two tenants). */
export const ACCOUNT_ID = /^[1-9][0-9]{0,19}$/;
/** How many tenants, and how many unknown account ids, are kept in memory at most. */
const MAX_CACHED = 10_000;
const MISS_TTL_MS = 5_000;
/** Admin tokens shorter than this can be guessed online. */
export const MIN_ADMIN_TOKEN_CHARS = 32;

export type TenantSettings = Record<string, string>;

/** A stored tenant that this instance cannot open now: its deliveries get a 503, which Zendesk retries. */
export class TenantUnavailableError extends Error {
  constructor(readonly accountId: string) {
    super(`tenant ${accountId}: its settings do not open with this instance's SLA_ENCRYPTION_KEY`);
  }
}

/**
 * SLA_ENCRYPTION_KEY: one key, or several separated by commas for a rotation: the first seals,
 * every one opens (rows under an older key are sealed again under the first at start-up). Each is
 * 32 bytes as 64 hex digits or base64; a key with few distinct bytes (all zeros, a repeated
 * pattern) is refused, since no random key looks like that.
 */
export function parseKeys(raw: string | undefined): Buffer[] {
  if (!raw) return [];
  return raw.split(',').map((part, i) => {
    const s = part.trim();
    const name = i === 0 ? 'SLA_ENCRYPTION_KEY' : `SLA_ENCRYPTION_KEY (key ${i + 1})`;
    const key = /^[0-9a-f]{64}$/i.test(s) ? Buffer.from(s, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(s) ? Buffer.from(s, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new ConfigError(`${name}: expected 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)`);
    if (new Set(key).size < 16) throw new ConfigError(`${name}: too weak (few distinct bytes); make one with openssl rand -base64 32`);
    return key;
  });
}

/** The first key, for callers that take one (tests, tools). */
export function parseKey(raw: string | undefined): Buffer | null {
  return parseKeys(raw)[0] ?? null;
}

export function checkAdminToken(token: string | undefined): void {
  if (token === undefined) return;
  // Length alone lets "000…0" through: a random token of this length has far more distinct characters.
  if (token.length < MIN_ADMIN_TOKEN_CHARS || new Set(token).size < 10) throw new ConfigError(`the service is not configured:\n  SLA_ADMIN_TOKEN: at least ${MIN_ADMIN_TOKEN_CHARS} random characters (openssl rand -hex 32)`);
}

/** Checks a tenant's settings as the environment's are checked; the problems name the variables. */
export function tenantConfig(settings: TenantSettings, baseUrlOf?: (subdomain: string) => string): ServiceConfig {
  return configFromEnv({ ...settings, PORT: '0' } as NodeJS.ProcessEnv, { source: 'tenant', baseUrlOf });
}

export interface Tenant {
  id: string;
  cfg: ServiceConfig;
  http: AxiosInstance;
}

/**
 * Tenants by account id, read from the store and cached (an admin's change reaches every instance
 * within a minute, a new account within 5 s). Both caches are bounded: unauthenticated deliveries
 * choose the account id, and must not choose how much memory the service holds.
 */
export class Tenants {
  private cache: LRUCache<string, { t: Tenant }>;
  /** The last tenant built from each sealed row: a re-read that finds the row unchanged keeps its HTTP client and OAuth token. */
  private built = new LRUCache<string, { sealed: string; t: Tenant }>({ max: MAX_CACHED });
  private misses: LRUCache<string, true>;
  private env: Tenant | null = null;
  /** Accounts whose rows did not open at their last look: /healthz fails while there are any. */
  private unopened = new Set<string>();
  get unreadable(): number {
    return this.unopened.size;
  }
  constructor(
    private db: Db,
    private keys: readonly Buffer[],
    envCfg: ServiceConfig | null,
    ttlMs = 60_000,
    private baseUrlOf?: (subdomain: string) => string,
    maxCached = MAX_CACHED,
    /** The global OAuth client, for accounts connected with it (their tokens are in the store). */
    private globalClient?: GlobalClient,
  ) {
    this.cache = new LRUCache({ max: maxCached, ttl: ttlMs });
    this.misses = new LRUCache({ max: maxCached, ttl: MISS_TTL_MS });
    if (envCfg) this.env = { id: ENV_TENANT, cfg: envCfg, http: zendeskClient(envCfg.baseURL, envCfg.auth, SERVICE_CLIENT) };
  }

  /** Drops a tenant from this instance's cache (deleted on another instance). */
  forget(accountId: string): void {
    this.cache.delete(accountId);
    this.built.delete(accountId);
  }

  /** Entries held in memory, tenants and unknown ids (bounded, whatever callers send). */
  cached(): number {
    return this.cache.size + this.misses.size;
  }

  envTenant(): Tenant | null {
    return this.env;
  }

  /**
   * At start-up: every stored row must open, or the service refuses to start (a wrong or missing
   * key would otherwise answer every delivery 503 forever, or drop tenants without a word). Rows
   * from before binding (v1) are sealed again, bound to their account. Rows under an older key of
   * the list stay as they are: other instances may not hold the new key yet. POST
   * /admin/tenants/reseal seals them under the first key once every instance has the new list.
   */
  async open(log: (e: Record<string, string | number | boolean | null>) => void): Promise<{ tenants: number; resealed: number }> {
    const rows = await this.db.query<{ account_id: string; sealed: string }>('SELECT account_id, sealed FROM tenants');
    if (rows.length && !this.keys.length) throw new ConfigError(`the service is not configured:\n  SLA_ENCRYPTION_KEY: the store holds ${rows.length} tenant(s); set the key they were sealed with`);
    const bad: string[] = [];
    let resealed = 0;
    for (const r of rows) {
      let opened: { value: TenantSettings; current: boolean };
      try {
        opened = unseal<TenantSettings>(this.keys, r.account_id, r.sealed);
      } catch {
        bad.push(r.account_id);
        continue;
      }
      if (r.sealed.startsWith('v1:')) {
        await this.db.query('UPDATE tenants SET sealed = $2 WHERE account_id = $1 AND sealed = $3', [r.account_id, seal(this.keys[0], r.account_id, opened.value), r.sealed]);
        resealed++;
      }
      try {
        tenantConfig(opened.value, this.baseUrlOf);
      } catch (e) {
        // Settings that an older version accepted: the tenant stays off until an admin fixes them.
        log({ level: 'error', msg: 'tenant settings refused; its deliveries are refused until fixed', tenant: r.account_id, error: (e as Error).message.slice(0, 500) });
      }
    }
    this.unopened = new Set(bad);
    if (bad.length) throw new ConfigError(`the service is not configured:\n  SLA_ENCRYPTION_KEY: ${bad.length} of ${rows.length} stored tenant(s) do not open with it (a wrong key, or a key missing from the list): account ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}`);
    return { tenants: rows.length, resealed };
  }

  /** The tenant a job belongs to. */
  async byId(id: string): Promise<Tenant | null> {
    return id === ENV_TENANT ? this.envTenant() : this.stored(id);
  }

  /** A stored tenant with this account id, or null. Anything but a well-formed id is null at once. */
  async stored(accountId: string): Promise<Tenant | null> {
    if (!this.keys.length || !ACCOUNT_ID.test(accountId)) return null;
    const hit = this.cache.get(accountId);
    if (hit) return hit.t;
    // An account not (yet) installed is asked again soon: another instance may be adding it now.
    if (this.misses.get(accountId)) return null;
    const [row] = await this.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', [accountId]);
    let t: Tenant | null = null;
    const same = row ? this.built.get(accountId) : undefined;
    if (row && same && same.sealed === row.sealed) {
      this.cache.set(accountId, { t: same.t });
      return same.t;
    }
    if (row) {
      let settings: TenantSettings;
      try {
        // Only bound rows open here: a v1 row (from before binding) written since start is not trusted.
        if (!row.sealed.startsWith('v2:')) throw new Error('not bound to its account');
        settings = unseal<TenantSettings>(this.keys, accountId, row.sealed).value;
      } catch {
        // The account is a tenant, but this instance cannot open it (a key it lacks): Zendesk retries a 503.
        this.unopened.add(accountId);
        throw new TenantUnavailableError(accountId);
      }
      this.unopened.delete(accountId);
      try {
        const cfg = tenantConfig(settings, this.baseUrlOf);
        t = { id: accountId, cfg, http: this.clientOf(accountId, cfg) };
        this.built.set(accountId, { sealed: row.sealed, t });
      } catch {
        t = null;
      }
    }
    if (t) this.cache.set(accountId, { t });
    else this.misses.set(accountId, true);
    return t;
  }

  /** A tenant's Zendesk client: its own credentials, or the store's tokens of the global OAuth client. */
  private clientOf(accountId: string, cfg: ServiceConfig): AxiosInstance {
    if (!cfg.globalOauth) return zendeskClient(cfg.baseURL, cfg.auth, SERVICE_CLIENT);
    if (!this.globalClient) throw new ConfigError(`tenant ${accountId} is connected with the global OAuth client, which this instance is not given (SLA_OAUTH_CLIENT_ID, SLA_OAUTH_CLIENT_SECRET, SLA_PUBLIC_URL)`);
    return zendeskClient(cfg.baseURL, { ...cfg.auth, tokens: storedTokens(this.db, this.keys, accountId, cfg.baseURL, this.globalClient) }, SERVICE_CLIENT);
  }

  /** Seals every row under the first key (after a rotation, once every instance holds the new list). */
  async reseal(): Promise<{ resealed: number; current: number }> {
    const rows = await this.db.query<{ account_id: string; sealed: string }>('SELECT account_id, sealed FROM tenants');
    let resealed = 0;
    for (const r of rows) {
      const opened = unseal<TenantSettings>(this.keys, r.account_id, r.sealed);
      if (opened.current) continue;
      await this.db.query('UPDATE tenants SET sealed = $2 WHERE account_id = $1 AND sealed = $3', [r.account_id, seal(this.keys[0], r.account_id, opened.value), r.sealed]);
      resealed++;
    }
    return { resealed, current: rows.length - resealed };
  }

  /** A stored tenant's settings as they were put, or null (what connect.ts keeps when it follows the app). */
  async settingsOf(accountId: string): Promise<TenantSettings | null> {
    if (!this.keys.length || !ACCOUNT_ID.test(accountId)) return null;
    const [row] = await this.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', [accountId]);
    return row ? unseal<TenantSettings>(this.keys, accountId, row.sealed).value : null;
  }

  async put(accountId: string, settings: TenantSettings): Promise<ServiceConfig> {
    if (!this.keys.length) throw new ConfigError('SLA_ENCRYPTION_KEY is not set: this service keeps no tenants');
    if (!ACCOUNT_ID.test(accountId)) throw new ConfigError('account id: expected the Zendesk account id (digits, no leading zero), as in x-zendesk-account-id');
    const cfg = tenantConfig(settings, this.baseUrlOf);
    await this.db.query('INSERT INTO tenants (account_id, sealed, updated_at) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at', [accountId, seal(this.keys[0], accountId, settings), Date.now()]);
    this.cache.delete(accountId);
    this.built.delete(accountId);
    this.misses.delete(accountId);
    return cfg;
  }

  /** A tenant and everything the store holds for it (timelines with override reasons, snapshots, Outcomes, jobs, deliveries), in one transaction. */
  async remove(accountId: string): Promise<boolean> {
    if (!ACCOUNT_ID.test(accountId)) return false;
    const removed = await this.db.tx(async (q) => {
      for (const table of ['jobs', 'tickets', 'deliveries', 'watermarks', 'settings_seen', 'ladder_notices', 'outcomes', 'report_access', 'outcome_history']) await q.query(`DELETE FROM ${table} WHERE tenant = $1`, [accountId]);
      await q.query('DELETE FROM oauth_tokens WHERE account_id = $1', [accountId]);
      return (await q.query('DELETE FROM tenants WHERE account_id = $1 RETURNING 1 AS one', [accountId])).length > 0;
    });
    this.forget(accountId);
    return removed;
  }

  /** Every tenant this instance serves: the environment's and the stored ones that open (the catch-up reads each). */
  async all(): Promise<Tenant[]> {
    const out: Tenant[] = this.env ? [this.env] : [];
    if (!this.keys.length) return out;
    const rows = await this.db.query<{ account_id: string }>('SELECT account_id FROM tenants ORDER BY account_id');
    for (const r of rows) {
      const t = await this.stored(r.account_id).catch(() => null);
      if (t) out.push(t);
    }
    return out;
  }
}

import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';
import type { AxiosInstance } from 'axios';
import { configFromEnv, ConfigError, type ServiceConfig } from './config';
import type { Db } from './db';
import { zendeskClient } from './zendesk';

/**
 * Tenants: one per Zendesk account that installed the app. Each has its own settings, given as the
 * same variables a single-tenant install reads from its environment (ZENDESK_SUBDOMAIN,
 * ZENDESK_CLIENT_ID/SECRET, SLA_WEBHOOK_SECRET, SLA_POLICY or SLA_POLICY_TEXT, SLA_FIELD_IDS, …),
 * kept in the store sealed with AES-256-GCM under SLA_ENCRYPTION_KEY (32 bytes, base64 or hex,
 * from the environment). The store alone reveals no secret. A single-tenant install configured
 * from the environment is the tenant ENV_TENANT.
 */
export const ENV_TENANT = 'env';

/** A pass retries a quick failure at once; a long Retry-After goes back to the queue, which waits it out. */
const SERVICE_CLIENT = { retries: 3, maxDelayMs: 5_000, deferLongWaits: true };

export type TenantSettings = Record<string, string>;

export function parseKey(raw: string | undefined): Buffer | null {
  if (!raw) return null;
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('SLA_ENCRYPTION_KEY: expected 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)');
  return key;
}

export function seal(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return `v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
}

export function unseal<T>(key: Buffer, sealed: string): T {
  if (!sealed.startsWith('v1:')) throw new Error('sealed tenant settings: unknown format');
  const raw = Buffer.from(sealed.slice(3), 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as T;
}

/** Checks a tenant's settings as the environment's are checked; the problems name the variables. */
export function tenantConfig(settings: TenantSettings): ServiceConfig {
  return configFromEnv({ ...settings, PORT: '0' } as NodeJS.ProcessEnv);
}

export interface Tenant {
  id: string;
  cfg: ServiceConfig;
  http: AxiosInstance;
}

/** Tenants by account id, read from the store and cached for a minute (an admin's change reaches every instance within it; a new account within 5 s). */
export class Tenants {
  private cache = new Map<string, { t: Tenant | null; until: number }>();
  constructor(
    private db: Db,
    private key: Buffer | null,
    private env: ServiceConfig | null,
    private ttlMs = 60_000,
  ) {}

  envTenant(): Tenant | null {
    if (!this.env) return null;
    const hit = this.cache.get(`\0${ENV_TENANT}`);
    if (hit) return hit.t;
    const t = { id: ENV_TENANT, cfg: this.env, http: zendeskClient(this.env.baseURL, this.env.auth, SERVICE_CLIENT) };
    this.cache.set(`\0${ENV_TENANT}`, { t, until: Infinity });
    return t;
  }

  /** The tenant a job belongs to. */
  async byId(id: string): Promise<Tenant | null> {
    return id === ENV_TENANT ? this.envTenant() : this.stored(id);
  }

  /** A stored tenant with this account id, or null. */
  async stored(accountId: string): Promise<Tenant | null> {
    if (!this.key || accountId === ENV_TENANT) return null;
    const hit = this.cache.get(accountId);
    if (hit && hit.until > Date.now()) return hit.t;
    const [row] = await this.db.query<{ sealed: string }>('SELECT sealed FROM tenants WHERE account_id = $1', [accountId]);
    let t: Tenant | null = null;
    if (row) {
      const cfg = tenantConfig(unseal<TenantSettings>(this.key, row.sealed));
      t = { id: accountId, cfg, http: zendeskClient(cfg.baseURL, cfg.auth, SERVICE_CLIENT) };
    }
    // An account not (yet) installed is asked again soon: another instance may be adding it now.
    this.cache.set(accountId, { t, until: Date.now() + (t ? this.ttlMs : Math.min(this.ttlMs, 5_000)) });
    return t;
  }

  async put(accountId: string, settings: TenantSettings): Promise<ServiceConfig> {
    if (!this.key) throw new ConfigError('SLA_ENCRYPTION_KEY is not set: this service keeps no tenants');
    if (!/^[0-9]{1,20}$/.test(accountId)) throw new ConfigError('account id: expected the Zendesk account id (digits), as in x-zendesk-account-id');
    const cfg = tenantConfig(settings);
    await this.db.query('INSERT INTO tenants (account_id, sealed, updated_at) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at', [accountId, seal(this.key, settings), Date.now()]);
    this.cache.delete(accountId);
    return cfg;
  }

  async remove(accountId: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM tenants WHERE account_id = $1 RETURNING 1 AS one', [accountId]);
    this.cache.delete(accountId);
    return r.length > 0;
  }
}

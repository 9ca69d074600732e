import { configFromEnv, ConfigError, type ServiceConfig } from './config';
import { startService, type GlobalOAuthOptions } from './server';
import { checkAdminToken, parseKeys } from './tenants';

/**
 * `npm run service -w zendesk-app`: the webhook service, configured from the environment.
 *  - one account: the ZENDESK_* and SLA_* variables (docs/service.md);
 *  - many accounts: SLA_ENCRYPTION_KEY and SLA_ADMIN_TOKEN, tenants added with PUT /admin/tenants/<account id>
 *    (the single account of the environment may be configured too).
 * The store: DATABASE_URL (PostgreSQL), else PGlite in SLA_DATA_DIR (default ./sla-desk-data).
 */
async function main() {
  const env = process.env;
  const keys = parseKeys(env.SLA_ENCRYPTION_KEY);
  const single = !!(env.ZENDESK_SUBDOMAIN || env.ZENDESK_BASE_URL || !keys.length);
  const cfg: ServiceConfig | null = single ? configFromEnv(env) : null;
  if (keys.length && !env.SLA_ADMIN_TOKEN) throw new ConfigError('the service is not configured:\n  SLA_ADMIN_TOKEN: required with SLA_ENCRYPTION_KEY (tenants are added through /admin/tenants)');
  checkAdminToken(env.SLA_ADMIN_TOKEN || undefined);
  const port = Number(env.PORT ?? 8080);
  const int = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^[0-9]{1,9}$/.test(v)) throw new ConfigError(`the service is not configured:\n  ${name}: expected a whole number`);
    return Number(v);
  };
  // Tests and the workbench only: where tenants' subdomains live, as a URL with {subdomain}.
  const template = env.SLA_TENANT_BASE_URL;
  if (template !== undefined && !/^https?:\/\/[^\s]*\{subdomain\}/.test(template)) throw new ConfigError('the service is not configured:\n  SLA_TENANT_BASE_URL: expected an http(s) URL with {subdomain} in it');
  const globalOauth = globalOauthFromEnv(env, keys.length > 0);
  const s = await startService(cfg, {
    ...(globalOauth ? { globalOauth } : {}),
    host: env.HOST ?? '0.0.0.0',
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATABASE_URL ? undefined : (env.SLA_DATA_DIR ?? 'sla-desk-data'),
    encryptionKeys: keys,
    adminToken: env.SLA_ADMIN_TOKEN || undefined,
    instanceId: env.SLA_INSTANCE_ID || undefined,
    pollMs: int('SLA_POLL_MS'),
    leaseMs: int('SLA_LEASE_MS'),
    catchUpMs: int('SLA_CATCH_UP_MS'),
    maxConnectionsPerClient: int('SLA_MAX_CONNECTIONS_PER_CLIENT'),
    slotsPerTenant: int('SLA_SLOTS_PER_TENANT'),
    notifyAllowHosts: (env.SLA_NOTIFY_ALLOW_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    ...(template ? { tenantBaseUrl: (sub: string) => template.replace('{subdomain}', sub) } : {}),
    // SLA_WORKER=false: this instance only answers webhooks; others work the queue.
    worker: env.SLA_WORKER !== 'false',
  });
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: s.url, store: s.db.kind, policy: cfg?.policy.id ?? null, tenants: keys.length > 0 })}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The hosted service's Marketplace connection: Zendesk's global OAuth client (its Unique
 * Identifier starts with zdg-), where Zendesk reaches this service, and the app's id. All or none.
 */
function globalOauthFromEnv(env: NodeJS.ProcessEnv, keys: boolean): GlobalOAuthOptions | null {
  const names = ['SLA_OAUTH_CLIENT_ID', 'SLA_OAUTH_CLIENT_SECRET', 'SLA_PUBLIC_URL', 'SLA_APP_ID'] as const;
  const set = names.filter((n) => env[n]);
  if (!set.length) return null;
  const problems: string[] = [];
  for (const n of names) if (!env[n]) problems.push(`${n}: required with ${set[0]} (the Marketplace connection takes all four)`);
  if (!keys) problems.push('SLA_ENCRYPTION_KEY: required with the Marketplace connection (each account\'s tokens are sealed with it)');
  const id = env.SLA_OAUTH_CLIENT_ID ?? '';
  if (id && !/^zdg-[A-Za-z0-9_-]{1,100}$/.test(id)) problems.push('SLA_OAUTH_CLIENT_ID: expected the global OAuth client\'s Unique Identifier, starting with zdg-');
  let publicUrl = (env.SLA_PUBLIC_URL ?? '').replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    // Zendesk calls it and redirects admins to it: https, but for a local run on loopback.
    if (!(u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(u.hostname))) || u.search || u.hash) throw new Error();
  } catch {
    if (env.SLA_PUBLIC_URL) problems.push('SLA_PUBLIC_URL: expected the service\'s https URL, like https://sla-desk.example.com');
    publicUrl = '';
  }
  const appId = Number(env.SLA_APP_ID);
  if (env.SLA_APP_ID && !(Number.isSafeInteger(appId) && appId > 0)) problems.push('SLA_APP_ID: expected the Marketplace app\'s id (a number)');
  if (problems.length) throw new ConfigError(`the service is not configured:\n  ${problems.join('\n  ')}`);
  return { client: { id, secret: env.SLA_OAUTH_CLIENT_SECRET!, redirectUri: `${publicUrl}/oauth/callback` }, publicUrl, appId };
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(2);
});

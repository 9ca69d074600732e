import { configFromEnv, ConfigError, type ServiceConfig } from './config';
import { startService } from './server';
import { parseKey } from './tenants';

/**
 * `npm run service -w zendesk-app`: the webhook service, configured from the environment.
 *  - one account: the ZENDESK_* and SLA_* variables (docs/service.md);
 *  - many accounts: SLA_ENCRYPTION_KEY and SLA_ADMIN_TOKEN, tenants added with PUT /admin/tenants/<account id>
 *    (the single account of the environment may be configured too).
 * The store: DATABASE_URL (PostgreSQL), else PGlite in SLA_DATA_DIR (default ./sla-desk-data).
 */
async function main() {
  const env = process.env;
  const key = parseKey(env.SLA_ENCRYPTION_KEY);
  const single = !!(env.ZENDESK_SUBDOMAIN || env.ZENDESK_BASE_URL || !key);
  const cfg: ServiceConfig | null = single ? configFromEnv(env) : null;
  if (key && !env.SLA_ADMIN_TOKEN) throw new ConfigError('the service is not configured:\n  SLA_ADMIN_TOKEN: required with SLA_ENCRYPTION_KEY (tenants are added through /admin/tenants)');
  const port = Number(env.PORT ?? 8080);
  const s = await startService(cfg, {
    host: env.HOST ?? '0.0.0.0',
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATABASE_URL ? undefined : (env.SLA_DATA_DIR ?? 'sla-desk-data'),
    encryptionKey: key,
    adminToken: env.SLA_ADMIN_TOKEN || undefined,
    instanceId: env.SLA_INSTANCE_ID || undefined,
    pollMs: env.SLA_POLL_MS ? Number(env.SLA_POLL_MS) : undefined,
    leaseMs: env.SLA_LEASE_MS ? Number(env.SLA_LEASE_MS) : undefined,
    // SLA_WORKER=false: this instance only answers webhooks; others work the queue.
    worker: env.SLA_WORKER !== 'false',
  });
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: s.url, store: s.db.kind, policy: cfg?.policy.id ?? null, tenants: !!key })}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(2);
});

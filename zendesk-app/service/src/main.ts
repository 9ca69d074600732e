import { configFromEnv, ConfigError } from './config';
import { startService } from './server';

/** `npm run service -w zendesk-app`: the webhook service, configured from the environment. */
try {
  const cfg = configFromEnv(process.env);
  void startService(cfg, { host: process.env.HOST ?? '0.0.0.0' }).then((s) => process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: s.url, policy: cfg.policy.id })}\n`));
} catch (e) {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(2);
}

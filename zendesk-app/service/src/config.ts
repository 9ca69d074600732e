import { parsePolicy, type Policy } from '@sla-desk/core';
import { loadPolicy } from '@sla-desk/core/dist/presets';
import { existsSync, readFileSync } from 'fs';
import type { FieldIds } from '../../src/zaf/fields';
import type { ZendeskAuth } from './zendesk';

/** The service's configuration, from environment variables only (secrets never go in files). */
export interface ServiceConfig {
  baseURL: string;
  auth: ZendeskAuth;
  webhookSecret: string;
  policy: Policy;
  fieldIds: FieldIds;
  leadGroupIds: number[];
  lockPriority: boolean;
  /** The API user's id: its own writes end the webhook loop without a read. */
  serviceUserId: number | null;
  port: number;
  /** Where a Slack-compatible notice of each transition is POSTed (optional). */
  notifyUrl?: string;
}

export class ConfigError extends Error {}

export function configFromEnv(env: NodeJS.ProcessEnv, opts: { webhook?: boolean } = {}): ServiceConfig {
  const problems: string[] = [];
  const need = (name: string) => {
    const v = env[name];
    if (!v) problems.push(`${name}: required`);
    return v ?? '';
  };
  const baseURL = env.ZENDESK_BASE_URL ?? (env.ZENDESK_SUBDOMAIN ? `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com` : (problems.push('ZENDESK_SUBDOMAIN: required (or ZENDESK_BASE_URL)'), ''));
  const auth = { email: env.ZENDESK_EMAIL, apiToken: env.ZENDESK_API_TOKEN, oauthToken: env.ZENDESK_OAUTH_TOKEN, clientId: env.ZENDESK_CLIENT_ID, clientSecret: env.ZENDESK_CLIENT_SECRET, scope: env.ZENDESK_OAUTH_SCOPE };
  if (!!auth.clientId !== !!auth.clientSecret) problems.push('ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET: set both, or neither');
  if (!(auth.clientId && auth.clientSecret) && !auth.oauthToken && !(auth.email && auth.apiToken)) problems.push('ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET (OAuth), or ZENDESK_EMAIL and ZENDESK_API_TOKEN (until 2027-04-30), or ZENDESK_OAUTH_TOKEN: required');
  // The backfill calls Zendesk but receives no webhooks, so it needs no signing secret.
  const webhookSecret = opts.webhook === false ? '' : need('SLA_WEBHOOK_SECRET');
  let policy: Policy | undefined;
  const ref = env.SLA_POLICY ?? 'kiwi-stage-plus';
  try {
    if (env.SLA_POLICY_TEXT) {
      // A tenant's policy, kept in the store as text (YAML or JSON).
      const parsed = parsePolicy(env.SLA_POLICY_TEXT);
      if (!parsed.policy) problems.push(...parsed.problems.map((p) => `SLA_POLICY_TEXT: ${p.path}: ${p.message}`));
      policy = parsed.policy;
    } else if (existsSync(ref)) {
      const parsed = parsePolicy(readFileSync(ref, 'utf8'));
      if (!parsed.policy) problems.push(...parsed.problems.map((p) => `SLA_POLICY ${ref}: ${p.path}: ${p.message}`));
      policy = parsed.policy;
    } else policy = loadPolicy(ref);
  } catch (e) {
    problems.push(`SLA_POLICY: ${(e as Error).message}`);
  }
  let fieldIds: FieldIds = { due: {}, source: 'settings', missing: [] };
  try {
    const raw = JSON.parse(env.SLA_FIELD_IDS ?? '{}') as Record<string, number>;
    fieldIds = { impact: raw.impact, urgency: raw.urgency, tier: raw.tier, state: raw.state, priority: raw.priority, due: {}, source: 'settings', missing: [] };
    for (const [k, v] of Object.entries(raw)) if (k.startsWith('due_')) fieldIds.due[k.slice(4)] = v;
  } catch {
    problems.push('SLA_FIELD_IDS: expected JSON like {"impact":11,"urgency":12,"tier":13,"state":14,"due_first_response":15}');
  }
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0) problems.push(`PORT: expected a port number, got "${env.PORT}"`);
  if (env.SLA_NOTIFY_URL && !/^https?:\/\//.test(env.SLA_NOTIFY_URL)) problems.push('SLA_NOTIFY_URL: expected an http(s) URL');
  if (problems.length) throw new ConfigError(`the service is not configured:\n  ${problems.join('\n  ')}`);
  return {
    baseURL,
    auth,
    webhookSecret,
    policy: policy!,
    fieldIds,
    leadGroupIds: (env.SLA_LEAD_GROUP_IDS ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0),
    lockPriority: env.SLA_LOCK_PRIORITY === 'true',
    serviceUserId: env.ZENDESK_SERVICE_USER_ID ? Number(env.ZENDESK_SERVICE_USER_ID) : null,
    port,
    ...(env.SLA_NOTIFY_URL ? { notifyUrl: env.SLA_NOTIFY_URL } : {}),
  };
}

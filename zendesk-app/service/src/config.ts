import { checkPolicyText, type Policy } from '@sla-desk/core';
import { DEFAULT_PRESET, listPresets, PRESET_DIR, readPolicyFile, resolvePolicyPath } from '@sla-desk/core/dist/presets';
import { existsSync } from 'fs';
import { join } from 'path';
import type { FieldIds } from '../../src/zaf/fields';
import { parseTierSource, type TierSource } from '../../src/sla/tier-source';
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
  /** Where the Tier comes from, in the words of the sidebar's tier_source setting (SLA_TIER_SOURCE); absent, the Tier field. */
  tierSource?: TierSource;
  /** The API user's id: its own writes end the webhook loop without a read. */
  serviceUserId: number | null;
  port: number;
  /** Where a Slack-compatible notice of each transition is POSTed (optional). */
  notifyUrl?: string;
  /** A tenant connected with the global OAuth client: its tokens are in the store (oauth.ts). */
  globalOauth?: boolean;
}

export class ConfigError extends Error {}

/**
 * Where settings come from. The operator's environment may name a policy file and any Zendesk
 * address (tests, the workbench, a proxy); a tenant's settings are typed by whoever holds the admin
 * token for that account, so they may name neither a path on this server nor an address.
 */
export type SettingsSource = 'env' | 'tenant';

/** Zendesk subdomains: lower-case letters, digits and hyphens (what fits in <it>.zendesk.com and nothing else). */
export const SUBDOMAIN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A Zendesk webhook's signing secret is long and random; a short one can be guessed offline from one delivery. */
export const MIN_SECRET_CHARS = 16;
const ID = /^[1-9][0-9]{0,15}$/;
/** SLA_FIELD_IDS keys, as in the sidebar's field_ids setting, and where each goes. */
const FIELD_KEYS: Record<string, 'impact' | 'urgency' | 'tier' | 'state' | 'priority' | 'versionReleased' | 'level' | 'nextBreach'> = { impact: 'impact', urgency: 'urgency', tier: 'tier', state: 'state', priority: 'priority', version_released: 'versionReleased', level: 'level', next_breach: 'nextBreach' };

export function configFromEnv(env: NodeJS.ProcessEnv, opts: { webhook?: boolean; source?: SettingsSource; baseUrlOf?: (subdomain: string) => string } = {}): ServiceConfig {
  const source = opts.source ?? 'env';
  const problems: string[] = [];
  const need = (name: string) => {
    const v = env[name];
    if (!v) problems.push(`${name}: required`);
    return v ?? '';
  };
  const baseURL = baseUrlFrom(env, source, opts.baseUrlOf, problems);
  const auth = { email: env.ZENDESK_EMAIL, apiToken: env.ZENDESK_API_TOKEN, oauthToken: env.ZENDESK_OAUTH_TOKEN, clientId: env.ZENDESK_CLIENT_ID, clientSecret: env.ZENDESK_CLIENT_SECRET, scope: env.ZENDESK_OAUTH_SCOPE };
  if (!!auth.clientId !== !!auth.clientSecret) problems.push('ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET: set both, or neither');
  // An account connected with the global OAuth client: its tokens are in the store (oauth.ts), never in its settings.
  const global = source === 'tenant' && env.ZENDESK_AUTH === 'global_oauth';
  if (env.ZENDESK_AUTH !== undefined && !global) problems.push('ZENDESK_AUTH: only global_oauth, set by the service itself when an account connects');
  if (!global && !(auth.clientId && auth.clientSecret) && !auth.oauthToken && !(auth.email && auth.apiToken)) problems.push('ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET (OAuth), or ZENDESK_EMAIL and ZENDESK_API_TOKEN (until 2027-04-30), or ZENDESK_OAUTH_TOKEN: required');
  // The backfill calls Zendesk but receives no webhooks, so it needs no signing secret.
  const webhookSecret = opts.webhook === false ? '' : need('SLA_WEBHOOK_SECRET');
  if (webhookSecret && (webhookSecret.length < MIN_SECRET_CHARS || new Set(webhookSecret).size < 8)) problems.push(`SLA_WEBHOOK_SECRET: expected the webhook's signing secret (at least ${MIN_SECRET_CHARS} random characters), got ${webhookSecret.length} characters`);
  const policy = policyFrom(env, source, problems);
  const fieldIds = fieldIdsFrom(env.SLA_FIELD_IDS, problems);
  const port = Number(env.PORT ?? 8080);
  if (!/^[0-9]{1,5}$/.test(env.PORT ?? '8080') || port > 65_535) problems.push(`PORT: expected a port number (0-65535)`);
  const notifyUrl = env.SLA_NOTIFY_URL || undefined;
  if (notifyUrl) {
    const u = parseUrl(notifyUrl);
    // Checked again after DNS, at each send (notify.ts): a name may point anywhere later.
    if (!u || (u.protocol !== 'https:' && !(source === 'env' && u.protocol === 'http:'))) problems.push(`SLA_NOTIFY_URL: expected an https URL`);
  }
  const leadGroupIds = idList(env.SLA_LEAD_GROUP_IDS, 'SLA_LEAD_GROUP_IDS', problems);
  const serviceUser = env.ZENDESK_SERVICE_USER_ID;
  if (serviceUser && !ID.test(serviceUser)) problems.push('ZENDESK_SERVICE_USER_ID: expected the API user\'s id (digits)');
  if (env.SLA_LOCK_PRIORITY !== undefined && env.SLA_LOCK_PRIORITY !== 'true' && env.SLA_LOCK_PRIORITY !== 'false' && env.SLA_LOCK_PRIORITY !== '') problems.push('SLA_LOCK_PRIORITY: expected true or false');
  const tier = parseTierSource(env.SLA_TIER_SOURCE, 'SLA_TIER_SOURCE');
  if (tier.problem) problems.push(tier.problem);
  if (problems.length) throw new ConfigError(`the service is not configured:\n  ${problems.join('\n  ')}`);
  return {
    baseURL,
    auth,
    webhookSecret,
    policy: policy!,
    fieldIds,
    leadGroupIds,
    lockPriority: env.SLA_LOCK_PRIORITY === 'true',
    tierSource: tier.source,
    serviceUserId: serviceUser ? Number(serviceUser) : null,
    port,
    ...(notifyUrl ? { notifyUrl } : {}),
    ...(global ? { globalOauth: true } : {}),
  };
}

function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/**
 * The Zendesk address. A tenant names only its subdomain, so the service talks to
 * https://<subdomain>.zendesk.com and nowhere else; the environment may give a whole base URL
 * (http or https, for tests and the workbench), or a template for tenants' subdomains.
 */
function baseUrlFrom(env: NodeJS.ProcessEnv, source: SettingsSource, baseUrlOf: ((s: string) => string) | undefined, problems: string[]): string {
  if (env.ZENDESK_BASE_URL !== undefined) {
    if (source === 'tenant') {
      problems.push('ZENDESK_BASE_URL: not a tenant setting; give ZENDESK_SUBDOMAIN');
      return '';
    }
    const u = parseUrl(env.ZENDESK_BASE_URL);
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) {
      problems.push('ZENDESK_BASE_URL: expected an http(s) URL like https://acme.zendesk.com');
      return '';
    }
    return env.ZENDESK_BASE_URL.replace(/\/+$/, '');
  }
  const sub = env.ZENDESK_SUBDOMAIN;
  if (!sub) {
    problems.push(source === 'tenant' ? 'ZENDESK_SUBDOMAIN: required' : 'ZENDESK_SUBDOMAIN: required (or ZENDESK_BASE_URL)');
    return '';
  }
  if (!SUBDOMAIN.test(sub)) {
    problems.push('ZENDESK_SUBDOMAIN: expected the subdomain alone, as in acme for acme.zendesk.com (lower-case letters, digits, hyphens)');
    return '';
  }
  return baseUrlOf ? baseUrlOf(sub) : `https://${sub}.zendesk.com`;
}

/**
 * The policy: a preset id, the policy's text (SLA_POLICY_TEXT), or, from the environment only, a
 * file, read with the policy's size cap. Every one goes through core's checkPolicyText, the same
 * check as `sla check`, the sidebar's settings and Forge's setConfig: a lint error refuses it too.
 */
/** The policy a tenant's settings choose, or null with the problems that say why not. */
export function tenantPolicy(settings: NodeJS.ProcessEnv): { policy: Policy | null; problems: string[] } {
  const problems: string[] = [];
  return { policy: policyFrom(settings, 'tenant', problems) ?? null, problems };
}

function policyFrom(env: NodeJS.ProcessEnv, source: SettingsSource, problems: string[]): Policy | undefined {
  const ref = env.SLA_POLICY ?? DEFAULT_PRESET;
  let text: string;
  let name = 'SLA_POLICY_TEXT';
  try {
    if (env.SLA_POLICY_TEXT) text = env.SLA_POLICY_TEXT;
    else {
      name = 'SLA_POLICY';
      // A tenant's SLA_POLICY is never a path: the answer would tell what exists on this disk.
      const preset = /^[a-z0-9-]{1,64}$/.test(ref) ? join(PRESET_DIR, `${ref}.yaml`) : null;
      if (source === 'tenant' && !(preset && existsSync(preset))) {
        problems.push(`SLA_POLICY: expected a preset id (${listPresets().map((p) => p.id).join(', ')}); give any other policy as SLA_POLICY_TEXT`);
        return undefined;
      }
      text = readPolicyFile(source === 'tenant' ? preset! : resolvePolicyPath(ref));
    }
  } catch (e) {
    problems.push(`SLA_POLICY: ${(e as Error).message}`);
    return undefined;
  }
  const checked = checkPolicyText(text);
  const errors = checked.problems.filter((p) => p.level === 'error');
  problems.push(...errors.map((p) => `${name}: ${p.path || '(top)'}: ${p.message}`));
  return errors.length ? undefined : checked.policy;
}

function fieldIdsFrom(raw: string | undefined, problems: string[]): FieldIds {
  const ids: FieldIds = { due: {}, source: 'settings', missing: [] };
  const example = 'SLA_FIELD_IDS: expected JSON like {"impact":11,"urgency":12,"tier":13,"state":14,"due_first_response":15}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '{}');
  } catch {
    problems.push(example);
    return ids;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(example);
    return ids;
  }
  for (const [k, v] of Object.entries(parsed)) {
    const id = typeof v === 'number' ? v : typeof v === 'string' && ID.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(id) || id <= 0) problems.push(`SLA_FIELD_IDS.${k}: expected a field id (a positive integer)`);
    else if (k.startsWith('due_') && k.length > 4) ids.due[k.slice(4)] = id;
    else if (Object.hasOwn(FIELD_KEYS, k)) ids[FIELD_KEYS[k]] = id;
    else problems.push(`SLA_FIELD_IDS.${k}: unknown key (known: ${Object.keys(FIELD_KEYS).join(', ')}, due_<metric>)`);
  }
  return ids;
}

function idList(raw: string | undefined, name: string, problems: string[]): number[] {
  if (!raw || !raw.trim()) return [];
  const parts = raw.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !ID.test(p));
  if (bad.length) problems.push(`${name}: expected group ids (digits) separated by commas; ${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} not`);
  return parts.filter((p) => ID.test(p)).map(Number);
}

import type { AxiosInstance } from 'axios';
import { createHash, randomBytes } from 'crypto';
import type { TenantSettings } from './tenants';
import { statusOf } from './zendesk';
import { tenantPolicy } from './config';
import { metricsWithoutDueField } from '../../src/zaf/setup';
import { settingIds } from '../../src/zaf/fields';

/**
 * What an admin used to do by hand, done by the service once the account is connected, through
 * Zendesk's documented APIs (each call names its API):
 *  - the app's installation (Apps API): its settings, the one configuration the sidebar and the
 *    service both follow, and its requirements: the account id and the ids of the app's fields;
 *  - a webhook that points at the service (Webhooks API), adopted when one with its name and
 *    endpoint exists, its signing secret read from the API, and a trigger that calls it on every
 *    ticket created or updated (Triggers API), adopted by its title. Running it again makes nothing twice.
 */
/** Not requirements.json's "SLA Desk service" (the self-hosted placeholder, whose secret Zendesk does not reveal to anyone). */
export const WEBHOOK_NAME = 'SLA Desk hosted service';
export const TRIGGER_TITLE = 'SLA Desk: evaluate the ticket (hosted service)';

export interface Provisioned {
  accountId: string;
  installationId: number;
  /** The installation's updated_at: a later one means its settings may have changed. */
  settingsAt: string;
  webhookId: string;
  triggerId: number;
  settings: TenantSettings;
}

export class SetupError extends Error {
  /** `what` says what the admin does about it. */
  constructor(message: string, readonly what: string) {
    super(message);
  }
}

interface Installation {
  id: number;
  app_id: number;
  enabled?: boolean;
  settings?: Record<string, unknown>;
  updated_at?: string;
}

/** The app's installation on this account (Apps API, List App Installations). */
export async function findInstallation(http: AxiosInstance, appId: number): Promise<Installation> {
  const r = await http.get('/api/v2/apps/installations.json');
  const list = (r.data?.installations ?? []) as Installation[];
  const mine = list.find((i) => Number(i.app_id) === appId);
  if (!mine) throw new SetupError(`SLA Desk (app ${appId}) is not installed on this account`, 'Install SLA Desk from the Zendesk Marketplace, then connect it again.');
  if (mine.enabled === false) throw new SetupError('SLA Desk is installed but disabled', 'Enable SLA Desk under Admin Center > Apps and integrations > Zendesk Support apps.');
  return mine;
}

/** requirements.json's identifiers -> the service's SLA_FIELD_IDS keys. */
const FIELD_KEY: Record<string, string> = { sla_impact: 'impact', sla_urgency: 'urgency', sla_tier: 'tier', sla_state: 'state', sla_priority: 'priority', sla_level: 'level', sla_version_released: 'version_released', sla_next_breach: 'next_breach' };

/** The account id and the app's fields, from the installation's requirements (Apps API, List Requirements). */
export async function requirementsOf(http: AxiosInstance, installationId: number): Promise<{ accountId: string; fieldIds: Record<string, number> }> {
  const r = await http.get(`/api/v2/apps/installations/${installationId}/requirements.json`);
  const rows = (r.data?.requirements ?? []) as { account_id?: number | string; identifier?: string; requirement_id?: number; requirement_type?: string }[];
  const account = rows.find((x) => x.account_id !== undefined)?.account_id;
  if (account === undefined) throw new SetupError('the installation lists no requirements', 'Reinstall SLA Desk: its fields were not created.');
  const fieldIds: Record<string, number> = {};
  for (const x of rows) {
    if (x.requirement_type !== 'ticket_fields' || typeof x.identifier !== 'string' || typeof x.requirement_id !== 'number') continue;
    if (FIELD_KEY[x.identifier]) fieldIds[FIELD_KEY[x.identifier]] = x.requirement_id;
    else if (x.identifier.startsWith('sla_due_')) fieldIds[`due_${x.identifier.slice('sla_due_'.length)}`] = x.requirement_id;
  }
  return { accountId: String(account), fieldIds };
}

/** The webhook to the service: adopted by name and endpoint, else created; active; its secret (Webhooks API). */
export async function ensureWebhook(http: AxiosInstance, endpoint: string): Promise<{ id: string; secret: string }> {
  const r = await http.get('/api/v2/webhooks', { params: { 'filter[name_contains]': WEBHOOK_NAME } });
  const found = ((r.data?.webhooks ?? []) as { id: string; name?: string; endpoint?: string; status?: string }[]).find((w) => w.name === WEBHOOK_NAME && w.endpoint === endpoint);
  let id = found?.id;
  if (!id) {
    const c = await http.post('/api/v2/webhooks', { webhook: { name: WEBHOOK_NAME, endpoint, http_method: 'POST', request_format: 'json', status: 'active', subscriptions: ['conditional_ticket_events'], description: 'Ticket events for the SLA Desk service, set up by the service itself.' } });
    id = String(c.data?.webhook?.id);
  } else if (found?.status !== 'active') {
    await http.patch(`/api/v2/webhooks/${encodeURIComponent(id)}`, { webhook: { status: 'active' } });
  }
  const s = await http.get(`/api/v2/webhooks/${encodeURIComponent(id)}/signing_secret`);
  const secret = s.data?.signing_secret?.secret;
  if (typeof secret !== 'string' || !secret) throw new SetupError('Zendesk did not give the webhook\'s signing secret', 'Check that the connection was allowed the webhooks scope, then connect again.');
  return { id, secret };
}

/** The trigger that calls the webhook on every ticket created or updated: adopted by title, else created; active (Triggers API). */
export async function ensureTrigger(http: AxiosInstance, webhookId: string): Promise<number> {
  const conditions = { all: [], any: [{ field: 'update_type', operator: 'is', value: 'Create' }, { field: 'update_type', operator: 'is', value: 'Change' }] };
  const actions = [{ field: 'notification_webhook', value: [webhookId, '{"ticket_id": "{{ticket.id}}"}'] }];
  const r = await http.get('/api/v2/triggers/search.json', { params: { query: TRIGGER_TITLE } });
  const found = ((r.data?.triggers ?? []) as { id: number; title?: string }[]).find((t) => t.title === TRIGGER_TITLE);
  if (found) {
    // Its conditions and actions are set again as a whole (Update Trigger replaces both): one pointing at an old webhook is mended.
    await http.put(`/api/v2/triggers/${found.id}.json`, { trigger: { title: TRIGGER_TITLE, active: true, conditions, actions } });
    return found.id;
  }
  const c = await http.post('/api/v2/triggers.json', { trigger: { title: TRIGGER_TITLE, active: true, conditions, actions, description: 'Set up by the SLA Desk service: sends each ticket change to it.' } });
  return Number(c.data?.trigger?.id);
}

/**
 * The app's settings as the service's: the same policy (a preset or the pasted document), the
 * priority lock, the tier source and the triage-lead groups (names resolved to ids through the
 * Groups API, since the sidebar takes either), with the fields the install created.
 */
export async function settingsFromApp(http: AxiosInstance, app: Record<string, unknown>, fieldIds: Record<string, number>): Promise<TenantSettings> {
  const text = (k: string) => (typeof app[k] === 'string' ? (app[k] as string).trim() : '');
  const out: TenantSettings = {};
  if (text('policy_document')) out.SLA_POLICY_TEXT = text('policy_document');
  else out.SLA_POLICY = text('policy_preset') || 'kiwi-stage-plus';
  if (app.lock_priority === true || app.lock_priority === 'true') out.SLA_LOCK_PRIORITY = 'true';
  if (text('tier_source')) out.SLA_TIER_SOURCE = text('tier_source');
  const leads = text('lead_groups').split(',').map((g) => g.trim()).filter(Boolean);
  if (leads.length) out.SLA_LEAD_GROUP_IDS = (await groupIds(http, leads)).join(',');
  // The field_ids setting holds the due fields the setup made (setup.ts) and, for an app run under
  // zcli apps:server, every id; it never overrides what the install created.
  out.SLA_FIELD_IDS = JSON.stringify({ ...positiveIds(settingIds(app.field_ids)), ...fieldIds });
  return out;
}

// SLA_FIELD_IDS refuses an id that is not positive: such an entry of the setting is left out.
function positiveIds(s: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && Number.isSafeInteger(v) && v > 0)) as Record<string, number>;
}

/**
 * The Metrics of the tenant's policy with no due field: the install creates the default policy's,
 * and the app's admin page, opened by an admin, creates the others (src/zaf/setup.ts) and saves
 * their ids in the field_ids setting. The service does not make them itself: creating ticket fields
 * needs the broad `write` scope, which the service does not ask for. Its status says what to do.
 */
export function metricsWithoutField(settings: TenantSettings): string[] {
  const { policy } = tenantPolicy(settings as NodeJS.ProcessEnv);
  if (!policy) return [];
  let ids: Record<string, unknown> = {};
  try {
    ids = JSON.parse(settings.SLA_FIELD_IDS ?? '{}') as Record<string, unknown>;
  } catch {
    // A broken SLA_FIELD_IDS is the configuration's own error, reported where the tenant loads.
  }
  const known = Object.fromEntries(Object.entries(ids).filter(([k, v]) => k.startsWith('due_') && typeof v === 'number').map(([k, v]) => [k.slice(4), v as number]));
  return metricsWithoutDueField(policy, known).map((m) => policy.metrics[m].label);
}

/** Group names or ids -> ids (Groups API, List Groups); an unknown name is left out. */
async function groupIds(http: AxiosInstance, names: readonly string[]): Promise<string[]> {
  const ids = names.filter((n) => /^\d+$/.test(n));
  const wanted = names.filter((n) => !/^\d+$/.test(n));
  if (!wanted.length) return ids;
  let url: string | null = '/api/v2/groups.json';
  for (let page = 0; url && page < 50; page++) {
    const r: { data?: { groups?: { id: number; name: string }[]; next_page?: string | null } } = await http.get(url);
    for (const g of r.data?.groups ?? []) if (wanted.includes(g.name)) ids.push(String(g.id));
    url = r.data?.next_page ?? null;
  }
  return [...new Set(ids)];
}

export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The whole setup, idempotent: what the callback runs after a connection, and what a reconnection runs again. */
export async function provision(http: AxiosInstance, opts: { appId: number; subdomain: string; webhookUrl: string }): Promise<Provisioned> {
  const inst = await findInstallation(http, opts.appId);
  const { accountId, fieldIds } = await requirementsOf(http, inst.id);
  let hook: { id: string; secret: string };
  let triggerId: number;
  try {
    hook = await ensureWebhook(http, opts.webhookUrl);
    triggerId = await ensureTrigger(http, hook.id);
  } catch (e) {
    const s = statusOf(e);
    if (s === 403) throw new SetupError('Zendesk refused to set up the webhook or the trigger (403)', 'Connect again as an admin, allowing every permission SLA Desk asks for.');
    throw e;
  }
  // The app shows the connection's health from the service: it asks with a token the service
  // leaves in the app's secure setting `service_token` (Apps API, Update App Installation), which
  // ZAF puts into the request for it (a secure setting never reaches the browser). The service
  // keeps only its hash.
  const appToken = randomBytes(32).toString('base64url');
  await http.put(`/api/v2/apps/installations/${inst.id}.json`, { settings: { service_token: appToken } });
  // The admin who connected is the service's identity: its own writes are not an agent's (OAuth Tokens API, Show Token).
  const me = await http.get('/api/v2/oauth/tokens/current.json');
  const userId = me.data?.token?.user_id;
  const settings: TenantSettings = { ...(await settingsFromApp(http, inst.settings ?? {}, fieldIds)), ZENDESK_SUBDOMAIN: opts.subdomain, SLA_WEBHOOK_SECRET: hook.secret, ZENDESK_AUTH: 'global_oauth', ZENDESK_WEBHOOK_ID: hook.id, SLA_APP_TOKEN_SHA256: tokenHash(appToken) };
  if (typeof userId === 'number') settings.ZENDESK_SERVICE_USER_ID = String(userId);
  return { accountId, installationId: inst.id, settingsAt: String(inst.updated_at ?? ''), webhookId: hook.id, triggerId, settings };
}

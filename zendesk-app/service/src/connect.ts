import type { AxiosInstance } from 'axios';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from './db';
import type { Log } from './log';
import { appCaller, APP_REFUSED } from './app-auth';
import { accountOfSubdomain, beginConnect, connectionState, exchangeCode, saveTokens, takeState, type GlobalClient } from './oauth';
import { findInstallation, provision, settingsFromApp, requirementsOf, SetupError, metricsWithoutField } from './provision';
import { queueReadsOfAll } from './queue';
import { exportTenant } from './retention';
import { requeueIfSettingsChanged } from './reevaluate';
import { escapeHtml } from './html';
import { decideSignIn } from './report-access';
import { isLeadOf, userGroups, type Group } from '../../src/zaf/leads';
import type { Tenant, Tenants } from './tenants';
import { statusOf, zendeskClient } from './zendesk';

/**
 * The hosted service's Marketplace connection (SLA_OAUTH_CLIENT_ID, SLA_OAUTH_CLIENT_SECRET,
 * SLA_PUBLIC_URL, SLA_APP_ID): an admin opens GET /connect?subdomain=<theirs> from the app, allows
 * SLA Desk on their own Zendesk's consent page, and comes back to GET /oauth/callback. The service
 * then sets itself up (provision.ts) and keeps the account's tokens sealed in the store. Nothing
 * is copied by hand.
 */
export interface GlobalOAuthOptions {
  client: GlobalClient;
  /** Where Zendesk reaches this service (the webhook's endpoint is `<publicUrl>/webhook`). */
  publicUrl: string;
  /** The Marketplace app's id: its installation holds the settings the service follows. */
  appId: number;
}

export interface ConnectDeps {
  db: Db;
  tenants: Tenants;
  keys: readonly Buffer[];
  log: Log;
  /** A subdomain's Zendesk (https://<subdomain>.zendesk.com; tests give the emulator). */
  baseOf: (subdomain: string) => string;
}

/** The settings that say which installation an account's are read from, and as of when. */
const INSTALLATION = 'ZENDESK_APP_INSTALLATION_ID';
const SETTINGS_AT = 'ZENDESK_APP_SETTINGS_AT';

export function registerConnect(app: FastifyInstance, deps: ConnectDeps, opts: GlobalOAuthOptions): void {
  app.get('/connect', async (req, reply) => {
    const sub = String((req.query as Record<string, unknown>).subdomain ?? '').trim().toLowerCase();
    try {
      return reply.redirect(await beginConnect(deps.db, opts.client, sub, deps.baseOf));
    } catch (e) {
      return page(reply, 400, 'SLA Desk could not start connecting', (e as Error).message, 'Open SLA Desk from your Zendesk (Admin Center > Apps) and choose Connect again.');
    }
  });

  // An export or a disconnection, asked for on the app's page: the admin confirms it by signing in
  // to their Zendesk (the callback checks, with the token that gives, that they are an admin).
  app.get('/app/confirm', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const sub = String(q.subdomain ?? '').trim().toLowerCase();
    const action = String(q.action ?? '');
    if (action !== 'export' && action !== 'disconnect' && action !== 'report') return page(reply, 400, 'SLA Desk does not know this action', 'action: expected export, disconnect or report.', 'Choose the button again on SLA Desk\'s page in Zendesk.');
    // The report's sign-in names the one the page began (report-access.ts); its reference is no secret.
    const ref = action === 'report' ? String(q.ref ?? '') : null;
    if (ref !== null && !/^[A-Za-z0-9_-]{20,64}$/.test(ref)) return page(reply, 400, 'This sign-in link is not whole', 'ref: expected the reference SLA Desk\'s page gave.', 'Choose "Sign in to see the report" again on SLA Desk\'s page in Zendesk.');
    try {
      return reply.redirect(await beginConnect(deps.db, opts.client, sub, deps.baseOf, Date.now(), action, ref));
    } catch (e) {
      return page(reply, 400, 'SLA Desk could not start', (e as Error).message, 'Open SLA Desk\'s page in your Zendesk and choose the button again.');
    }
  });

  app.get('/oauth/callback', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const state = await takeState(deps.db, String(q.state ?? ''));
    if (!state) return page(reply, 400, 'This connection link has expired', 'It was used already, or it is more than 10 minutes old.', 'Choose Connect again in SLA Desk.');
    if (q.error) return page(reply, 403, state.action === 'connect' ? 'SLA Desk was not connected' : 'Nothing was done', `Zendesk answered: ${String(q.error).slice(0, 40)}.`, state.action === 'connect' ? 'To connect, choose Connect again and allow SLA Desk on the page Zendesk shows.' : 'To go on, choose the button again in SLA Desk and allow it on the page Zendesk shows.');
    if (state.action === 'report') return reportSignedIn(deps, opts, reply, state, String(q.code ?? ''));
    if (state.action !== 'connect') return confirmed(deps, opts, reply, state as typeof state & { action: 'export' | 'disconnect' }, String(q.code ?? ''));
    const base = deps.baseOf(state.subdomain);
    try {
      const tokens = await exchangeCode(base, opts.client, String(q.code ?? ''), state.verifier);
      // The setup runs on the token just granted; afterwards the tenant's client refreshes it from the store.
      const http = zendeskClient(base, { oauthToken: tokens.access_token }, { retries: 2 });
      const p = await provision(http, { appId: opts.appId, subdomain: state.subdomain, webhookUrl: `${opts.publicUrl}/webhook` });
      await saveTokens(deps.db, deps.keys, p.accountId, tokens, Date.now(), state.subdomain);
      await deps.tenants.put(p.accountId, { ...p.settings, [INSTALLATION]: String(p.installationId), [SETTINGS_AT]: p.settingsAt });
      // What the tickets are evaluated under, from now: the next change of the app's settings is
      // compared with it. Tickets the store keeps (a reconnection) are read again at once; those
      // opened before the first connection, by the catch-up.
      const tenant = await deps.tenants.stored(p.accountId);
      if (tenant) await requeueIfSettingsChanged(deps.db, p.accountId, tenant.cfg, Date.now(), deps.log);
      await queueReadsOfAll(deps.db, p.accountId, Date.now());
      deps.log({ level: 'info', msg: 'account connected', tenant: p.accountId, webhook: p.webhookId, trigger: p.triggerId });
      return page(reply, 200, `SLA Desk is connected to ${state.subdomain}`, 'The webhook and the trigger are active, and the service follows the app\'s settings.', 'You can close this page. New and updated tickets now get their SLA within seconds.');
    } catch (e) {
      const status = statusOf(e);
      deps.log({ level: 'warn', msg: 'connection failed', subdomain: state.subdomain, status, error: (e as Error).message.slice(0, 200) });
      if (e instanceof SetupError) return page(reply, 409, 'SLA Desk could not set itself up', e.message, e.what);
      return page(reply, 502, 'SLA Desk could not connect', status ? `Zendesk answered ${status}.` : 'Zendesk did not answer.', 'Choose Connect again in a minute. If it keeps failing, write to SLA Desk support with the time it happened.');
    }
  });
}

/**
 * GET /app/status?subdomain=…: the connection's health, for the app's admin page. The app asks
 * through ZAF with its secure setting `service_token` as the bearer (the service left it there at
 * setup and keeps its hash); anyone else gets a 401 and learns nothing of the account. Every
 * problem comes with what to do about it.
 */
export function registerStatus(app: FastifyInstance, deps: ConnectDeps): void {
  app.get('/app/status', async (req, reply) => {
    const who = await appCaller(deps, req);
    return who ? status(deps, who.account, who.settings) : reply.code(401).send(APP_REFUSED);
  });
}

/**
 * An admin's confirmed export or disconnection. The token of the confirmation says who signed in
 * (Users API, Show the Currently Authenticated User); it is revoked at once, whatever the answer.
 * The app's own token cannot do either: every agent's browser can send it, and only an admin may.
 */
async function confirmed(deps: ConnectDeps, opts: GlobalOAuthOptions, reply: FastifyReply, state: { subdomain: string; verifier: string; action: 'export' | 'disconnect' }, code: string) {
  const what = state.action === 'export' ? 'export what SLA Desk keeps' : 'disconnect SLA Desk and delete its data';
  const me = await signedIn(deps, opts, state, code, false).catch((e: unknown) => e);
  if (me instanceof Error || !me) return cannotCheck(reply, me);
  const role = (me as SignedIn).role;
  if (role !== 'admin') return page(reply, 403, `Only an admin can ${what}`, `You signed in to ${state.subdomain} as ${role === 'agent' ? 'an agent' : 'a user who is not an admin'}.`, 'Ask an admin of your Zendesk to choose the button.');
  const account = await accountOfSubdomain(deps.db, state.subdomain);
  if (!account) return page(reply, 404, `SLA Desk keeps nothing about ${state.subdomain}`, 'The account is not connected to the hosted service, or its data was deleted already.', 'Nothing to do.');
  if (state.action === 'export') {
    deps.log({ level: 'info', msg: 'account exported on request', tenant: account });
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="sla-desk-${state.subdomain}.json"`)
      .send(JSON.stringify(await exportTenant(deps.db, deps.tenants, account), null, 2));
  }
  // The service's own access is revoked at Zendesk (by its id: revoking "current" was reported not to work), then everything the store holds goes.
  const tenant = await deps.tenants.stored(account).catch(() => null);
  if (tenant) await revokeCurrent(tenant.http).catch((e) => deps.log({ level: 'warn', msg: 'token not revoked at Zendesk', tenant: account, status: statusOf(e) }));
  await deps.tenants.remove(account);
  deps.log({ level: 'info', msg: 'account disconnected and deleted on request', tenant: account });
  return page(reply, 200, `SLA Desk is disconnected from ${state.subdomain}`, 'Its access to your Zendesk is revoked, and everything the service kept about the account is deleted.', 'The sidebar goes on working without the service. To connect again, choose Connect in SLA Desk.');
}

interface SignedIn {
  id: number;
  role: unknown;
  groups: Group[];
}

/**
 * Who signed in, asked with the sign-in's own token (Users API, Show the Currently Authenticated
 * User; and, for an agent, their groups: Groups API, List Groups of a user), so that Zendesk says
 * it as that user. The token is revoked at once, whatever the answer.
 */
async function signedIn(deps: ConnectDeps, opts: GlobalOAuthOptions, state: { subdomain: string; verifier: string }, code: string, withGroups: boolean): Promise<SignedIn> {
  const base = deps.baseOf(state.subdomain);
  const tokens = await exchangeCode(base, opts.client, code, state.verifier);
  const http = zendeskClient(base, { oauthToken: tokens.access_token }, { retries: 1 });
  try {
    const user = (await http.get('/api/v2/users/me.json')).data?.user ?? {};
    const id = Number(user.id);
    const groups = withGroups && user.role === 'agent' && Number.isSafeInteger(id) ? await userGroups(async (p) => (await http.get(p)).data, id) : [];
    return { id, role: user.role, groups };
  } finally {
    await revokeCurrent(http).catch((e) => deps.log({ level: 'warn', msg: 'confirmation token not revoked', subdomain: state.subdomain, status: statusOf(e) }));
  }
}

function cannotCheck(reply: FastifyReply, e: unknown) {
  return page(reply, 502, 'SLA Desk could not check who you are', statusOf(e) ? `Zendesk answered ${statusOf(e)}.` : 'Zendesk did not answer.', 'Choose the button again in a minute.');
}

/**
 * The report's sign-in: granted to an admin, or to an agent in one of the account's triage-lead
 * groups, who is the user the page began it for; the page's secret then opens the report.
 */
async function reportSignedIn(deps: ConnectDeps, opts: GlobalOAuthOptions, reply: FastifyReply, state: { subdomain: string; verifier: string; ref: string | null }, code: string) {
  const me = await signedIn(deps, opts, state, code, true).catch((e: unknown) => e);
  if (me instanceof Error || !me) return cannotCheck(reply, me);
  const who = me as SignedIn;
  const account = await accountOfSubdomain(deps.db, state.subdomain);
  const tenant = account ? await deps.tenants.stored(account).catch(() => null) : null;
  const lead = isLeadOf(typeof who.role === 'string' ? who.role : undefined, who.groups, (tenant?.cfg.leadGroupIds ?? []).map(String));
  const decided = state.ref ? await decideSignIn(deps.db, state.ref, { tenant: account, userId: who.id, lead }, Date.now()) : null;
  if (!decided) return page(reply, 400, 'This sign-in has expired', 'It was used already, or it is more than 10 minutes old.', 'Choose "Sign in to see the report" again on SLA Desk\'s page in Zendesk.');
  deps.log({ level: 'info', msg: `report sign-in ${decided.state}`, tenant: account });
  if (decided.state === 'refused') return page(reply, 403, 'The SLA report is for admins and triage leads', `You signed in to ${state.subdomain}, but SLA Desk found you ${decided.reason}.`, decided.reason?.startsWith('signed in as another') ? 'Sign in to Zendesk as the user SLA Desk\'s page is open for, then choose the button again.' : 'Ask an admin to add you to a triage-lead group (the app\'s lead_groups setting), then sign in again.');
  return page(reply, 200, 'You are signed in to the SLA report', 'SLA Desk\'s page in Zendesk now shows the report, for the next 8 hours.', 'You can close this window.');
}

/** OAuth Tokens API: Show Token (current), then Revoke Token by its id. */
async function revokeCurrent(http: { get: AxiosInstance['get']; delete: AxiosInstance['delete'] }): Promise<void> {
  const me = await http.get('/api/v2/oauth/tokens/current.json');
  if (me.data?.token?.id) await http.delete(`/api/v2/oauth/tokens/${encodeURIComponent(String(me.data.token.id))}.json`);
}

async function status(deps: ConnectDeps, account: string, settings: Record<string, string>) {
  const conn = await connectionState(deps.db, account);
  const [q] = await deps.db.query<{ parked: number; queued: number; last: string | number | null; read: string | number | null }>(
    `SELECT (SELECT count(*)::int FROM jobs WHERE tenant = $1 AND state = 'parked') AS parked,
            (SELECT count(*)::int FROM jobs WHERE tenant = $1 AND state = 'queued') AS queued,
            (SELECT max(received_at) FROM deliveries WHERE tenant = $1) AS last,
            (SELECT max(read_at) FROM tickets WHERE tenant = $1) AS read`,
    [account],
  );
  const [history] = await deps.db.query<{ state: 'running' | 'done'; read_count: number; kept_count: number }>('SELECT state, read_count, kept_count FROM outcome_history WHERE tenant = $1', [account]);
  let webhook: 'active' | 'inactive' | 'missing' | 'unknown' = 'unknown';
  const tenant = conn?.state === 'connected' ? await deps.tenants.stored(account).catch(() => null) : null;
  if (tenant && settings.ZENDESK_WEBHOOK_ID) {
    try {
      const r = await tenant.http.get(`/api/v2/webhooks/${encodeURIComponent(settings.ZENDESK_WEBHOOK_ID)}`);
      webhook = r.data?.webhook?.status === 'active' ? 'active' : 'inactive';
    } catch (e) {
      if (statusOf(e) === 404) webhook = 'missing';
    }
  }
  const todo: string[] = [];
  if (conn?.state !== 'connected') todo.push(`Zendesk refused SLA Desk's access (${conn?.reason ?? 'revoked'}): an admin chooses Connect again.`);
  if (webhook === 'inactive' || webhook === 'missing') todo.push(`The webhook to the service is ${webhook}: choose Connect again, and the service sets it up again.`);
  const unfielded = metricsWithoutField(settings);
  if (unfielded.length) todo.push(`The policy's ${unfielded.join(', ')} ${unfielded.length === 1 ? 'has' : 'have'} no due field yet: an admin opens SLA Desk's page in Zendesk (the SLA Desk icon in the left bar) and chooses Create the fields.`);
  if (q.parked) todo.push(`${q.parked} ticket${q.parked === 1 ? ' is' : 's are'} waiting on a failed update: reconnect, or write to SLA Desk support with this page.`);
  const at = (v: string | number | null) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
  // The reports' history (history.ts): null until the worker's first round for the account.
  const reportHistory = history ? { state: history.state, ticketsRead: history.read_count, ticketsKept: history.kept_count } : null;
  return { connected: conn?.state === 'connected', webhook, lastDelivery: at(q.last) ?? at(q.read), parkedJobs: q.parked, queuedJobs: q.queued, metricsWithoutField: unfielded, reportHistory, todo };
}

/**
 * The app's settings, followed: for an account connected with the global client, its
 * installation is read again (each minute, by the worker) and, when its updated_at moved, its
 * settings become the tenant's. The settings fingerprint (reevaluate.ts) then queues every ticket
 * the store keeps for a new evaluation.
 */
export async function followAppSettings(deps: Pick<ConnectDeps, 'tenants' | 'log'>, tenant: Tenant, appId: number): Promise<boolean> {
  const stored = await deps.tenants.settingsOf(tenant.id);
  if (!stored || stored.ZENDESK_AUTH !== 'global_oauth') return false;
  const inst = await findInstallation(tenant.http, appId);
  if (String(inst.updated_at ?? '') === stored[SETTINGS_AT] && String(inst.id) === stored[INSTALLATION]) return false;
  const { fieldIds } = await requirementsOf(tenant.http, inst.id);
  const fromApp = await settingsFromApp(tenant.http, inst.settings ?? {}, fieldIds);
  // What the connection set (subdomain, signing secret, identity) stays; what the admin chose is the app's.
  const keep = Object.fromEntries(Object.entries(stored).filter(([k]) => ['ZENDESK_SUBDOMAIN', 'SLA_WEBHOOK_SECRET', 'ZENDESK_AUTH', 'ZENDESK_SERVICE_USER_ID', 'ZENDESK_WEBHOOK_ID', 'SLA_APP_TOKEN_SHA256'].includes(k)));
  await deps.tenants.put(tenant.id, { ...keep, ...fromApp, [INSTALLATION]: String(inst.id), [SETTINGS_AT]: String(inst.updated_at ?? '') });
  deps.log({ level: 'info', msg: 'app settings followed', tenant: tenant.id });
  return true;
}

function page(reply: FastifyReply, status: number, title: string, what: string, next: string) {
  const t = escapeHtml(title);
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
    .send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${t}</title><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5"><h1>${t}</h1><p>${escapeHtml(what)}</p><p>${escapeHtml(next)}</p></body></html>`);
}

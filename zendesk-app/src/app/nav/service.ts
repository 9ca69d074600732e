import type { ZafClient } from '../../zaf/types';
import type { AdminApi } from '../../zaf/setup';

/**
 * What SLA Desk's page asks of the hosted service and of Zendesk. The service is reached through
 * Zendesk's proxy with the secure setting `service_token` as the bearer: the service left it in
 * the installation when it set itself up, and it never reaches the browser. The page's requests to
 * Zendesk act as the signed-in user, so Zendesk itself refuses an agent what only admins may do.
 */

export interface ServiceStatus {
  connected: boolean;
  webhook: 'active' | 'inactive' | 'missing' | 'unknown';
  lastDelivery: string | null;
  parkedJobs: number;
  queuedJobs: number;
  metricsWithoutField: string[];
  /** The report's history of tickets settled before the connection (docs/service.md): null until it starts. */
  reportHistory?: { state: 'running' | 'done'; ticketsRead: number; ticketsKept: number } | null;
  todo: string[];
}

export type StatusAnswer = { kind: 'none' } | { kind: 'not_connected' } | { kind: 'ok'; status: ServiceStatus } | { kind: 'error'; message: string };

/** The service's address from the service_url setting: https only, no path beyond the service's own. */
export function serviceUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  try {
    const u = new URL(raw.trim());
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && /^(localhost|127\.0\.0\.1)$/.test(u.hostname))) return null;
    return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/** A request of the service's path through Zendesk's proxy, with the app's token as the bearer (and the report's sign-in, when given). */
export function serviceRequest<T = unknown>(client: ZafClient, service: string, path: string, opts: { type?: 'GET' | 'POST'; session?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Authorization: 'Bearer {{setting.service_token}}' };
  if (opts.session) headers['X-SLA-Report-Session'] = opts.session;
  return client.request<T>({ url: `${service}${path}`, type: opts.type ?? 'GET', headers, secure: true });
}

/** The report's sign-in, as the service answers it (service/src/report-access.ts). */
export interface SignInBegun {
  url: string;
  secret: string;
  expiresAt: string;
}
export interface SignInState {
  state: 'pending' | 'granted' | 'refused';
  reason?: string;
  expiresAt: string;
}

export const beginReportSignIn = (client: ZafClient, service: string, subdomain: string, userId: number) =>
  serviceRequest<SignInBegun>(client, service, `/app/report/sign-in?subdomain=${encodeURIComponent(subdomain)}&user=${encodeURIComponent(String(userId))}`, { type: 'POST' });

/** null once the sign-in is unknown to the service (expired, or never begun). */
export async function reportSignInState(client: ZafClient, service: string, subdomain: string, secret: string): Promise<SignInState | null> {
  try {
    return await serviceRequest<SignInState>(client, service, `/app/report/sign-in?subdomain=${encodeURIComponent(subdomain)}`, { session: secret });
  } catch (e) {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  }
}

export async function fetchStatus(client: ZafClient, service: string | null, subdomain: string): Promise<StatusAnswer> {
  if (!service) return { kind: 'none' };
  try {
    const status = await serviceRequest<ServiceStatus>(client, service, `/app/status?subdomain=${encodeURIComponent(subdomain)}`);
    return { kind: 'ok', status };
  } catch (e) {
    const code = (e as { status?: number }).status;
    if (code === 401) return { kind: 'not_connected' };
    return { kind: 'error', message: code ? `The service answered ${code}.` : 'The service did not answer.' };
  }
}

/** The service's pages an admin opens in a new tab: connecting, and the actions Zendesk's sign-in confirms. */
export const connectUrl = (service: string, subdomain: string) => `${service}/connect?subdomain=${encodeURIComponent(subdomain)}`;
export const confirmUrl = (service: string, subdomain: string, action: 'export' | 'disconnect') => `${service}/app/confirm?subdomain=${encodeURIComponent(subdomain)}&action=${action}`;

/** Zendesk's REST API through ZAF, as the signed-in user, for the setup (setup.ts). */
export function zafAdminApi(client: ZafClient): AdminApi {
  const json = (type: 'POST' | 'PUT', url: string, body: unknown) => client.request({ url, type, contentType: 'application/json', data: JSON.stringify(body) });
  return { get: (url) => client.request({ url, type: 'GET' }), post: (url, body) => json('POST', url, body), put: (url, body) => json('PUT', url, body) };
}

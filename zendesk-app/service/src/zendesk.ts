import axios, { AxiosError, type AxiosInstance } from 'axios';
import { Agent as HttpAgent } from 'http';
import { Agent as HttpsAgent } from 'https';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import { retryAfterMs } from '@sla-desk/core';

/**
 * The service's Zendesk REST client (axios). A 429 waits for Retry-After; a 5xx, and a dropped
 * connection on a read, back off exponentially with jitter (axios-retry). A write is not retried
 * after a dropped connection, because Zendesk may have applied it; the caller re-reads instead.
 */
export interface ZendeskAuth {
  email?: string;
  apiToken?: string;
  oauthToken?: string;
  /** An OAuth client with the client-credentials grant (POST /oauth/tokens): what Zendesk wants now that API tokens end. */
  clientId?: string;
  clientSecret?: string;
  /** The scope asked for; "read write" by default. */
  scope?: string;
  /** A token provider of its own (an account connected with the global OAuth client: oauth.ts). */
  tokens?: { token(): Promise<string>; invalidate(failed: string): void | Promise<void> };
}

/** Fetch a new token this long before the cached one expires. */
export const TOKEN_MARGIN_MS = 60_000;

export interface ZendeskTicket {
  id: number;
  status: string;
  priority: string | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  updated_at: string;
  /** The requester's organization, where SLA_TIER_SOURCE reads the tier. */
  organization_id?: number | null;
  /** Whose zone the app's notes give their instants in (Show User's iana_time_zone). */
  assignee_id?: number | null;
}

export class ZendeskApiError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
    /** Zendesk's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** The Retry-After of a failed call, in ms, or null. */
export function retryAfterOf(e: unknown): number | null {
  if (e instanceof ZendeskApiError) return e.retryAfterMs;
  return retryAfterMs((e as AxiosError)?.response?.headers?.['retry-after']) ?? null;
}

/**
 * deferRetryAfter: an answer with a Retry-After is not waited out here but thrown to the caller
 * (the service's queue schedules the job for then and frees the worker slot meanwhile).
 */
export function zendeskClient(baseURL: string, auth: ZendeskAuth, opts: { retries?: number; maxDelayMs?: number; deferLongWaits?: boolean; deferRetryAfter?: boolean } = {}): AxiosInstance {
  const headers: Record<string, string> = {};
  const oauth = auth.tokens ?? (auth.clientId && auth.clientSecret ? clientCredentials(baseURL, auth.clientId, auth.clientSecret, auth.scope ?? 'read write') : null);
  if (oauth) {
    // the token is set per request, below
  } else if (auth.oauthToken) headers.Authorization = `Bearer ${auth.oauthToken}`;
  else if (auth.email && auth.apiToken) headers.Authorization = `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`).toString('base64')}`;
  else throw new Error('Zendesk credentials: set ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET, or ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN');
  // Keep-alive: a webhook costs two reads and a write, and a new TLS connection for each would cost more than the work.
  // No redirects: a 3xx would carry the credentials (and a 307 the body) to wherever it points.
  const http = axios.create({ baseURL, headers, timeout: 30_000, maxRedirects: 0, httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) });
  if (oauth) {
    http.interceptors.request.use(async (config) => {
      config.headers.set('Authorization', `Bearer ${await oauth.token()}`);
      return config;
    });
    // A 401 means the token was revoked or expired early: fetch a new one, once, and try again.
    http.interceptors.response.use(undefined, async (e: AxiosError) => {
      const config = e.config as (AxiosError['config'] & { _reauth?: boolean }) | undefined;
      if (e.response?.status !== 401 || !config || config._reauth) throw e;
      config._reauth = true;
      // Only the token that failed is dropped: requests that failed together fetch one new token.
      await oauth.invalidate(String(config.headers?.Authorization ?? '').replace(/^Bearer /, ''));
      return http.request(config);
    });
  }
  const maxDelay = opts.maxDelayMs ?? 60_000;
  axiosRetry(http, {
    retries: opts.retries ?? 6,
    retryCondition: (e: AxiosError) => {
      const s = e.response?.status;
      // The service's queue waits out a long Retry-After itself, without holding a worker.
      const after = retryAfterMs(e.response?.headers?.['retry-after']);
      if (opts.deferRetryAfter && after !== null && after !== undefined) return false;
      if (opts.deferLongWaits && (after ?? 0) > maxDelay) return false;
      if (s === 429 || (s !== undefined && s >= 500)) return true;
      return !e.response && (e.config?.method ?? 'get').toLowerCase() === 'get';
    },
    retryDelay: (count: number, e: AxiosError) => {
      const after = retryAfterMs(e.response?.headers?.['retry-after']);
      return Math.min(maxDelay, after ?? exponentialDelay(count, e, 100));
    },
  });
  return http;
}

/** The HTTP status of a failed call, or null for a connection that dropped. */
export function statusOf(e: unknown): number | null {
  return (e as AxiosError)?.response?.status ?? null;
}

/**
 * Zendesk's client-credentials grant (OAuth Tokens API: POST /oauth/tokens with grant_type
 * client_credentials, client_id, client_secret, scope). The token is kept until TOKEN_MARGIN_MS
 * before it expires; concurrent callers share one request for a new one.
 */
export function clientCredentials(baseURL: string, clientId: string, clientSecret: string, scope: string, now: () => number = Date.now) {
  let cached: { token: string; until: number } | null = null;
  let inflight: Promise<string> | null = null;
  const fetchToken = async () => {
    let r;
    try {
      r = await axios.post(`${baseURL}/oauth/tokens`, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope }, { timeout: 30_000, maxRedirects: 0 });
    } catch (e) {
      const s = statusOf(e);
      throw new ZendeskApiError(s, `OAuth token request failed: ${s ?? 'connection dropped'}${s === 400 || s === 401 ? ' (check ZENDESK_CLIENT_ID and ZENDESK_CLIENT_SECRET, and that the client is confidential)' : ''}`);
    }
    const token = r.data?.access_token;
    if (typeof token !== 'string' || !token) throw new ZendeskApiError(r.status, 'OAuth token response without access_token');
    // expires_in is in seconds; a token without one is treated as lasting an hour.
    const life = typeof r.data.expires_in === 'number' ? r.data.expires_in * 1000 : 3_600_000;
    cached = { token, until: now() + Math.max(0, life - TOKEN_MARGIN_MS) };
    return token;
  };
  return {
    token: async (): Promise<string> => {
      if (cached && now() < cached.until) return cached.token;
      inflight ??= fetchToken().finally(() => (inflight = null));
      return inflight;
    },
    invalidate: (failed?: string) => {
      if (!failed || cached?.token === failed) cached = null;
    },
  };
}

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
}

export interface ZendeskTicket {
  id: number;
  status: string;
  priority: string | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  updated_at: string;
}

export class ZendeskApiError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

export function zendeskClient(baseURL: string, auth: ZendeskAuth, opts: { retries?: number; maxDelayMs?: number } = {}): AxiosInstance {
  const headers: Record<string, string> = {};
  if (auth.oauthToken) headers.Authorization = `Bearer ${auth.oauthToken}`;
  else if (auth.email && auth.apiToken) headers.Authorization = `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`).toString('base64')}`;
  else throw new Error('Zendesk credentials: set ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN');
  // Keep-alive: a webhook costs two reads and a write, and a new TLS connection for each would cost more than the work.
  const http = axios.create({ baseURL, headers, timeout: 30_000, httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) });
  const maxDelay = opts.maxDelayMs ?? 60_000;
  axiosRetry(http, {
    retries: opts.retries ?? 6,
    retryCondition: (e: AxiosError) => {
      const s = e.response?.status;
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

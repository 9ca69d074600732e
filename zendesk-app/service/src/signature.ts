import { createHmac, timingSafeEqual } from 'crypto';

/** How far a webhook's timestamp may be from now: older deliveries are replays, newer ones a skewed clock. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * Verifies X-Zendesk-Webhook-Signature against the raw body. Zendesk documents the signature as
 * base64(HMAC-SHA256(timestamp + body)), but the worked example on its docs page verifies only with
 * body + timestamp; both orders need the secret, so either is accepted. Each is compared in
 * constant time, and both are always computed, so the time taken says nothing about which matched.
 */
export function verifySignature(secret: string, signature: string | undefined, timestamp: string | undefined, rawBody: Buffer | string, now: number): SignatureVerdict {
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  const at = Date.parse(timestamp);
  if (Number.isNaN(at) || Math.abs(now - at) > REPLAY_WINDOW_MS) return { ok: false, reason: 'stale' };
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
  const given = Buffer.from(signature, 'utf8');
  const documented = sign(secret, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]));
  const example = sign(secret, Buffer.concat([body, Buffer.from(timestamp, 'utf8')]));
  const a = same(given, documented);
  const b = same(given, example);
  return a || b ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function sign(secret: string, data: Buffer): Buffer {
  return Buffer.from(createHmac('sha256', secret).update(data).digest('base64'), 'utf8');
}

function same(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual needs equal lengths; compare against a same-length buffer so a wrong length
  // costs the same time as a wrong signature.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}

/** The documented signature, for tests and for tools that send webhooks. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp + body).digest('base64');
}

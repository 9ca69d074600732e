/**
 * A Retry-After header as milliseconds to wait: delay-seconds, or an HTTP date (relative to `now`).
 * Both hosts send it with a 429, and both clients honour it, so they read it the same way.
 */
export function retryAfterMs(header: unknown, now = Date.now()): number | null {
  if (typeof header !== 'string' || !header) return null;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

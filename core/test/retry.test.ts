import { retryAfterMs } from '../src/retry';

test('Retry-After as delay-seconds, as an HTTP date, and as nothing usable', () => {
  const now = Date.parse('2026-11-20T15:00:00Z');
  expect(retryAfterMs('0', now)).toBe(0);
  expect(retryAfterMs('30', now)).toBe(30_000);
  expect(retryAfterMs('Fri, 20 Nov 2026 15:00:12 GMT', now)).toBe(12_000);
  expect(retryAfterMs('Fri, 20 Nov 2026 14:00:00 GMT', now)).toBe(0); // already past: no wait
  expect(retryAfterMs('soon', now)).toBeNull();
  expect(retryAfterMs(null, now)).toBeNull();
  expect(retryAfterMs(['30'], now)).toBeNull();
});

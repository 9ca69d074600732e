import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'crypto';

/**
 * Values kept in the store sealed with AES-256-GCM under SLA_ENCRYPTION_KEY, bound to what they
 * belong to (GCM's associated data: an account), so the store alone reveals no secret and a row
 * copied onto another account does not open.
 */
const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const aad = (accountId: string) => Buffer.from(`sla-desk tenant ${accountId}`, 'utf8');

export function seal(key: Buffer, accountId: string, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad(accountId));
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return `v2:${keyId(key)}:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
}

/** Opens a sealed row with whichever key sealed it; `current` says whether it needs sealing again. */
export function unseal<T>(keys: readonly Buffer[], accountId: string, sealed: string): { value: T; current: boolean } {
  const [version, a, b] = sealed.split(':');
  // v1 rows (before binding to the account) open with any key and are sealed again at start-up.
  const candidates = version === 'v2' ? keys.filter((k) => keyId(k) === a) : version === 'v1' ? [...keys] : [];
  const payload = version === 'v2' ? b : a;
  if (!candidates.length || payload === undefined) throw new Error(version === 'v2' || version === 'v1' ? 'sealed under a key that SLA_ENCRYPTION_KEY does not hold' : 'unknown format');
  for (const key of candidates) {
    try {
      const raw = Buffer.from(payload, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      if (version === 'v2') d.setAAD(aad(accountId));
      d.setAuthTag(raw.subarray(12, 28));
      const value = JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as T;
      return { value, current: version === 'v2' && key === keys[0] };
    } catch {
      // the next key, if any
    }
  }
  throw new Error('does not open: another key, or a row of another account');
}


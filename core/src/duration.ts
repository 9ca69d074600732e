/**
 * Target durations as written in a policy: "30m", "4h", "1h30m" are working time on a calendar;
 * "2d" is business days; "none" promises nothing; "agreement" marks a value the contract leaves
 * to be "defined in agreement".
 */
export type Duration =
  | { kind: 'working'; ms: number; text: string }
  | { kind: 'days'; days: number; text: string }
  | { kind: 'none'; text: 'none' }
  | { kind: 'agreement'; text: 'agreement' };

const HM = /^(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?))?\s*(?:(\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?))?$/i;
const DAYS = /^(\d+)\s*(?:d|days?|business days?)$/i;

export function parseDuration(input: string | number): Duration | null {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? { kind: 'working', ms: input * 60_000, text: `${input}m` } : null;
  }
  const text = input.trim();
  if (text === 'none') return { kind: 'none', text: 'none' };
  if (text === 'agreement') return { kind: 'agreement', text: 'agreement' };
  const d = DAYS.exec(text);
  if (d) return { kind: 'days', days: Number(d[1]), text };
  const hm = HM.exec(text);
  if (!hm || (hm[1] === undefined && hm[2] === undefined)) return null;
  const minutes = Number(hm[1] ?? 0) * 60 + Number(hm[2] ?? 0);
  if (!Number.isInteger(minutes * 60)) return null;
  return { kind: 'working', ms: minutes * 60_000, text };
}

/** "2h 05m", "45m 10s": compact working-time text for logs and tables. */
export function formatMs(ms: number): string {
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const body = h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
  return neg ? `-${body}` : body;
}

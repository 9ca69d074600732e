import { MAX_BUSINESS_DAYS, MAX_TARGET_MS } from './limits';

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

// The unit follows the number directly ("4h", not "4 hours"), except the spelled-out "2 business
// days": a bare number or a loose word is more likely a slip than a promise, so it is refused.
const HM = /^(?:(\d+(?:\.\d+)?)(?:h|hr))?(?:(\d+(?:\.\d+)?)(?:m|min))?$/i;
const DAYS = /^(\d+)(?:d| business days?)$/i;

/** Why a written duration is refused, or null when it is a duration: what `sla check` prints. */
export function durationProblem(input: unknown): string | null {
  const shown = typeof input === 'string' ? `"${input}"` : String(input);
  if (typeof input === 'number') return `expected a duration with a unit, like 30m or 4h; got the bare number ${shown}`;
  if (typeof input !== 'string') return 'expected a duration';
  const d = read(input);
  if (!d) return `expected a duration like 30m, 4h, 1h30m, 2d, none or agreement; got ${shown}`;
  if ((d.kind === 'working' && d.ms > MAX_TARGET_MS) || (d.kind === 'days' && d.days > MAX_BUSINESS_DAYS)) {
    return `${shown} is longer than the longest target SLA Desk accepts: ${MAX_TARGET_MS / 3_600_000}h (10 years) or ${MAX_BUSINESS_DAYS}d`;
  }
  return null;
}

export function parseDuration(input: string | number): Duration | null {
  return durationProblem(input) === null ? read(input as string) : null;
}

function read(input: string): Duration | null {
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

/**
 * Parses the ISO-8601 instants that timelines carry (validated by the schema to always have an
 * offset) without Date.parse: evaluation parses several per ticket, and this is its hottest step.
 * Anything outside the fast shape falls back to Date.parse.
 */
export function parseInstant(s: string): number {
  const n = s.length;
  if (n >= 17 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58) {
    const y = num(s, 0, 4);
    const mo = num(s, 5, 2);
    const d = num(s, 8, 2);
    const h = num(s, 11, 2);
    const mi = num(s, 14, 2);
    let i = 16;
    let sec = 0;
    let ms = 0;
    if (s.charCodeAt(i) === 58) {
      sec = num(s, i + 1, 2);
      i += 3;
      if (s.charCodeAt(i) === 46) {
        let j = i + 1;
        let frac = 0;
        let scale = 100;
        while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
          frac += (s.charCodeAt(j) - 48) * scale;
          scale /= 10;
          j++;
        }
        ms = Math.floor(frac);
        i = j;
      }
    }
    let off = 0;
    const c = s.charCodeAt(i);
    if (c === 90 && i === n - 1) off = 0;
    else if ((c === 43 || c === 45) && (n - i === 6 || n - i === 5)) {
      const colon = n - i === 6 ? 1 : 0;
      off = (num(s, i + 1, 2) * 60 + num(s, i + 3 + colon, 2)) * (c === 43 ? 1 : -1);
    } else return Date.parse(s);
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && sec <= 59) {
      return (daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - off * 60) * 1000 + ms;
    }
  }
  return Date.parse(s);
}

function num(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = at; k < at + len; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * An ISO-8601 instant with an offset whose date and time exist: Date.parse reads 2026-02-30 as
 * March 2nd, which would silently move a due time.
 */
export function isRealInstant(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const offsetOk = m[7] === 'Z' || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && sec <= 59 && offsetOk && !Number.isNaN(Date.parse(s));
}

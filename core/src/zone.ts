import { IANAZone } from 'luxon';

/**
 * A zone's UTC offsets as constant segments. The calendar maps wall-clock windows to UTC through
 * these segments instead of asking luxon per window, because luxon resolves a wall time that falls
 * in a DST gap by shifting it forward by the gap, which is not "the first instant the wall clock
 * reads that time or later".
 */
export interface OffsetSegments {
  /** UTC ms at which each segment starts; the first one starts at -Infinity in effect. */
  readonly starts: Float64Array;
  /** Offset of each segment in ms (local = utc + offset). */
  readonly offsets: Float64Array;
}

const DAY = 86_400_000;
/**
 * How often a zone's offset is read before each change is bisected to the second. The shortest
 * time between two transitions in tzdb from 1900 to 2200 is 3.99 days (Africa/Freetown, September
 * 1939; the next are Brazil's week of DST in October 2000), so a reading every two days sees every
 * offset. It was every 3 hours: 3,000 readings a zone-year, and a ticket from 1901 read 125 of them.
 */
const SAMPLE = 2 * DAY;
const zones = new Map<string, IANAZone>();
const segmentCache = new Map<string, OffsetSegments>();

export class UnknownZoneError extends Error {}

export function zoneOf(name: string): IANAZone {
  let z = zones.get(name);
  if (!z) {
    z = IANAZone.create(name);
    if (!z.isValid) throw new UnknownZoneError(`unknown time zone "${name}"`);
    zones.set(name, z);
  }
  return z;
}

export function isValidZone(name: string): boolean {
  try {
    zoneOf(name);
    return true;
  } catch {
    return false;
  }
}

let lookups = 0;

/** How many times the engine has read a zone's offset: tests count work with it, never with a clock. */
export function offsetLookups(): number {
  return lookups;
}

// "GMT-03:30:52", "GMT+05:30" or "GMT": the offset as Intl writes it, seconds included.
const OFFSET_TEXT = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const offsetFormats = new Map<string, Intl.DateTimeFormat | null>();

function offsetFormat(zone: string): Intl.DateTimeFormat | null {
  let f = offsetFormats.get(zone);
  if (f === undefined) {
    try {
      // The hour alone: the date's fields would cost a third more, and only the offset is read.
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', timeZoneName: 'longOffset' });
      if (!OFFSET_TEXT.test(f.format(0))) f = null;
    } catch {
      f = null;
    }
    offsetFormats.set(zone, f);
  }
  return f;
}

/**
 * The zone's offset at ts in whole ms. Intl's "longOffset" reads it in one call, several times
 * faster than luxon's formatToParts; luxon stays as the fallback for runtimes without it. Whole ms
 * matter: luxon gives minutes, and 12,652 s of local mean time came back as 12651999.999999998 ms,
 * so sums of working time depended on the order they were added in.
 */
function offsetMs(zone: string, ts: number): number {
  lookups++;
  const f = offsetFormat(zone);
  const m = f ? OFFSET_TEXT.exec(f.format(ts)) : null;
  if (m) {
    if (!m[1]) return 0;
    const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
    return m[1] === '-' ? -ms : ms;
  }
  return Math.round(zoneOf(zone).offset(ts) * 60_000);
}

/** Segments covering the UTC year `year` with a week of margin on each side. */
let lastZone = '';
let lastYear = 0;
let lastSeg: OffsetSegments | null = null;

export function segmentsForYear(zone: string, year: number): OffsetSegments {
  // Building a calendar's year asks once per window of every day: skip building the key string.
  if (lastSeg !== null && year === lastYear && zone === lastZone) return lastSeg;
  const seg = segmentsFor(zone, year);
  lastZone = zone;
  lastYear = year;
  lastSeg = seg;
  return seg;
}

/**
 * Reads the zone every SAMPLE and bisects each change to the second. After a change it looks again
 * from there, so two transitions between readings are two segments, each with its own offset.
 */
function segmentsFor(zone: string, year: number): OffsetSegments {
  const key = `${zone}|${year}`;
  const hit = segmentCache.get(key);
  if (hit) return hit;
  zoneOf(zone);
  const from = Date.UTC(year - 1, 11, 24);
  const to = Date.UTC(year + 1, 0, 8);
  const starts: number[] = [-Infinity];
  const offsets: number[] = [offsetMs(zone, from)];
  let known = from;
  let prevO = offsets[0];
  for (let t = Math.min(from + SAMPLE, to); known < to; t = Math.min(t + SAMPLE, to)) {
    const o = offsetMs(zone, t);
    while (o !== prevO) {
      // Transitions fall on whole seconds: the first second in (known, t] that reads otherwise.
      let lo = known;
      let hi = t;
      let hiO = o;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (mid <= lo) break;
        const m = offsetMs(zone, mid);
        if (m === prevO) lo = mid;
        else {
          hi = mid;
          hiO = m;
        }
      }
      starts.push(hi);
      offsets.push(hiO);
      prevO = hiO;
      known = hi;
    }
    known = t;
  }
  const seg = { starts: Float64Array.from(starts), offsets: Float64Array.from(offsets) };
  segmentCache.set(key, seg);
  return seg;
}

/**
 * Reads the offsets of one zone-year ahead of need, so that an evaluation finds them cached. A
 * host adapter that serves many accounts on one event loop warms, between turns, the years a
 * ticket reaches back to (a ticket imported with a creation date in 1901 needs 125 of them), and
 * the evaluation itself then never holds the loop for long. False when it was cached already.
 */
export function warmZoneYear(zone: string, year: number): boolean {
  if (year < SUPPORTED_YEARS.min || year > SUPPORTED_YEARS.max || segmentCache.has(`${zone}|${year}`)) return false;
  segmentsFor(zone, year);
  return true;
}

/** The local wall-clock reading (as ms on a UTC-less scale) of a UTC instant. */
export function wallOf(zone: string, utc: number): number {
  return wallIn(segmentsForYear(zone, utcYear(utc)), utc);
}

export function wallIn(seg: OffsetSegments, utc: number): number {
  let i = seg.starts.length - 1;
  while (i > 0 && seg.starts[i] > utc) i--;
  return utc + seg.offsets[i];
}

/**
 * UTC intervals during which the wall clock of `zone` reads a time in [wallFrom, wallTo).
 * Exact across DST: a gap shortens the interval, an overlap can yield two intervals.
 */
export function wallToUtcIntervals(zone: string, wallFrom: number, wallTo: number, out: number[]): void {
  const seg = segmentsForYear(zone, utcYear(wallFrom));
  const n = seg.starts.length;
  for (let k = 0; k < n; k++) {
    const o = seg.offsets[k];
    const s = Math.max(wallFrom - o, seg.starts[k]);
    const e = Math.min(wallTo - o, k + 1 < n ? seg.starts[k + 1] : Infinity);
    if (e > s) out.push(s, e);
  }
}

/** The first UTC instant at which the wall clock reads `wall` or later. */
export function firstUtcAtOrAfterWall(zone: string, wall: number): number {
  return firstUtcIn(segmentsForYear(zone, utcYear(wall)), wall);
}

export function firstUtcIn(seg: OffsetSegments, wall: number): number {
  const n = seg.starts.length;
  let best = Infinity;
  for (let k = 0; k < n; k++) {
    const o = seg.offsets[k];
    const end = k + 1 < n ? seg.starts[k + 1] : Infinity;
    const u = Math.max(wall - o, seg.starts[k]);
    if (u < end && u < best) best = u;
  }
  return best;
}

const YEAR_MIN = 1900;
const YEAR_MAX = 2201;
const YEAR_STARTS = new Float64Array(YEAR_MAX - YEAR_MIN + 2);
for (let y = YEAR_MIN; y <= YEAR_MAX + 1; y++) YEAR_STARTS[y - YEAR_MIN] = Date.UTC(y, 0, 1);
export const SUPPORTED_YEARS = { min: YEAR_MIN + 1, max: YEAR_MAX - 1 };

/** The UTC calendar year of an instant, without allocating a Date. */
export function utcYear(t: number): number {
  let y = 1970 + Math.floor(t / 31_556_952_000);
  if (y < YEAR_MIN) return YEAR_MIN;
  if (y > YEAR_MAX) return YEAR_MAX;
  while (y > YEAR_MIN && t < YEAR_STARTS[y - YEAR_MIN]) y--;
  while (y < YEAR_MAX && t >= YEAR_STARTS[y + 1 - YEAR_MIN]) y++;
  return y;
}

export function yearStart(y: number): number {
  return YEAR_STARTS[y - YEAR_MIN];
}

export { DAY };

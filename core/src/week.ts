/**
 * A Calendar's working time on the wall clock, counted from its week and its holidays instead of
 * day by day: a year's total then costs a few lookups, so a Clock that ran since 1901 needs the
 * tables of the years it starts and ends in, not of every year between.
 */

/** Working windows of one local date as flat [startMinute, endMinute) pairs; end may pass 1440. */
export type WindowsOf = (localDay: number, weekday: number) => readonly number[];

/**
 * What a Calendar's windows follow: `weekly[weekday]` on every date but the `special` ones (its
 * holidays, sorted), on which only `windowsOf` knows.
 */
export interface WeekPattern {
  readonly weekly: readonly (readonly number[])[];
  readonly special: readonly number[];
}

const MIN = 60_000;
const DAY = 86_400_000;
const DAY_MINUTES = 1440;

export function weekdayOf(localDay: number): number {
  // 1970-01-01 was a Thursday (4); 0 is Sunday.
  return (((localDay + 4) % 7) + 7) % 7;
}

/**
 * The working minutes inside one date's own 24 hours: its windows, and the part of the day
 * before's that runs past midnight. Windows end before 2880, so no older day reaches it.
 */
export function daySlice(today: readonly number[], yesterday: readonly number[]): number[] {
  const flat: number[] = [];
  for (let i = 0; i < yesterday.length; i += 2) {
    if (yesterday[i + 1] > DAY_MINUTES) flat.push(Math.max(yesterday[i] - DAY_MINUTES, 0), yesterday[i + 1] - DAY_MINUTES);
  }
  for (let i = 0; i < today.length; i += 2) flat.push(today[i], Math.min(today[i + 1], DAY_MINUTES));
  return mergeMinutes(flat);
}

/** Flat [start, end) minute pairs, sorted by start, overlapping or touching ones joined. */
export function mergeMinutes(flat: readonly number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    if (out.length && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
    else out.push(s, e);
  }
  return out;
}

/** Working ms of a slice within [x, y) ms of its day. */
function sliceMs(slice: readonly number[], x: number, y: number): number {
  let sum = 0;
  for (let i = 0; i < slice.length; i += 2) {
    const s = Math.max(slice[i] * MIN, x);
    const e = Math.min(slice[i + 1] * MIN, y);
    if (e > s) sum += e - s;
  }
  return sum;
}

/** The first index in a sorted list whose value is >= v. */
function lowerBound(list: Float64Array, v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Working ms on the wall clock between any two wall readings, exact, in time independent of the span. */
export class WallWorking {
  /** A whole date's working ms when neither it nor the day before is special, by weekday. */
  private readonly usual: number[];
  private readonly weekMs: number;
  /** The dates whose working time can differ from their weekday's (the specials and the days after), sorted. */
  private readonly odd: Float64Array;
  /** What each odd date changes (actual - usual), counted when a span first covers it (NaN until then). */
  private readonly change: Float64Array;

  constructor(
    private readonly windowsOf: WindowsOf,
    week: WeekPattern,
  ) {
    this.usual = week.weekly.map((w, d) => sliceMs(daySlice(w, week.weekly[(d + 6) % 7]), 0, DAY));
    this.weekMs = this.usual.reduce((a, b) => a + b, 0);
    this.odd = Float64Array.from(new Set(week.special.flatMap((d) => [d, d + 1]))).sort();
    this.change = new Float64Array(this.odd.length).fill(NaN);
  }

  /** Working ms of the wall-clock span [x, y); 0 when y <= x. */
  between(x: number, y: number): number {
    if (!(y > x)) return 0;
    const dx = Math.floor(x / DAY);
    const dy = Math.floor(y / DAY);
    if (dx === dy) return this.dayMs(dx, x - dx * DAY, y - dx * DAY);
    return this.dayMs(dx, x - dx * DAY, DAY) + this.wholeDays(dx + 1, dy) + this.dayMs(dy, 0, y - dy * DAY);
  }

  /** Working ms of one date within [x, y) ms of its own 24 hours. */
  private dayMs(day: number, x: number, y: number): number {
    return sliceMs(daySlice(this.windowsOf(day, weekdayOf(day)), this.windowsOf(day - 1, weekdayOf(day - 1))), x, y);
  }

  /** Working ms of the dates [from, to): whole weeks, the days left over, then what the odd dates change. */
  private wholeDays(from: number, to: number): number {
    if (!(to > from)) return 0;
    const n = to - from;
    let sum = Math.floor(n / 7) * this.weekMs;
    const first = weekdayOf(from);
    for (let i = 0; i < n % 7; i++) sum += this.usual[(first + i) % 7];
    for (let i = lowerBound(this.odd, from); i < this.odd.length && this.odd[i] < to; i++) {
      if (Number.isNaN(this.change[i])) this.change[i] = this.dayMs(this.odd[i], 0, DAY) - this.usual[weekdayOf(this.odd[i])];
      sum += this.change[i];
    }
    return sum;
  }
}

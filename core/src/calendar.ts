import {
  DAY,
  OffsetSegments,
  SUPPORTED_YEARS,
  firstUtcIn,
  segmentsForYear,
  utcYear,
  wallIn,
  wallToUtcIntervals,
  yearStart,
  zoneOf,
} from './zone';
import { WallWorking, weekdayOf, type WeekPattern, type WindowsOf } from './week';

export type { WeekPattern, WindowsOf };

/**
 * Business time. A Calendar is compiled lazily, one UTC year at a time, into sorted working
 * intervals with running sums, so that "due after N working ms" and "working ms between" are a
 * binary search each. Only the years a span starts and ends in are compiled: the years between
 * count their total from the Calendar's week, so a Clock running since 1901 costs two years, not
 * 126. All arithmetic is on UTC epoch milliseconds: the machine's zone never enters.
 */

export class NoWorkingTimeError extends Error {
  constructor(calendar: string) {
    super(`calendar "${calendar}" has no working time within ${MAX_EMPTY_YEARS} years`);
  }
}

export class OutOfRangeError extends Error {}

/**
 * utcYear clamps to the table's ends, so an instant in 9999 would be reported as "year 2201":
 * name the instant's own year instead.
 */
function checkedYear(t: number): number {
  const y = utcYear(t);
  if (y >= SUPPORTED_YEARS.min && y <= SUPPORTED_YEARS.max) return y;
  const real = new Date(t).getUTCFullYear();
  throw new OutOfRangeError(`${Number.isNaN(real) ? `instant ${t}` : `year ${real}`} is outside ${SUPPORTED_YEARS.min}-${SUPPORTED_YEARS.max}`);
}

const MAX_EMPTY_YEARS = 8;
/**
 * No due lies further than this from its start: `sla check` refuses a target its calendar needs
 * more than 10 years for, and this stops one that got in some other way after a dozen year tables,
 * not after every year up to 2200.
 */
const MAX_SPAN_YEARS = 12;

export class TooLongError extends Error {
  constructor(calendar: string) {
    super(`the target takes more than ${MAX_SPAN_YEARS} years on calendar "${calendar}"`);
  }
}
const NO_YEAR: YearTable = {
  year: 0,
  from: 0,
  to: 0,
  dayIdx: new Int32Array(1),
  hourIdx: new Int32Array(1),
  starts: new Float64Array(0),
  ends: new Float64Array(0),
  cum: new Float64Array(1),
  total: 0,
};
const MIN = 60_000;
const HOUR = 3_600_000;

interface YearTable {
  readonly year: number;
  readonly from: number;
  readonly to: number;
  /** dayIdx[d]: the first interval ending after the start of UTC day d of the year. */
  readonly dayIdx: Int32Array;
  /** hourIdx[k]: the first interval whose running sum at its end reaches k working hours. */
  readonly hourIdx: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** cum[i] is the working ms before interval i in this year; cum[n] is the year's total. */
  readonly cum: Float64Array;
  readonly total: number;
}

interface DayTable {
  /** The local date (days since 1970-01-01) of January 1st of the table's year. */
  readonly firstDate: number;
  /** For each date of the year, the index of the first working day on or after it. */
  readonly dayAtOrAfter: Int16Array;
  /** Local midnight of each working day, on the wall scale. */
  readonly wallMidnight: Float64Array;
  /** Offsets into winStarts/winEnds: day d owns [first[d], first[d+1]). */
  readonly first: Int32Array;
  readonly winStarts: Float64Array;
  readonly winEnds: Float64Array;
}

export class Calendar {
  // Pre-filled so the array stays packed: a sparse one would fall back to dictionary lookups.
  private readonly years: (YearTable | undefined)[] = new Array(SUPPORTED_YEARS.max + 2).fill(undefined);
  // Most calls in a row fall in the same year: keep its table at hand. It starts as an empty
  // table covering nothing, so the field always holds one type.
  private last: YearTable = NO_YEAR;
  private lastDaysYear = 0;
  private lastDays: DayTable | null = null;
  private readonly days = new Map<number, DayTable>();
  // The zone's offsets per year, held here so the hot path does no keyed cache lookup.
  private readonly segs: (OffsetSegments | undefined)[] = new Array(SUPPORTED_YEARS.max + 2).fill(undefined);
  // Working ms of the years between a span's ends, by year (NaN: not counted yet).
  private readonly totals = new Float64Array(SUPPORTED_YEARS.max + 2).fill(NaN);
  private wall: WallWorking | null = null;

  /**
   * `week`, when given, is what `windowsOf` follows off its special dates: the years a span crosses
   * are then counted from it, and only the years it starts and ends in are built.
   */
  constructor(
    readonly id: string,
    readonly zone: string,
    private readonly windowsOf: WindowsOf,
    private readonly week?: WeekPattern,
  ) {
    zoneOf(zone);
  }

  /**
   * Fills, ahead of an evaluation, what it will read of UTC year y: the year's table when `full`
   * (the years a Clock starts and ends in), else its working total (the years a span crosses).
   * False when there was nothing to do. See warm.ts.
   */
  warmYear(y: number, full: boolean): boolean {
    if (y < SUPPORTED_YEARS.min || y > SUPPORTED_YEARS.max || this.years[y]) return false;
    if (full || !this.week) this.year(y);
    else if (Number.isNaN(this.totals[y])) this.yearTotal(y);
    else return false;
    return true;
  }

  /** The UTC years whose tables this Calendar has built, in order: the work evaluation paid for. */
  compiledYears(): number[] {
    const out: number[] = [];
    this.years.forEach((t, y) => t && out.push(y));
    return out;
  }

  /** The earliest T >= start such that [start, T) holds `ms` working ms. Zero gives start. */
  addWorking(start: number, ms: number): number {
    if (!(ms > 0)) {
      if (ms === 0) return start;
      throw new RangeError(`negative working duration ${ms}`);
    }
    const tab = this.tableAt(start);
    let y = tab.year;
    const first = y;
    let w = cumAt(tab, start) + ms;
    let total = tab.total;
    let empty = 0;
    while (w > total) {
      w -= total;
      empty = total === 0 ? empty + 1 : 0;
      if (empty >= MAX_EMPTY_YEARS) throw new NoWorkingTimeError(this.id);
      if (y - first >= MAX_SPAN_YEARS) throw new TooLongError(this.id);
      total = this.yearTotal(++y);
    }
    return locate(y === first ? tab : this.year(y), w);
  }

  /** Working ms in [a, b); 0 when b <= a. */
  workingBetween(a: number, b: number): number {
    if (!(b > a)) return 0;
    const ta = this.tableAt(a);
    if (b < ta.to) return cumAt(ta, b) - cumAt(ta, a);
    const ya = checkedYear(a);
    const yb = checkedYear(b);
    let sum = ta.total - cumAt(ta, a);
    for (let y = ya + 1; y < yb; y++) sum += this.yearTotal(y);
    return sum + cumAt(this.year(yb), b);
  }

  isWorking(t: number): boolean {
    const tab = this.tableAt(t);
    const i = firstEndingAfter(tab, t);
    return i < tab.starts.length && tab.starts[i] <= t;
  }

  /** The working interval containing t, or null. */
  intervalAt(t: number): { start: number; end: number } | null {
    const tab = this.year(checkedYear(t));
    const i = lastStartAtOrBefore(tab.starts, t);
    if (i < 0 || t >= tab.ends[i]) return null;
    // An interval cut at a year boundary continues in the next year's table.
    let end = tab.ends[i];
    if (i === tab.starts.length - 1 && end === yearStart(utcYear(t) + 1)) {
      const next = this.year(utcYear(t) + 1);
      if (next.starts.length && next.starts[0] === end) end = next.ends[0];
    }
    return { start: tab.starts[i], end };
  }

  /** t itself when working, else the next opening. */
  nextOpen(t: number): number {
    if (this.isWorking(t)) return t;
    return this.addWorking(t, 1) - 1;
  }

  /**
   * N business days from S: the same local time of day on the N-th working day after the one
   * S (moved to the next opening when outside hours) belongs to, clamped into that day's hours.
   */
  addBusinessDays(start: number, n: number): number {
    if (!(n > 0)) {
      if (n === 0) return start;
      throw new RangeError(`negative business days ${n}`);
    }
    const s = this.nextOpen(start);
    const wall = wallIn(this.seg(utcYear(s)), s);
    let table = this.dayTable(localYear(wall));
    let d = dayContaining(table, s, wall);
    if (d < 0) {
      table = this.dayTable(localYear(wall) - 1);
      d = dayContaining(table, s, wall);
    }
    const timeOfDay = wall - table.wallMidnight[d];
    let idx = d + n;
    let ly = localYear(table.wallMidnight[d]);
    const first = ly;
    let empty = 0;
    while (idx >= table.wallMidnight.length) {
      idx -= table.wallMidnight.length;
      if (ly - first >= MAX_SPAN_YEARS) throw new TooLongError(this.id);
      table = this.dayTable(++ly);
      empty = table.wallMidnight.length === 0 ? empty + 1 : 0;
      if (empty >= MAX_EMPTY_YEARS) throw new NoWorkingTimeError(this.id);
    }
    const targetWall = table.wallMidnight[idx] + timeOfDay;
    const target = firstUtcIn(this.seg(utcYear(targetWall)), targetWall);
    return clampIntoDay(table, idx, target);
  }

  /** Average working ms per working day over a year: used by lint to compare "2d" with "8h". */
  averageDayMs(year: number): number {
    const { workingMs, days } = this.yearTotals(year);
    return days ? workingMs / days : 0;
  }

  /** Working ms and working days in a local year: lint's measure of how long a Target can take. */
  yearTotals(year: number): { workingMs: number; days: number } {
    const t = this.dayTable(year);
    let sum = 0;
    for (let i = 0; i < t.winStarts.length; i++) sum += t.winEnds[i] - t.winStarts[i];
    return { workingMs: sum, days: t.wallMidnight.length };
  }

  private seg(y: number): OffsetSegments {
    let s = this.segs[y];
    if (!s) {
      s = segmentsForYear(this.zone, y);
      this.segs[y] = s;
    }
    return s;
  }

  private tableAt(t: number): YearTable {
    const l = this.last;
    if (t >= l.from && t < l.to) return l;
    const tab = this.year(checkedYear(t));
    this.last = tab;
    return tab;
  }

  /**
   * A UTC year's working ms. Without its table, it is the wall clock's working time over each of
   * the year's offset segments: the same set of instants the table would hold, so the same sum.
   */
  private yearTotal(y: number): number {
    checkRange(y);
    const tab = this.years[y];
    if (tab) return tab.total;
    if (!this.week) return this.year(y).total;
    let total = this.totals[y];
    if (Number.isNaN(total)) {
      // Built on first use: most Clocks never span a whole year, and holidays make it cost.
      this.wall ??= new WallWorking(this.windowsOf, this.week);
      total = 0;
      const from = yearStart(y);
      const to = yearStart(y + 1);
      const { starts, offsets } = this.seg(y);
      for (let k = 0; k < starts.length; k++) {
        const lo = Math.max(from, starts[k]);
        const hi = Math.min(to, k + 1 < starts.length ? starts[k + 1] : Infinity);
        if (hi > lo) total += this.wall.between(lo + offsets[k], hi + offsets[k]);
      }
      this.totals[y] = total;
    }
    return total;
  }

  private year(y: number): YearTable {
    checkRange(y);
    let tab = this.years[y];
    if (!tab) {
      tab = this.buildYear(y);
      this.years[y] = tab;
    }
    return tab;
  }

  private dayIntervals(localDay: number, out: number[]): void {
    const wins = this.windowsOf(localDay, weekdayOf(localDay));
    const midnight = localDay * DAY;
    for (let i = 0; i < wins.length; i += 2) {
      wallToUtcIntervals(this.zone, midnight + wins[i] * MIN, midnight + wins[i + 1] * MIN, out);
    }
  }

  private buildYear(y: number): YearTable {
    const from = yearStart(y);
    const to = yearStart(y + 1);
    const raw: number[] = [];
    // Local dates whose windows (up to 48h past local midnight, +/-14h of offset) can reach year y.
    for (let day = Math.floor(from / DAY) - 3; day <= Math.floor(to / DAY) + 1; day++) {
      this.dayIntervals(day, raw);
    }
    const merged = mergePairs(raw, from, to);
    const n = merged.length / 2;
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const cum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      starts[i] = merged[2 * i];
      ends[i] = merged[2 * i + 1];
      cum[i + 1] = cum[i] + (ends[i] - starts[i]);
    }
    const days = Math.ceil((to - from) / DAY) + 1;
    const dayIdx = new Int32Array(days);
    for (let d = 0, i = 0; d < days; d++) {
      while (i < n && ends[i] <= from + d * DAY) i++;
      dayIdx[d] = i;
    }
    const hours = Math.floor(cum[n] / HOUR) + 2;
    const hourIdx = new Int32Array(hours);
    for (let k = 0, j = 0; k < hours; k++) {
      while (j < n - 1 && cum[j + 1] < k * HOUR) j++;
      hourIdx[k] = j;
    }
    return { year: y, from, to, dayIdx, hourIdx, starts, ends, cum, total: cum[n] };
  }

  private dayTable(localYearNo: number): DayTable {
    if (localYearNo === this.lastDaysYear) return this.lastDays!;
    const t = this.buildDayTable(localYearNo);
    this.lastDaysYear = localYearNo;
    this.lastDays = t;
    return t;
  }

  private buildDayTable(localYearNo: number): DayTable {
    // A local year, so one past each end: 1901-01-01T00:00Z is still 1900 in America.
    if (localYearNo < SUPPORTED_YEARS.min - 1 || localYearNo > SUPPORTED_YEARS.max + 1) {
      throw new OutOfRangeError(`year ${localYearNo} is outside ${SUPPORTED_YEARS.min}-${SUPPORTED_YEARS.max}`);
    }
    let t = this.days.get(localYearNo);
    if (t) return t;
    const mids: number[] = [];
    const first: number[] = [];
    const ws: number[] = [];
    const we: number[] = [];
    const lastDay = Date.UTC(localYearNo + 1, 0, 1) / DAY;
    for (let day = Date.UTC(localYearNo, 0, 1) / DAY; day < lastDay; day++) {
      const raw: number[] = [];
      this.dayIntervals(day, raw);
      const merged = mergePairs(raw, -Infinity, Infinity);
      if (!merged.length) continue;
      mids.push(day * DAY);
      first.push(ws.length);
      for (let i = 0; i < merged.length; i += 2) {
        ws.push(merged[i]);
        we.push(merged[i + 1]);
      }
    }
    first.push(ws.length);
    const firstDate = Date.UTC(localYearNo, 0, 1) / DAY;
    const dayAtOrAfter = new Int16Array(lastDay - firstDate);
    for (let date = firstDate, k = 0; date < lastDay; date++) {
      while (k < mids.length && mids[k] < date * DAY) k++;
      dayAtOrAfter[date - firstDate] = k;
    }
    t = {
      firstDate,
      dayAtOrAfter,
      wallMidnight: Float64Array.from(mids),
      first: Int32Array.from(first),
      winStarts: Float64Array.from(ws),
      winEnds: Float64Array.from(we),
    };
    this.days.set(localYearNo, t);
    return t;
  }
}

function checkRange(y: number): void {
  if (y < SUPPORTED_YEARS.min || y > SUPPORTED_YEARS.max) {
    throw new OutOfRangeError(`year ${y} is outside ${SUPPORTED_YEARS.min}-${SUPPORTED_YEARS.max}`);
  }
}

// A wall reading is on the same scale as UTC ms, so the UTC year function reads its local year.
const localYear = utcYear;

function lastStartAtOrBefore(starts: Float64Array, t: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The first interval that ends after t (the table's length when none does). */
function firstEndingAfter(tab: YearTable, t: number): number {
  // (x / DAY) | 0 truncates like floor here: t is inside the table's year, so x >= 0.
  let i = tab.dayIdx[Math.floor((t - tab.from) / DAY)];
  const ends = tab.ends;
  const n = ends.length;
  while (i < n && ends[i] <= t) i++;
  return i;
}

/** Working ms of the year before t. */
function cumAt(tab: YearTable, t: number): number {
  const i = firstEndingAfter(tab, t);
  const s = i < tab.starts.length ? tab.starts[i] : Infinity;
  return s <= t ? tab.cum[i] + (t - s) : tab.cum[i];
}

/** The earliest instant at which the year's running sum reaches w (0 < w <= total). */
function locate(tab: YearTable, w: number): number {
  const cum = tab.cum;
  let j = tab.hourIdx[Math.floor(w / HOUR)];
  while (cum[j + 1] < w) j++;
  return tab.starts[j] + (w - cum[j]);
}

function mergePairs(raw: number[], from: number, to: number): number[] {
  let sorted = true;
  for (let i = 2; i < raw.length && sorted; i += 2) sorted = raw[i] >= raw[i - 2];
  if (sorted) {
    // The usual case (a calendar's windows are merged once, in order): no pairs to allocate and sort.
    const out: number[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const s = Math.max(raw[i], from);
      const e = Math.min(raw[i + 1], to);
      if (!(e > s)) continue;
      const last = out.length - 1;
      if (last > 0 && s <= out[last]) out[last] = Math.max(out[last], e);
      else out.push(s, e);
    }
    return out;
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const s = Math.max(raw[i], from);
    const e = Math.min(raw[i + 1], to);
    if (e > s) pairs.push([s, e]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s <= out[last]) out[last] = Math.max(out[last], e);
    else out.push(s, e);
  }
  return out;
}

/**
 * The working day whose windows hold the working instant s (wall: its local reading): the day of
 * its local date, or, for a window that runs past midnight, the working day before. -1 when that
 * day is in the previous year's table.
 */
function dayContaining(t: DayTable, s: number, wall: number): number {
  const n = t.wallMidnight.length;
  const date = Math.floor(wall / DAY) - t.firstDate;
  const k = date < 0 ? 0 : date >= t.dayAtOrAfter.length ? n : t.dayAtOrAfter[date];
  for (let d = k; d >= k - 1 && d >= 0; d--) {
    if (d >= n) continue;
    for (let i = t.first[d]; i < t.first[d + 1]; i++) {
      if (t.winStarts[i] <= s && s < t.winEnds[i]) return d;
    }
  }
  return k - 1 >= 0 && k - 1 < n ? k - 1 : -1;
}

function clampIntoDay(t: DayTable, d: number, target: number): number {
  const from = t.first[d];
  const to = t.first[d + 1];
  let best = t.winStarts[from];
  for (let i = from; i < to; i++) {
    if (t.winStarts[i] <= target && target < t.winEnds[i]) return target;
    if (t.winEnds[i] <= target) best = t.winEnds[i];
  }
  return best;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Parses "HH:MM-HH:MM" into minutes; an end at or before the start runs past midnight. */
export function parseWindow(text: string): [number, number] {
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`expected a window like "09:00-17:00", got "${text}"`);
  const s = Number(m[1]) * 60 + Number(m[2]);
  let e = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || s >= 1440 || e > 1440) {
    throw new Error(`"${text}" is not a time of day between 00:00 and 24:00`);
  }
  if (s === e) throw new Error(`window "${text}" is empty; write "00:00-24:00" for a whole day`);
  if (e < s) e += 1440;
  return [s, e];
}

/** Local date "YYYY-MM-DD" as days since 1970-01-01. */
export function localDayOf(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`expected a date like 2026-12-25, got "${date}"`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(t);
  if (back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) {
    throw new Error(`"${date}" is not a real date`);
  }
  return t / DAY;
}

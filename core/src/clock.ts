import type { Calendar } from './calendar';
import type { CompiledTarget } from './policy';

/**
 * One metric's clock on one calendar: when it started, which spans are paused, when it stopped.
 * Pauses are sorted, disjoint [from, to) pairs in UTC ms.
 */
export interface ClockRun {
  start: number;
  pauses: number[];
  stop: number | null;
}

/** Working ms inside pauses within [a, b). */
export function pausedWorking(cal: Calendar, pauses: readonly number[], a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < pauses.length; i += 2) {
    const s = pauses[i] > a ? pauses[i] : a;
    const e = pauses[i + 1] < b ? pauses[i + 1] : b;
    if (e > s) sum += cal.workingBetween(s, e);
  }
  return sum;
}

/** Working ms in [a, b) that are not paused; negative when b < a. */
export function netWorking(cal: Calendar, pauses: readonly number[], a: number, b: number): number {
  if (b < a) return -netWorking(cal, pauses, b, a);
  const w = cal.workingBetween(a, b);
  return pauses.length ? w - pausedWorking(cal, pauses, a, b) : w;
}

/** The earliest T such that [start, T) holds `ms` working ms outside the pauses. */
export function dueWithPauses(cal: Calendar, start: number, ms: number, pauses: readonly number[]): number {
  // A zero Target is due at its start, whatever pauses follow: without this the loop below would
  // take the first pause's available time from nothing and ask for negative working time.
  if (!(ms > 0)) return cal.addWorking(start, ms);
  let cur = start;
  let left = ms;
  for (let i = 0; i < pauses.length; i += 2) {
    const p0 = pauses[i];
    const p1 = pauses[i + 1];
    if (p1 <= cur) continue;
    if (p0 > cur) {
      const avail = cal.workingBetween(cur, p0);
      if (avail >= left && left > 0) return cal.addWorking(cur, left);
      left -= avail;
    }
    cur = p1 > cur ? p1 : cur;
  }
  return cal.addWorking(cur, left);
}

/**
 * The due instant of a target. Business days count whole days first; paused working time then
 * pushes the due by as much working time (repeated until it settles, since a pushed due can
 * take in a later pause).
 */
export function dueOf(target: CompiledTarget, start: number, pauses: readonly number[]): number {
  const cal = target.calendar;
  if (target.kind === 'working') return dueWithPauses(cal, start, target.ms, pauses);
  const base = cal.addBusinessDays(start, target.days);
  if (!pauses.length) return base;
  // The fixed point T = base + paused(start, T) is exactly "pauses before or after base are skipped".
  let due = base;
  for (let i = 0; i < 64; i++) {
    const next = cal.addWorking(base, pausedWorking(cal, pauses, start, due));
    if (next === due) break;
    due = next;
  }
  return due;
}

/**
 * Adds [from, to) to sorted disjoint pauses, merging overlaps. Pauses nearly always arrive in time
 * order, so that case appends in O(1); sorting them all on every call made a ticket with 20,000
 * status changes take seconds. Out of order, it finds its place by binary search.
 */
export function addPause(pauses: number[], from: number, to: number): void {
  if (!(to > from)) return;
  const n = pauses.length;
  if (n === 0 || from > pauses[n - 1]) {
    pauses.push(from, to);
    return;
  }
  if (from >= pauses[n - 2]) {
    if (to > pauses[n - 1]) pauses[n - 1] = to;
    return;
  }
  // The first pair that ends at or after `from`, and the first that starts after `to`: every pair
  // between them touches [from, to) and merges into one.
  let lo = 0;
  let hi = n / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pauses[2 * mid + 1] < from) lo = mid + 1;
    else hi = mid;
  }
  let last = lo;
  while (last < n / 2 && pauses[2 * last] <= to) last++;
  const start = last > lo ? Math.min(from, pauses[2 * lo]) : from;
  const end = last > lo ? Math.max(to, pauses[2 * last - 1]) : to;
  pauses.splice(2 * lo, 2 * (last - lo), start, end);
}

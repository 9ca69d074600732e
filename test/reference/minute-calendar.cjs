'use strict';
// A deliberately slow business-time reference: it steps minute by minute and asks luxon for the
// wall clock at each one. It shares no code with core's calendar engine, so the property tests and
// the benchmark compare the engine against an independent reading of docs/policy.md's definition.
const { DateTime } = require('luxon');

const MIN = 60000;
const DAY = 86400000;

/** spec: { zone, weekly: [[startMin, endMin], ...][7] (0 = Sunday, end may pass 1440), holidays: ['YYYY-MM-DD'] } */
function isWorking(spec, t) {
  const dt = DateTime.fromMillis(t, { zone: spec.zone });
  const md = dt.hour * 60 + dt.minute;
  const today = Date.UTC(dt.year, dt.month - 1, dt.day);
  const windowsOf = (dayMs) => {
    const date = new Date(dayMs).toISOString().slice(0, 10);
    return spec.holidays.includes(date) ? [] : spec.weekly[new Date(dayMs).getUTCDay()];
  };
  if (windowsOf(today).some(([a, b]) => a <= md && md < b)) return true;
  return windowsOf(today - DAY).some(([a, b]) => b > 1440 && a <= md + 1440 && md + 1440 < b);
}

function inPauses(pauses, t) {
  for (let i = 0; i < pauses.length; i += 2) if (pauses[i] <= t && t < pauses[i + 1]) return true;
  return false;
}

/** The earliest T with `minutes` working, unpaused minutes in [start, T). start is minute-aligned. */
function due(spec, start, minutes, pauses = [], horizonDays = 120) {
  let count = 0;
  for (let t = start; t < start + horizonDays * DAY; t += MIN) {
    if (isWorking(spec, t) && !inPauses(pauses, t)) count++;
    if (count === minutes) return t + MIN;
  }
  throw new Error('reference gave up: no due within the horizon');
}

function workingBetween(spec, a, b) {
  let sum = 0;
  for (let t = a; t < b; t += MIN) if (isWorking(spec, t)) sum += MIN;
  return sum;
}

/** The windows of a local date (days since 1970-01-01), after the holiday rule. */
function windowsOfDate(spec, date) {
  const iso = new Date(date * DAY).toISOString().slice(0, 10);
  return spec.holidays.includes(iso) ? [] : spec.weekly[new Date(date * DAY).getUTCDay()];
}

/** Minutes since local midnight of `date` that the wall clock shows at t (may pass 1440). */
function wallMinutesFrom(spec, t, date) {
  const dt = DateTime.fromMillis(t, { zone: spec.zone });
  return (Date.UTC(dt.year, dt.month - 1, dt.day) / DAY - date) * 1440 + dt.hour * 60 + dt.minute;
}

function inWindowsOf(spec, t, date) {
  const m = wallMinutesFrom(spec, t, date);
  return windowsOfDate(spec, date).some(([a, b]) => a <= m && m < b);
}

/**
 * N business days from start, straight from docs/policy.md: move to the next opening; day 0 is the
 * day whose window holds it; the due is the same local time of day on the N-th following working
 * day, clamped back to that day's last close before it, or to its first opening. Assumes no window
 * lies wholly inside a DST gap (the tests' windows are at least two hours long).
 */
function businessDays(spec, start, n) {
  let s = start;
  while (!isWorking(spec, s)) s += MIN;
  const dt = DateTime.fromMillis(s, { zone: spec.zone });
  const today = Date.UTC(dt.year, dt.month - 1, dt.day) / DAY;
  const d0 = inWindowsOf(spec, s, today) ? today : today - 1;
  const timeOfDay = wallMinutesFrom(spec, s, d0);
  let dn = d0;
  for (let k = 0; k < n; ) {
    dn++;
    if (windowsOfDate(spec, dn).length) k++;
  }
  // The first instant whose wall reading is at or after dn's midnight + timeOfDay.
  let u = (dn * 1440 + timeOfDay) * MIN - 15 * 60 * MIN;
  while (wallMinutesFrom(spec, u, dn) < timeOfDay) u += MIN;
  if (inWindowsOf(spec, u, dn)) return u;
  for (let v = u - MIN; v > u - 40 * 60 * MIN; v -= MIN) if (inWindowsOf(spec, v, dn)) return v + MIN;
  let f = dn * DAY - 15 * 60 * MIN;
  while (!inWindowsOf(spec, f, dn)) f += MIN;
  return f;
}

module.exports = { isWorking, due, workingBetween, businessDays, MIN };

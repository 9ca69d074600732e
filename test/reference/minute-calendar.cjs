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

module.exports = { isWorking, due, workingBetween, MIN };

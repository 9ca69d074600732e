// What the policy page draws: the matrix as a grid of priorities, what each tier and priority
// promises, and each calendar's working time over a week (the clock's, or one paged to), in the
// calendar's own zone, with its holidays and the clock's now.
import { buildCalendar, promiseTable, type CalendarSpec, type Policy } from '@sla-desk/core';
import { DateTime } from 'luxon';

const DAY = 86_400_000;

/** `now` is the workbench clock; `weeks` pages the calendars' week from it, never their now. */
export function policyPicture(policy: Policy, now: number, weeks = 0) {
  const priorities = Object.keys(policy.priorities);
  const rank = (p: string | undefined) => (priorities.length > 1 ? priorities.indexOf(p ?? '') / (priorities.length - 1) : 0);
  const c = policy.classification;
  const matrix =
    c.method === 'matrix'
      ? {
          impact: c.impact,
          urgency: c.urgency,
          cells: c.impact.map((i) => c.urgency.map((u) => ({ impact: i.id, urgency: u.id, priority: c.matrix[i.id]?.[u.id] ?? null, rank: rank(c.matrix[i.id]?.[u.id]) }))),
        }
      : null;
  const calendars = Object.entries(policy.calendars).map(([name, spec]) => weekOf(name, spec, now, now + weeks * 7 * DAY));
  return { matrix, promises: promiseTable(policy), calendars, priorities: priorities.map((p) => ({ id: p, label: policy.priorities[p].label ?? p, rank: rank(p) })) };
}

/**
 * Working intervals of the week (Monday to Sunday, local) that holds `shown`, as day index and
 * minutes from midnight; and where `now` falls in it, if it does.
 */
function weekOf(name: string, spec: CalendarSpec, now: number, shown: number) {
  const cal = buildCalendar(name, spec);
  const zone = spec === '24x7' ? 'UTC' : spec.zone;
  const monday = DateTime.fromMillis(shown, { zone }).startOf('week');
  const start = monday.toMillis();
  const end = monday.plus({ days: 7 }).toMillis();
  const blocks: { day: number; from: number; to: number }[] = [];
  let t = start;
  while (t < end) {
    t = cal.nextOpen(t);
    if (t >= end) break;
    // nextOpen gives an instant inside working time, so it has its interval.
    const iv = cal.intervalAt(t)!;
    const stop = Math.min(iv.end, end);
    // A block that crosses local midnight is drawn on both days.
    let a = t;
    while (a < stop) {
      const local = DateTime.fromMillis(a, { zone });
      const midnight = local.startOf('day').plus({ days: 1 }).toMillis();
      const b = Math.min(stop, midnight);
      blocks.push({ day: Math.floor((local.startOf('day').toMillis() - start) / DAY + 0.5), from: local.hour * 60 + local.minute, to: b === midnight ? 1440 : DateTime.fromMillis(b, { zone }).hour * 60 + DateTime.fromMillis(b, { zone }).minute });
      a = b;
    }
    t = stop;
  }
  const holidays = spec === '24x7' ? [] : spec.holidays.map((h) => (typeof h === 'string' ? { date: h } : h));
  const days = [...Array(7)].map((_, i) => monday.plus({ days: i }).toISODate());
  const local = DateTime.fromMillis(now, { zone });
  const nowDay = days.indexOf(local.toISODate());
  const nowMark = nowDay < 0 ? null : { day: nowDay, minute: local.hour * 60 + local.minute };
  return { name, label: spec === '24x7' ? '24x7' : (spec.label ?? name), zone, days, blocks, holidays: holidays.filter((h) => days.includes(h.date)), allHolidays: holidays, nowLocal: local.toFormat('ccc d LLL HH:mm ZZZZ'), nowMark };
}

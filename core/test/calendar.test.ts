import { NoWorkingTimeError, OutOfRangeError } from '../src/calendar';
import { cal, HOUR, iso, MIN, T } from './helpers';
import { dueWithPauses } from '../src/clock';

const berlin = (hours: Record<string, string[]>, holidays: string[] = []) => cal({ zone: 'Europe/Berlin', hours, holidays });

describe('public test vectors (HOSTS.md)', () => {
  test('Zammad: Mon-Fri 09-17 Berlin, +60 and +240 minutes', () => {
    const c = berlin({ weekdays: ['09:00-17:00'] });
    expect(iso(c.addWorking(T('2013-03-21T09:30:00Z'), 60 * MIN))).toBe('2013-03-21T10:30:00.000Z');
    expect(iso(c.addWorking(T('2013-03-21T09:30:00Z'), 240 * MIN))).toBe('2013-03-21T13:30:00.000Z');
  });

  test('Zammad: Mon-Fri 08-20 Berlin with a holiday on 2016-11-01', () => {
    const c = berlin({ weekdays: ['08:00-20:00'] }, ['2016-11-01']);
    expect(iso(c.addWorking(T('2016-11-01T13:56:21Z'), 120 * MIN))).toBe('2016-11-02T09:00:00.000Z');
    expect(iso(c.addWorking(T('2016-11-01T13:56:21Z'), 1200 * MIN))).toBe('2016-11-03T15:00:00.000Z');
  });

  test('Zammad: daily 09-18 Berlin with pauses', () => {
    const c = berlin({ daily: ['09:00-18:00'] });
    const start = T('2013-06-04T09:00:00Z');
    const short = [T('2013-06-04T10:00:00Z'), T('2013-06-04T10:30:00Z')];
    expect(iso(dueWithPauses(c, start, 120 * MIN, short))).toBe('2013-06-04T11:30:00.000Z');
    expect(iso(dueWithPauses(c, start, 250 * MIN, short))).toBe('2013-06-04T13:40:00.000Z');
    const long = [T('2013-06-04T10:00:00Z'), T('2013-06-04T15:00:00Z')];
    expect(iso(dueWithPauses(c, start, 120 * MIN, long))).toBe('2013-06-04T16:00:00.000Z');
  });

  test('Znuny: two windows a day, +15h across the spring change', () => {
    const c = berlin({ weekdays: ['08:00-13:00', '14:00-18:00'] });
    expect(iso(c.addWorking(T('2015-03-27T11:00:00Z'), 15 * HOUR))).toBe('2015-03-31T07:00:00.000Z');
  });

  test('Znuny: Saturday 10:00 local +1 minute is Monday 08:01 local', () => {
    const c = berlin({ weekdays: ['08:00-18:00'] });
    expect(iso(c.addWorking(T('2013-03-16T10:00:00+01:00'), MIN))).toBe('2013-03-18T07:01:00.000Z');
  });
});

describe('conventions', () => {
  const c = berlin({ weekdays: ['09:00-17:00'] });

  test('a zero duration is due at the start itself, even outside hours', () => {
    expect(c.addWorking(T('2026-03-07T12:00:00Z'), 0)).toBe(T('2026-03-07T12:00:00Z'));
  });

  test('a start at the closing instant waits for the next opening', () => {
    // 17:00 Berlin (CET) is 16:00Z on Friday 2026-03-06; +1 minute is Monday 09:01 local.
    expect(iso(c.addWorking(T('2026-03-06T16:00:00Z'), MIN))).toBe('2026-03-09T08:01:00.000Z');
  });

  test('a due that lands on a closing instant is that instant, not the next opening', () => {
    expect(iso(c.addWorking(T('2026-03-06T08:00:00Z'), 8 * HOUR))).toBe('2026-03-06T16:00:00.000Z');
  });

  test('a negative duration is refused', () => {
    expect(() => c.addWorking(0, -1)).toThrow(RangeError);
  });

  test('workingBetween is the inverse of addWorking', () => {
    const s = T('2026-03-05T15:10:00Z');
    const due = c.addWorking(s, 11 * HOUR);
    expect(c.workingBetween(s, due)).toBe(11 * HOUR);
    expect(c.workingBetween(due, s)).toBe(0);
  });
});

describe('windows past midnight', () => {
  // The Interopion maintenance window, 19:00-04:00 Mountain, belongs to the day it starts on.
  const m = cal({ zone: 'America/Denver', hours: { mon: ['19:00-04:00'] }, holidays: [] });

  test('runs into Tuesday morning', () => {
    expect(m.isWorking(T('2026-03-10T03:30:00-06:00'))).toBe(true);
    expect(m.isWorking(T('2026-03-10T04:00:00-06:00'))).toBe(false);
    expect(m.isWorking(T('2026-03-09T18:59:00-06:00'))).toBe(false);
    // Monday 19:00 MST = 02:00Z Tuesday; 9 hours later is 04:00 local.
    expect(iso(m.addWorking(T('2026-03-02T12:00:00Z'), 9 * HOUR))).toBe('2026-03-03T11:00:00.000Z');
  });

  test('a holiday on the start day removes the whole window, also after midnight', () => {
    const h = cal({ zone: 'America/Denver', hours: { mon: ['19:00-04:00'] }, holidays: ['2026-03-09'] });
    expect(h.isWorking(T('2026-03-10T02:00:00-06:00'))).toBe(false);
    expect(h.isWorking(T('2026-03-09T20:00:00-06:00'))).toBe(false);
  });

  test('a holiday on the next day does not cut the window that started before it', () => {
    const h = cal({ zone: 'America/Denver', hours: { mon: ['19:00-04:00'] }, holidays: ['2026-03-10'] });
    expect(h.isWorking(T('2026-03-10T02:00:00-06:00'))).toBe(true);
  });

  test('holidayHours are worked only on holidays', () => {
    const bank = cal({ zone: 'Europe/London', hours: {}, holidayHours: ['00:00-24:00'], holidays: ['2026-12-25'] });
    expect(bank.isWorking(T('2026-12-25T10:00:00Z'))).toBe(true);
    expect(bank.isWorking(T('2026-12-24T10:00:00Z'))).toBe(false);
    expect(bank.workingBetween(T('2026-01-01T00:00:00Z'), T('2027-01-01T00:00:00Z'))).toBe(24 * HOUR);
  });
});

describe('DST and odd zones', () => {
  test('a window inside the spring gap counts only the real time after the jump', () => {
    // Berlin 2026-03-29: 02:00 jumps to 03:00. A 01:00-04:00 window holds 2 real hours.
    const c = berlin({ sun: ['01:00-04:00'] });
    expect(c.workingBetween(T('2026-03-29T00:00:00+01:00'), T('2026-03-29T12:00:00+02:00'))).toBe(2 * HOUR);
    // A window that starts inside the gap opens at the jump (03:00 CEST), not at 03:30.
    const g = berlin({ sun: ['02:30-05:00'] });
    expect(iso(g.nextOpen(T('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
  });

  test('a window across the autumn overlap holds the repeated hour', () => {
    // Berlin 2026-10-25: 03:00 falls back to 02:00. 01:00-04:00 is 4 real hours.
    const c = berlin({ sun: ['01:00-04:00'] });
    expect(c.workingBetween(T('2026-10-25T00:00:00+02:00'), T('2026-10-25T12:00:00+01:00'))).toBe(4 * HOUR);
  });

  test('half-hour and 45-minute zones', () => {
    const kolkata = cal({ zone: 'Asia/Kolkata', hours: { weekdays: ['09:00-18:00'] } });
    expect(iso(kolkata.addWorking(T('2026-05-04T09:00:00+05:30'), HOUR))).toBe('2026-05-04T04:30:00.000Z');
    const kathmandu = cal({ zone: 'Asia/Kathmandu', hours: { weekdays: ['09:00-17:00'] } });
    expect(iso(kathmandu.addWorking(T('2026-05-04T00:00:00Z'), 30 * MIN))).toBe('2026-05-04T03:45:00.000Z');
  });

  test('Lord Howe shifts by half an hour', () => {
    // DST ends 2026-04-05 02:00 (+11) -> 01:30 (+10:30): a 00:00-24:00 Sunday holds 24.5 hours.
    const c = cal({ zone: 'Australia/Lord_Howe', hours: { sun: ['00:00-24:00'] } });
    expect(c.workingBetween(T('2026-04-04T00:00:00Z'), T('2026-04-06T00:00:00Z'))).toBe(24.5 * HOUR);
    // DST starts 2026-10-04 02:00 -> 02:30: that Sunday holds 23.5 hours.
    expect(c.workingBetween(T('2026-10-03T00:00:00Z'), T('2026-10-05T00:00:00Z'))).toBe(23.5 * HOUR);
  });

  test('years up to 2100, and a clear error past the supported range', () => {
    const c = berlin({ weekdays: ['09:00-17:00'] });
    // 2100-12-31 is a Friday; +1h from its close is Monday 2101-01-03 10:00 CET.
    expect(iso(c.addWorking(T('2100-12-31T16:00:00Z'), HOUR))).toBe('2101-01-03T09:00:00.000Z');
    expect(() => c.addWorking(T('2250-01-01T00:00:00Z'), HOUR)).toThrow(OutOfRangeError);
  });

  test('a calendar without working time fails loudly instead of looping', () => {
    const none = cal({ zone: 'UTC', hours: {} });
    expect(() => none.addWorking(T('2026-01-01T00:00:00Z'), MIN)).toThrow(NoWorkingTimeError);
  });
});

describe('business days', () => {
  const c = cal({ zone: 'America/Toronto', hours: { weekdays: ['08:30-16:30'] }, holidays: ['2026-11-23'] });

  test('same local time of day on the N-th following working day, skipping weekends and holidays', () => {
    // Thu 2026-11-19 10:00 local +2d: Fri 20, (Sat, Sun, Mon 23 holiday) Tue 24 -> Tue 10:00.
    expect(iso(c.addBusinessDays(T('2026-11-19T10:00:00-05:00'), 2))).toBe('2026-11-24T15:00:00.000Z');
  });

  test('a start outside hours moves to the next opening first', () => {
    // Fri 20:00 local -> Tue 24 08:30 (Mon is a holiday) -> +1d is Wed 25 08:30.
    expect(iso(c.addBusinessDays(T('2026-11-20T20:00:00-05:00'), 1))).toBe('2026-11-25T13:30:00.000Z');
  });

  test('a shorter target day clamps to its close', () => {
    const short = cal({ zone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-12:00'] } });
    expect(iso(short.addBusinessDays(T('2026-03-02T15:00:00Z'), 1))).toBe('2026-03-03T12:00:00.000Z');
  });

  test('a time in a midday gap of the target day clamps back to the close of the morning window', () => {
    const split = cal({ zone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-12:00', '13:00-17:00'] } });
    expect(iso(split.addBusinessDays(T('2026-03-02T12:30:00Z'), 1))).toBe('2026-03-03T12:00:00.000Z');
  });

  test('keeps the local time across a DST change', () => {
    // Toronto springs forward on 2026-03-08: Fri 06 10:00 EST +1d is Mon 09 10:00 EDT.
    expect(iso(c.addBusinessDays(T('2026-03-06T10:00:00-05:00'), 1))).toBe('2026-03-09T14:00:00.000Z');
  });

  test('zero days is the start itself', () => {
    expect(c.addBusinessDays(T('2026-03-07T10:00:00Z'), 0)).toBe(T('2026-03-07T10:00:00Z'));
  });
});

describe('24x7', () => {
  test('is wall-clock time', () => {
    const c = cal('24x7');
    expect(iso(c.addWorking(T('2026-12-31T23:30:00Z'), HOUR))).toBe('2027-01-01T00:30:00.000Z');
    expect(c.workingBetween(T('2026-01-01T00:00:00Z'), T('2027-01-01T00:00:00Z'))).toBe(365 * 24 * HOUR);
  });
});

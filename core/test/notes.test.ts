import { metNote, noteInstant, noteZone, readMetRef, transitionNote, matrixFollowedNote, priorityLockedNote } from '../src/notes';
import { parseMetNote } from '../src/met';
import { preset, T } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const en = { ...kiwi, locale: 'en' };

test('an instant is given in the zone, the zone named, and in UTC beside it', () => {
  expect(noteInstant(T('2026-11-20T15:30:00Z'), 'en', 'America/Toronto')).toBe('Fri 20 Nov, 10:30 Toronto (15:30 UTC)');
  expect(noteInstant(T('2026-11-20T15:30:00Z'), 'fr', 'America/Toronto')).toBe('ven. 20 nov., 10 h 30 Toronto (15 h 30 UTC)');
});

test('a half-hour zone keeps its half hour, and UTC names its own day when it is another', () => {
  // St John's is UTC-3:30 in November: 22:00 there is 01:30 the next day in UTC.
  expect(noteInstant(T('2026-11-21T01:30:00Z'), 'en', 'America/St_Johns')).toBe('Fri 20 Nov, 22:00 St Johns (Sat 21 Nov, 01:30 UTC)');
  expect(noteInstant(T('2026-11-20T15:30:00Z'), 'en', 'Asia/Kolkata')).toBe('Fri 20 Nov, 21:00 Kolkata (15:30 UTC)');
});

test('across a DST change the same UTC time reads an hour apart in the zone', () => {
  // Toronto leaves daylight time on 1 Nov 2026.
  expect(noteInstant(T('2026-10-30T14:00:00Z'), 'en', 'America/Toronto')).toBe('Fri 30 Oct, 10:00 Toronto (14:00 UTC)');
  expect(noteInstant(T('2026-11-02T14:00:00Z'), 'en', 'America/Toronto')).toBe('Mon 2 Nov, 09:00 Toronto (14:00 UTC)');
});

test('a UTC zone is named once', () => {
  expect(noteInstant(T('2026-11-20T15:30:00Z'), 'en', 'UTC')).toBe('Fri 20 Nov, 15:30 UTC');
  expect(noteInstant(T('2026-11-20T15:30:00Z'), 'en', 'Etc/UTC')).toBe('Fri 20 Nov, 15:30 UTC');
  expect(noteZone(preset('jsm-parity'))).toBe('UTC');
  expect(noteZone(kiwi)).toBe('America/Toronto');
});

test('transition notes name the Metric and its due, in the policy\'s language and zone', () => {
  const m = { label: 'Initial response', due: T('2026-11-20T15:30:00Z') };
  expect(transitionNote(en, m, 'at_risk')).toBe('SLA Desk: Initial response is at risk, due Fri 20 Nov, 10:30 Toronto (15:30 UTC).');
  expect(transitionNote(en, m, 'breached')).toBe('SLA Desk: Initial response is breached: it was due Fri 20 Nov, 10:30 Toronto (15:30 UTC).');
  expect(transitionNote(kiwi, m, 'at_risk')).toBe('SLA Desk : Initial response est à risque, échéance ven. 20 nov., 10 h 30 Toronto (15 h 30 UTC).');
  // An agent's zone, where the host knows it, replaces the policy's.
  expect(transitionNote(en, m, 'at_risk', 'Europe/Paris')).toBe('SLA Desk: Initial response is at risk, due Fri 20 Nov, 16:30 Paris (15:30 UTC).');
});

test('priority notes name people and priorities, never ids', () => {
  expect(matrixFollowedNote(en, { by: 'Sam Agent', to: 'Low' }, 'Urgent')).toBe('SLA Desk: Impact or Urgency changed after Sam Agent set the priority to Low; the priority follows the matrix to Urgent.');
  expect(priorityLockedNote(en, { by: null, from: 'High', to: 'Low' }, 'High')).toBe('SLA Desk: the priority is locked to the matrix. an agent changed it from High to Low; it was set back to High. A triage lead can override it with a reason.');
});

test('a kept promise reads back by its reference line; the older form too', () => {
  const note = metNote(kiwi, { metric: 'findings.sent', label: 'Findings', by: 'Eve "the lead"', at: '2026-11-20T15:30:00.000Z' });
  expect(note).toBe('SLA Desk : Findings respecté, marqué par Eve "the lead" le ven. 20 nov., 10 h 30 Toronto (15 h 30 UTC).\n[sla-desk met findings.sent 2026-11-20T15:30:00.000Z "Eve \\"the lead\\""]');
  expect(readMetRef(note)).toEqual({ metric: 'findings.sent', at: '2026-11-20T15:30:00.000Z', by: 'Eve "the lead"' });
  expect(parseMetNote(note)).toEqual({ type: 'met', metric: 'findings.sent', at: '2026-11-20T15:30:00.000Z' });
  expect(parseMetNote('SLA Desk: Findings kept (findings.sent), marked by Eve at 2026-11-20T15:30:00.000Z.')).toEqual({ type: 'met', metric: 'findings.sent', at: '2026-11-20T15:30:00.000Z' });
  expect(readMetRef('just a comment')).toBeNull();
});

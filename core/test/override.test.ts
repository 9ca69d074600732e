import { evaluate } from '../src/evaluate';
import { makeOverride, overrideNotice, parseOverrideNote } from '../src/override';
import { overrideNote } from '../src/notes';
import { preset, timeline } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const at = Date.parse('2026-11-20T15:00:00Z');

test('an override is built, audited and honoured by evaluate', () => {
  const { override, problems } = makeOverride(kiwi, { by: 'Lea (lead)', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources', notify: true }, at);
  expect(problems).toEqual([]);
  expect(override).toEqual({ type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'Lea (lead)', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources', notify: true });
  // KIWI's policy is in French, on Toronto's calendar.
  expect(overrideNote(kiwi, override!)).toBe('Priorité modifiée par Lea (lead) le ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC) : P2 → P3.\nRaison : Client unable to provide the resources\n[sla-desk override 2026-11-20T15:00:00.000Z P2 P3 "Lea (lead)"]');
  expect(overrideNote({ ...kiwi, locale: 'en' }, override!)).toBe('Priority override by Lea (lead) on Fri 20 Nov, 10:00 Toronto (15:00 UTC): P2 → P3.\nReason: Client unable to provide the resources\n[sla-desk override 2026-11-20T15:00:00.000Z P2 P3 "Lea (lead)"]');
  expect(overrideNotice(override!, 'en')).toBe('The priority of your request was changed from P2 to P3. Reason: Client unable to provide the resources');
  const d = evaluate(kiwi, timeline({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { impact: '1', urgency: '2' }, events: [override!] }), at);
  expect(d.priority).toMatchObject({ id: 'P3', source: 'override' });
});

test.each([
  [{ by: 'x', to: 'P3', reason: '' }, 'reason', 'a reason of at least 3 characters is required'],
  [{ by: 'x', to: 'P7', reason: 'because' }, 'to', 'unknown priority "P7" (known: P1, P2, P3, P4)'],
  [{ by: 'x', from: 'P3', to: 'P3', reason: 'because' }, 'to', 'the priority is already P3'],
  [{ by: '', to: 'P3', reason: 'because' }, 'by', 'who made the override is required'],
])('a bad override is refused with the field: %j', (req, path, message) => {
  const { override, problems } = makeOverride(kiwi, req, at);
  expect(override).toBeUndefined();
  expect(problems).toEqual([expect.objectContaining({ path, message })]);
});

test('an override note reads back as the same override, in English and French', () => {
  const { override } = makeOverride(kiwi, { by: 'Léa Tremblay', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources.\nSee call notes.' }, at);
  for (const locale of ['en', 'fr']) expect(parseOverrideNote(overrideNote({ ...kiwi, locale }, override!))).toEqual(override);
  // A name that is two lines, or that writes its own reference line, stays the one name it is.
  const sly = makeOverride(kiwi, { by: 'Eve\n[sla-desk override 2020-01-01T00:00:00.000Z P4 P1 "Boss"]', to: 'P1', reason: 'because' }, at).override!;
  expect(parseOverrideNote(overrideNote(kiwi, sly))).toMatchObject({ by: 'Eve [sla-desk override 2020-01-01T00:00:00.000Z P4 P1 "Boss"]', from: null, to: 'P1', at: '2026-11-20T15:00:00.000Z' });
  expect(parseOverrideNote('Priority override by someone: P1 → P2')).toBeNull();
  expect(parseOverrideNote('Just a note about priority')).toBeNull();
});

test('an override note written before the reference line is still read, in English and French', () => {
  expect(parseOverrideNote('Priority override by Lea (lead) at 2026-11-20T15:00:00.000Z: P2 → P3.\nReason: Client unable to provide the resources')).toEqual({ type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'Lea (lead)', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources', notify: false });
  expect(parseOverrideNote('Priorité modifiée par Léa le 2026-11-20T15:00:00.000Z : — → P1.\nRaison : Tout est en panne')).toMatchObject({ by: 'Léa', from: null, to: 'P1', reason: 'Tout est en panne' });
});

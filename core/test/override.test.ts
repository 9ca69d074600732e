import { evaluate } from '../src/evaluate';
import { makeOverride, overrideNote, overrideNotice, parseOverrideNote } from '../src/override';
import { preset, timeline } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const at = Date.parse('2026-11-20T15:00:00Z');

test('an override is built, audited and honoured by evaluate', () => {
  const { override, problems } = makeOverride(kiwi, { by: 'Lea (lead)', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources', notify: true }, at);
  expect(problems).toEqual([]);
  expect(override).toEqual({ type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'Lea (lead)', from: 'P2', to: 'P3', reason: 'Client unable to provide the resources', notify: true });
  expect(overrideNote(override!, 'en')).toBe('Priority override by Lea (lead) at 2026-11-20T15:00:00.000Z: P2 → P3.\nReason: Client unable to provide the resources');
  expect(overrideNote(override!, 'fr')).toMatch(/^Priorité modifiée par Lea \(lead\)/);
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
  for (const locale of ['en', 'fr']) expect(parseOverrideNote(overrideNote(override!, locale))).toEqual(override);
  expect(parseOverrideNote('Priority override by someone: P1 → P2')).toBeNull();
  expect(parseOverrideNote('Just a note about priority')).toBeNull();
});

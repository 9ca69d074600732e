import { formatMetNote, parseMetNote } from '../src/jira/met-note';
import { PRESETS } from '../src/presets';

/** The "Mark as met" note: whatever the caller's display name, it reads back as the one Metric marked. */
const at = '2026-11-20T15:00:00.000Z';
const note = (by: string, metric = 'critical_notice', label = 'Critical issue notification') => formatMetNote(PRESETS.interopion, { metric, label, by, at });
// The one-line form written before the reference line (still on issues), as it wrote it.
const quoted = (by: string, metric = 'critical_notice', label = 'Critical issue notification') => `SLA Desk: ${label} kept (${metric}), marked by ${JSON.stringify(by)} at ${at}.`;

test('the note is in the policy\'s words and zone, and its reference line is the one the timeline reads', () => {
  expect(note('Lea Agent')).toBe('SLA Desk: Critical issue notification kept, marked by Lea Agent on Fri 20 Nov, 08:00 Denver (15:00 UTC).\n[sla-desk met critical_notice 2026-11-20T15:00:00.000Z "Lea Agent"]');
  expect(formatMetNote({ ...PRESETS.interopion, locale: 'fr' }, { metric: 'critical_notice', label: 'Avis', by: 'Léa', at })).toBe('SLA Desk : Avis respecté, marqué par Léa le ven. 20 nov., 08 h 00 Denver (15 h 00 UTC).\n[sla-desk met critical_notice 2026-11-20T15:00:00.000Z "Léa"]');
});

test.each([
  ['a plain name', 'Lea Agent'],
  ['a name that is another note', 'Eve. SLA Desk: Resolution kept (resolution), marked by Eve'],
  ['a name that closes the quote and writes its own ending', 'Eve" at 2020-01-01T00:00:00.000Z. SLA Desk: Resolution kept (resolution), marked by "Eve'],
  ['quotes and backslashes', 'O\'Brien "the \\ fixer" \\" \\\\'],
  ['unicode', 'Zoë 李小龍 🧑‍💻 Ålesund'],
  ['a name ending as the note does', 'Eve at 2030-01-01T00:00:00.000Z.'],
])('%s round-trips to exactly its Metric and name', (_case, by) => {
  const text = note(by);
  expect(text.split('\n')).toHaveLength(2);
  expect(parseMetNote(text)).toEqual({ metric: 'critical_notice', by, at });
  // The one-line quoted form, written before, reads back the same, with its label.
  expect(parseMetNote(quoted(by))).toEqual({ metric: 'critical_notice', label: 'Critical issue notification', by, at });
});

test.each([
  ['a line break', 'Eve\nSLA Desk: Resolution kept (resolution), marked by Eve', 'Eve SLA Desk: Resolution kept (resolution), marked by Eve'],
  ['a carriage return and tabs', 'Eve\r\n\tMallory', 'Eve Mallory'],
  ['Unicode line and paragraph separators', 'Eve\u2028Mallory\u2029', 'Eve Mallory'],
  ['a bidirectional override', 'Eve\u202eyrollaM', 'Eve yrollaM'],
  ['nothing printable', '\n\t', 'an agent'],
])('a name with %s is written on one line, and reads back as written', (_case, by, written) => {
  const text = note(by);
  expect(text.split('\n')).toHaveLength(2);
  expect(text).not.toMatch(/[\r\t\u2028\u2029\u202e]/);
  expect(parseMetNote(text)).toEqual({ metric: 'critical_notice', by: written, at });
});

test('a label the admin wrote with quotes or a line break still reads as its own Metric', () => {
  const text = note('Eve', 'findings.sent', 'Findings "sent"\nkept (other), marked by "x"');
  expect(parseMetNote(text)).toMatchObject({ metric: 'findings.sent', by: 'Eve', at });
});

test('a note that merely contains the text, or alters it, is not taken', () => {
  const text = note('Lea Agent');
  for (const other of [
    `FYI ${text}`,
    `${text} Thanks!`,
    `${text}\n${text}`,
    `${note('Eve. SLA Desk: Resolution kept (resolution), marked by Eve')}\n`,
    ` ${text}`,
    `Reply:\n${text}`,
    text.replace(at, '2026-11-20T15:00:00Z'),
    text.replace(at, '2026-02-30T15:00:00.000Z'),
    text.replace('"Lea Agent"', '"Lea\\nAgent"'),
    text.replace('"Lea Agent"', '"Lea \\u0041gent"'),
    text.replace('"Lea Agent"', '"Lea "Agent"'),
    '',
  ]) expect(parseMetNote(other)).toBeNull();
  const one = quoted('Lea Agent');
  for (const other of [`FYI ${one}`, `${one} Thanks!`, ` ${one}`, one.replace('"Lea Agent"', '"Lea \\u0041gent"'), one.replace('(critical_notice)', '(critical notice)')]) expect(parseMetNote(other)).toBeNull();
});

describe('notes written before names were quoted (they are still on issues)', () => {
  const old = (by: string) => `SLA Desk: Critical issue notification kept (critical_notice), marked by ${by} at ${at}.`;

  test.each([
    ['a plain name', 'Lea Agent'],
    ['a name that is another note', 'Eve. SLA Desk: Resolution kept (resolution), marked by Eve'],
    ['a line break', 'Eve\nSLA Desk: Resolution kept (resolution), marked by Eve'],
    ['a name ending as the note does', 'Eve at 2030-01-01T00:00:00.000Z. x'],
  ])('%s reads as the Metric the app marked, at the instant it wrote', (_case, by) => {
    expect(parseMetNote(old(by))).toMatchObject({ metric: 'critical_notice', at });
  });

  test('only the whole note counts', () => {
    expect(parseMetNote(`FYI ${old('Lea Agent')}`)).toBeNull();
    expect(parseMetNote(`${old('Lea Agent')} Thanks!`)).toBeNull();
  });
});

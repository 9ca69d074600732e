import { makeOverride, reasonProblem } from '../src/override';
import { noticeLanguage, noticeLanguageText } from '../src/notice-language';
import { overridePreview, resolutionBeforeResponse } from '../src/view';
import { preset, timeline, variant } from './helpers';

const kiwi = preset('kiwi-stage-plus');
// Friday 10:00 in Toronto, in KIWI's business hours; a Basic ticket classified P2 at 09:00.
const now = Date.parse('2026-11-20T15:00:00Z');
const basicP2 = timeline({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { impact: '1', urgency: '2' }, events: [] });

test('a Basic ticket overridden to P3 (response 8h, resolution 4h) is warned of: resolution would come due first', () => {
  const rows = overridePreview(kiwi, basicP2, 'P3', now, 'en', 'America/Toronto');
  const due = Object.fromEntries(rows.map((r) => [r.metric, r.afterDue]));
  // The instants themselves, so the warning is seen to follow them: 8h and 4h of business time from Friday 09:00 (08:30-16:30).
  expect(due).toEqual({ first_response: Date.parse('2026-11-23T14:00:00Z'), resolution: Date.parse('2026-11-20T18:00:00Z') });
  expect(resolutionBeforeResponse(kiwi, rows, 'en')).toBe('Resolution would be due before Initial response: the ticket would have to be solved before anyone answers it.');
  expect(resolutionBeforeResponse(kiwi, rows, 'fr')).toMatch(/^Resolution serait dû avant Initial response/);
});

test('no warning when resolution is due after the response, or once the response has stopped', () => {
  expect(resolutionBeforeResponse(kiwi, overridePreview(kiwi, basicP2, 'P1', now, 'en'), 'en')).toBeNull();
  const answered = timeline({ ...basicP2, events: [{ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' }] });
  const rows = overridePreview(kiwi, answered, 'P3', now, 'en');
  expect(rows.find((r) => r.metric === 'first_response')).toBeUndefined();
  expect(resolutionBeforeResponse(kiwi, rows, 'en')).toBeNull();
});

test('the warning reads each Metric by what stops it, not by its id', () => {
  const renamed = variant('kiwi-stage-plus', (p) => {
    p.metrics = { answer: { label: 'Answer', stopsAt: 'first_public_reply' }, fix: { label: 'Fix', stopsAt: 'solved' } };
    for (const t of Object.values(p.tiers) as { targets: Record<string, Record<string, unknown>> }[]) {
      for (const [prio, m] of Object.entries(t.targets)) t.targets[prio] = { answer: m.first_response, fix: m.resolution };
    }
  });
  expect(resolutionBeforeResponse(renamed, overridePreview(renamed, basicP2, 'P3', now, 'en'), 'en')).toMatch(/^Fix would be due before Answer/);
});

test('the notice language: the requester\'s when the host gives one the notice is written in, else says why not', () => {
  expect(noticeLanguage('fr-CA', 'en')).toEqual({ locale: 'fr', source: 'requester', tag: 'fr-CA' });
  expect(noticeLanguage('en-GB', 'fr')).toEqual({ locale: 'en', source: 'requester', tag: 'en-GB' });
  expect(noticeLanguage('de', 'fr')).toEqual({ locale: 'en', source: 'unsupported', tag: 'de' });
  expect(noticeLanguage(undefined, 'fr')).toEqual({ locale: 'fr', source: 'policy', tag: 'fr' });
  expect(noticeLanguage('  ', 'en')).toEqual({ locale: 'en', source: 'policy', tag: 'en' });
  expect(noticeLanguageText(noticeLanguage('fr', 'en'), 'zendesk', 'en')).toBe('The requester is told in French (their Zendesk language).');
  expect(noticeLanguageText(noticeLanguage(null, 'en'), 'jira', 'en')).toBe("The requester is told in English (the policy's language: Jira does not give the requester's).");
  expect(noticeLanguageText(noticeLanguage('de', 'en'), 'zendesk', 'en')).toBe('The requester is told in English (their Zendesk language, "de", has no notice text).');
  expect(noticeLanguageText(noticeLanguage('en', 'en'), 'jira', 'fr')).toBe('Le demandeur est informé en anglais (sa langue dans Jira).');
});

test('reasonProblem is the rule makeOverride applies, so a form can clear its error the moment it holds', () => {
  for (const reason of ['', '  ab ', 'abc', 'x'.repeat(1001), 42]) {
    const made = makeOverride(kiwi, { by: 'Lea', to: 'P3', reason }, now);
    expect(made.problems.find((p) => p.path === 'reason')?.message ?? null).toBe(reasonProblem(reason));
  }
  expect(reasonProblem('abc')).toBeNull();
});

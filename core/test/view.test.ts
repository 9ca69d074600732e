import { evaluate } from '../src/evaluate';
import { formatSpan, localeOf, summaryLine, ticketView } from '../src/view';
import { preset, timeline } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const created = '2026-11-20T14:00:00Z';
const tl = (events: any[] = []) => timeline({ id: '1', createdAt: created, fields: { impact: '2', urgency: '2', tier: 'plus' }, events });

describe('countdown text', () => {
  test.each([
    [0, 'en', '0m 00s'],
    [65_000, 'en', '1m 05s'],
    [3_600_000 + 5 * 60_000, 'en', '1h 05m'],
    [26 * 3_600_000, 'en', '26h 00m'],
    [3_600_000 + 5 * 60_000, 'fr', '1 h 05 min'],
    [65_000, 'fr', '1 min 05 s'],
  ] as const)('%d ms in %s is %s', (ms, locale, text) => {
    expect(formatSpan(ms, locale)).toBe(text);
  });

  test('locale tags map to the two supported locales', () => {
    expect(localeOf('fr-CA')).toBe('fr');
    expect(localeOf('en-US')).toBe('en');
    expect(localeOf(undefined)).toBe('en');
  });
});

describe('ticket view', () => {
  test('running, in English and French, with tones', () => {
    const d = evaluate(kiwi, tl(), '2026-11-20T14:20:00Z');
    const en = ticketView(d, 'en', 'America/Toronto');
    expect(en.metrics[0]).toMatchObject({ label: 'Initial response', state: 'running', stateLabel: 'On track', tone: 'success', text: '40m 00s left' });
    expect(en.metrics[0].dueText).toBe('Fri 20 Nov, 10:00');
    const fr = ticketView(d, 'fr', 'America/Toronto');
    expect(fr.metrics[0]).toMatchObject({ stateLabel: 'Dans les temps', text: '40 min 00 s restantes' });
    expect(en.priority).toEqual({ label: 'P2', reason: 'Impact 2 x Urgency 2 → P2', overridden: false });
    expect(en.tier).toEqual({ label: 'Plus', tag: 'sla_tier_plus', fallback: false });
  });

  test('breached, paused and met', () => {
    const breached = ticketView(evaluate(kiwi, tl(), '2026-11-20T15:10:00Z'), 'en');
    expect(breached.metrics[0]).toMatchObject({ tone: 'danger', text: 'Breached 10m 00s ago' });
    expect(breached.tone).toBe('danger');
    const paused = ticketView(evaluate(kiwi, tl([{ type: 'field', at: '2026-11-20T14:30:00Z', field: 'status', value: 'pending' }]), '2026-11-20T15:10:00Z'), 'fr');
    expect(paused.metrics[0]).toMatchObject({ tone: 'neutral', text: 'En pause · 30 min 00 s restantes' });
    const met = ticketView(evaluate(kiwi, tl([{ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' }]), '2026-11-20T15:10:00Z'), 'en');
    expect(met.metrics[0]).toMatchObject({ tone: 'info', text: 'Met', stateLabel: 'Met' });
  });

  test('the summary line shows the most urgent countdown, not merely the first', () => {
    expect(summaryLine(ticketView(evaluate(kiwi, tl(), '2026-11-20T14:20:00Z'), 'en'))).toBe('P2 · Plus · 40m 00s left');
    // First response met, resolution still running: the line moves on to the resolution.
    const met = ticketView(evaluate(kiwi, tl([{ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' }]), '2026-11-20T15:10:00Z'), 'en');
    expect(summaryLine(met)).toBe(`P2 · Plus · ${met.metrics[1].text}`);
    // A breached first response comes before the resolution still running.
    const breached = ticketView(evaluate(kiwi, tl(), '2026-11-20T15:10:00Z'), 'en');
    expect(summaryLine(breached)).toBe('P2 · Plus · Breached 10m 00s ago');
  });

  test('the maintenance badge appears only inside the window', () => {
    const p = preset('interopion');
    const t = timeline({ id: '1', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P3' } });
    expect(ticketView(evaluate(p, t, '2026-03-03T03:00:00Z'), 'en', 'America/Denver').maintenance).toEqual([
      { label: 'Maintenance Window (19:00-04:00 Mountain)', text: expect.stringMatching(/^Maintenance window until .*04:00$/) },
    ]);
    expect(ticketView(evaluate(p, t, '2026-03-03T18:00:00Z'), 'en').maintenance).toEqual([]);
  });

  test('the due text does not depend on the machine zone', () => {
    const v = ticketView(evaluate(kiwi, tl(), '2026-11-20T14:20:00Z'), 'en', 'UTC');
    expect(v.metrics[0].dueText).toBe('Fri 20 Nov, 15:00');
  });
});

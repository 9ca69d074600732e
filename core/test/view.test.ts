import { evaluate } from '../src/evaluate';
import { calendarInfo, formatSpan, localeOf, stateAnnouncement, summaryLine, ticketView } from '../src/view';
import { lintPolicy } from '../src/lint';
import { listPresets } from '../src/presets';
import { preset, timeline, variant } from './helpers';

const kiwi = preset('kiwi-stage-plus');
const created = '2026-11-20T14:00:00Z';
const tl = (events: any[] = [], fields: Record<string, string> = { impact: '2', urgency: '2', tier: 'plus' }) => timeline({ id: '1', createdAt: created, fields, events });

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
  test('a countdown names its metric and calendar, says business time, and the due is in the agent’s zone, named', () => {
    const d = evaluate(kiwi, tl(), '2026-11-20T14:20:00Z');
    const en = ticketView(d, 'en', 'America/Vancouver', kiwi);
    expect(en.metrics[0]).toMatchObject({
      label: 'Initial response',
      state: 'running',
      stateLabel: 'On track',
      tone: 'success',
      text: '40m 00s business time left',
      clockText: 'KIWI business hours, Toronto',
      resumesText: null,
      line: '40m 00s business time left · KIWI business hours, Toronto',
      // 15:00 UTC is 07:00 in Vancouver, where this agent works.
      dueText: 'Fri 20 Nov, 07:00 Vancouver',
      businessTime: true,
    });
    const fr = ticketView(d, 'fr', 'America/Toronto', kiwi);
    expect(fr.metrics[0]).toMatchObject({ stateLabel: 'Dans les temps', text: '40 min 00 s restantes en heures ouvrées', dueText: expect.stringMatching(/^ven\. 20 nov\..* 10 h 00 Toronto$/) });
    expect(en.priority).toEqual({ label: 'P2', reason: 'Important × High → P2', overridden: false });
    expect(en.context).toBe('KIWI STAGE+ · Plus');
    expect(en.tier).toEqual({ label: 'Plus', tag: 'sla_tier_plus', fallback: false });
  });

  test('on a 24x7 calendar the countdown is clock time and says so', () => {
    const scale = preset('scale');
    const d = evaluate(scale, timeline({ id: '1', createdAt: created, fields: { priority: 'critical', tier: 'enterprise' } }), '2026-11-20T14:20:00Z');
    const m = ticketView(d, 'en', 'UTC', scale).metrics.find((x) => x.state === 'running')!;
    expect(m.text).toBe('40m 00s left');
    expect(m.clockText).toBe('24/7');
    expect(m.businessTime).toBe(false);
  });

  test('outside working hours the countdown says when it resumes, in the calendar’s zone', () => {
    // Created Friday 20 Nov 16:00 Toronto, 30 minutes before closing: on Saturday 30m are left, from Monday 08:30.
    const late = timeline({ id: '1', createdAt: '2026-11-20T21:00:00Z', fields: { impact: '2', urgency: '2', tier: 'plus' } });
    const v = ticketView(evaluate(kiwi, late, '2026-11-21T15:00:00Z'), 'en', 'Europe/Paris', kiwi);
    expect(v.metrics[0].resumesText).toBe('resumes Mon 08:30 Toronto');
    expect(v.metrics[0].line).toBe('30m 00s business time left · KIWI business hours, Toronto · resumes Mon 08:30 Toronto');
    const fr = ticketView(evaluate(kiwi, late, '2026-11-21T15:00:00Z'), 'fr', 'Europe/Paris', kiwi);
    expect(fr.metrics[0].resumesText).toBe('reprend lun. 08 h 30 Toronto');
  });

  test('paused shows no due; met says when; breached says by how much', () => {
    const breached = ticketView(evaluate(kiwi, tl(), '2026-11-20T15:10:00Z'), 'en', 'UTC', kiwi);
    expect(breached.metrics[0]).toMatchObject({ tone: 'danger', text: 'Breached 10m 00s business time ago', dueText: 'Fri 20 Nov, 15:00 UTC' });
    expect(breached.tone).toBe('danger');
    const paused = ticketView(evaluate(kiwi, tl([{ type: 'field', at: '2026-11-20T14:30:00Z', field: 'status', value: 'pending' }]), '2026-11-20T15:10:00Z'), 'fr', 'UTC', kiwi);
    expect(paused.metrics[0]).toMatchObject({ tone: 'neutral', text: 'En pause · 30 min 00 s restantes en heures ouvrées', dueText: null });
    const met = ticketView(evaluate(kiwi, tl([{ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' }]), '2026-11-20T15:10:00Z'), 'en', 'America/Toronto', kiwi);
    expect(met.metrics[0]).toMatchObject({ tone: 'info', text: 'Met at Fri 20 Nov, 09:30 Toronto', stateLabel: 'Met', dueText: null, clockText: null });
  });

  test('the summary line names the metric it counts down, the most urgent one', () => {
    expect(summaryLine(ticketView(evaluate(kiwi, tl(), '2026-11-20T14:20:00Z'), 'en', 'UTC', kiwi))).toBe('P2 · Plus · Initial response: 40m 00s business time left');
    // First response met, resolution still running: the line moves on to the resolution.
    const met = ticketView(evaluate(kiwi, tl([{ type: 'reply', at: '2026-11-20T14:30:00Z', public: true, author: 'agent' }]), '2026-11-20T15:10:00Z'), 'en', 'UTC', kiwi);
    expect(summaryLine(met)).toBe(`P2 · Plus · Resolution: ${met.metrics[1].text}`);
    // A breached first response comes before the resolution still running.
    const breached = ticketView(evaluate(kiwi, tl(), '2026-11-20T15:10:00Z'), 'en', 'UTC', kiwi);
    expect(summaryLine(breached)).toBe('P2 · Plus · Initial response: Breached 10m 00s business time ago');
    expect(stateAnnouncement(breached)).toBe('Initial response: Breached. Resolution: On track');
  });

  test('a ticket with no priority shows its triage clock, labelled', () => {
    const v = ticketView(evaluate(kiwi, tl([], { tier: 'plus' }), '2026-11-20T14:20:00Z'), 'en', 'UTC', kiwi);
    expect(v.priority).toMatchObject({ label: 'No priority yet', reason: 'Fill in Impact and Urgency' });
    expect(v.metrics[0]).toMatchObject({ metric: 'triage', label: 'Triage', text: '40m 00s business time left' });
    expect(summaryLine(v)).toBe('No priority yet · Plus · Triage: 40m 00s business time left');
    // Classified at creation, there was never anything to triage: no row for it.
    expect(ticketView(evaluate(kiwi, tl(), '2026-11-20T14:20:00Z'), 'en', 'UTC', kiwi).metrics.map((m) => m.metric)).toEqual(['first_response', 'resolution']);
  });

  test('a triage clock missed and then done is history: listed last, and the line is about the live clocks', () => {
    const late = tl([{ type: 'field', at: '2026-11-20T16:00:00Z', field: 'impact', value: '2' }, { type: 'field', at: '2026-11-20T16:00:00Z', field: 'urgency', value: '2' }], { tier: 'plus' });
    const v = ticketView(evaluate(kiwi, late, '2026-11-20T16:10:00Z'), 'en', 'UTC', kiwi);
    expect(v.metrics.map((m) => m.metric)).toEqual(['first_response', 'resolution', 'triage']);
    expect(v.metrics[2]).toMatchObject({ state: 'breached', stopped: true, text: 'Missed by 1h 00m business time' });
    expect(summaryLine(v)).toMatch(/^P2 · Plus · Initial response: /);
  });

  test('an override reads in labels', () => {
    const p = variant('kiwi-stage-plus', (r) => {
      r.priorities.P2.label = 'P2 High';
    });
    const v = ticketView(evaluate(p, tl([{ type: 'override', at: '2026-11-20T14:10:00Z', by: 'Lea', from: 'P2', to: 'P1', reason: 'outage' }]), '2026-11-20T14:20:00Z'), 'en', 'UTC', p);
    expect(v.priority).toEqual({ label: 'P1', reason: 'Override by Lea: P2 High → P1 (outage)', overridden: true });
  });

  test('the maintenance badge appears only inside the window', () => {
    const p = preset('interopion');
    const t = timeline({ id: '1', createdAt: '2026-03-02T15:00:00Z', fields: { priority: 'P3' } });
    expect(ticketView(evaluate(p, t, '2026-03-03T03:00:00Z'), 'en', 'America/Denver').maintenance).toEqual([
      { label: 'Maintenance Window (19:00-04:00 Mountain)', text: 'Maintenance window until Tue 3 Mar, 04:00 Denver' },
    ]);
    expect(ticketView(evaluate(p, t, '2026-03-03T18:00:00Z'), 'en').maintenance).toEqual([]);
  });

  test('the due text does not depend on the machine zone', () => {
    const v = ticketView(evaluate(kiwi, tl(), '2026-11-20T14:20:00Z'), 'en', 'UTC');
    expect(v.metrics[0].dueText).toBe('Fri 20 Nov, 15:00 UTC');
  });
});

test('no calendar label an agent sees says what is assumed; sla check lists the assumption, and warns of a label that says it', () => {
  for (const { id } of listPresets()) {
    const p = preset(id);
    for (const cal of Object.keys(p.calendars)) expect([id, cal, calendarInfo(p, cal).label]).toEqual([id, cal, expect.not.stringMatching(/assum/i)]);
  }
  expect(lintPolicy(kiwi)).toContainEqual(expect.objectContaining({ level: 'assumption', path: 'calendars.business' }));
  const labelled = { ...kiwi, calendars: { ...kiwi.calendars, business: { ...(kiwi.calendars.business as object), label: 'KIWI hours (assumed)' } } } as typeof kiwi;
  expect(lintPolicy(labelled)).toContainEqual(expect.objectContaining({ level: 'warning', path: 'calendars.business.label', code: 'assumed-label' }));
});

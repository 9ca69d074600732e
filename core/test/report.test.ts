import { evaluate } from '../src/evaluate';
import { ReportBuilder } from '../src/report';
import { preset, timeline } from './helpers';

test('met %, breaches and median per tier x priority x metric', () => {
  const kiwi = preset('kiwi-stage-plus');
  const created = '2026-11-20T14:00:00Z';
  const replyAt = (min: number) => new Date(Date.parse(created) + min * 60_000).toISOString();
  const r = new ReportBuilder();
  for (const [id, min] of [['a', 30], ['b', 60], ['c', 150], ['d', null]] as const) {
    const events = min === null ? [] : [{ type: 'reply' as const, at: replyAt(min), public: true, author: 'agent' as const }];
    r.add(evaluate(kiwi, timeline({ id, createdAt: created, fields: { impact: '2', urgency: '2', tier: 'basic' }, events }), '2026-11-20T15:00:00Z'));
  }
  const row = r.rows().find((x) => x.metric === 'first_response')!;
  // a and b met (30m, 60m); c replied after the 2h due (breached) but after "now" so it is unseen: open.
  expect(row).toMatchObject({ tier: 'basic', priority: 'P2', tickets: 4, met: 2, breached: 0, open: 2, metPercent: 100, medianWorkingMs: 45 * 60_000 });
  const later = new ReportBuilder();
  for (const [id, min] of [['a', 30], ['c', 150]] as const) {
    later.add(evaluate(kiwi, timeline({ id, createdAt: created, fields: { impact: '2', urgency: '2', tier: 'basic' }, events: [{ type: 'reply', at: replyAt(min), public: true, author: 'agent' }] }), '2026-11-21T00:00:00Z'));
  }
  expect(later.rows().find((x) => x.metric === 'first_response')).toMatchObject({ met: 1, breached: 1, metPercent: 50 });
});

import { promiseTable } from '../src/promises';
import { preset, variant } from './helpers';

test('KIWI: every tier and priority with its calendar and each metric as written', () => {
  const t = promiseTable(preset('kiwi-stage-plus'));
  expect(t.metrics).toEqual([
    { id: 'first_response', label: 'Initial response' },
    { id: 'resolution', label: 'Resolution' },
  ]);
  expect(t.rows).toHaveLength(8);
  expect(t.rows[2]).toEqual({ tier: 'basic', tierLabel: 'Basic', priority: 'P3', priorityLabel: expect.any(String), calendar: 'KIWI business hours, Toronto', targets: ['8h', '4h'] });
  // Plus P1 counts on 24x7, which differs from the tier's calendar: the cell says so.
  expect(t.rows[4]).toMatchObject({ tier: 'plus', priority: 'P1', targets: ['30m on 24/7', '4h on 24/7'] });
});

test('a priority a tier promises nothing for shows null cells; coverage sets the row calendar', () => {
  const p = variant('kiwi-stage-plus', (raw) => {
    delete raw.tiers.basic.targets.P4;
    raw.coverage = { P1: ['business'] };
    raw.tiers.basic.targets.P1 = { first_response: { in: '1h', calendar: 'business' }, resolution: '8h' };
  });
  const rows = promiseTable(p).rows;
  expect(rows.find((r) => r.tier === 'basic' && r.priority === 'P4')!.targets).toEqual([null, null]);
  // Its own calendar is the row's: not repeated in the cell.
  expect(rows.find((r) => r.tier === 'basic' && r.priority === 'P1')!.targets).toEqual(['1h', '8h']);
});

import { lintPolicy } from '../src/lint';
import { evaluate } from '../src/evaluate';
import { statusWord } from '../src/status';
import { HOUR, T, preset, timeline, variant } from './helpers';

describe('host statuses map onto the policy clock words', () => {
  const kiwi = preset('kiwi-stage-plus');

  it("Zendesk's hold pauses the presets' clock (Zendesk sends hold, never on-hold)", () => {
    expect(statusWord(kiwi, 'zendesk', { name: 'hold' })).toBe('hold');
    expect(kiwi.clock.pauseStatuses).toContain('hold');
    expect(statusWord(kiwi, 'zendesk', { name: 'pending' })).toBe('pending');
    expect(statusWord(kiwi, 'zendesk', { name: 'open' })).toBe('open');
    expect(statusWord(kiwi, 'zendesk', { name: 'closed' })).toBe('closed');
  });

  it('a Zendesk custom status counts by its category unless the policy maps its id', () => {
    expect(statusWord(kiwi, 'zendesk', { name: 'Waiting on vendor', category: 'hold', id: 901 })).toBe('hold');
    expect(statusWord(kiwi, 'zendesk', { name: 'Triage', category: 'open', id: 902 })).toBe('open');
    const mapped = variant('kiwi-stage-plus', (p) => {
      p.clock.hosts = { zendesk: { pending: { ids: [902] } } };
    });
    // The id wins over the category: this open-category custom status pauses as "pending".
    expect(statusWord(mapped, 'zendesk', { name: 'Triage', category: 'open', id: 902 })).toBe('pending');
  });

  it("Jira's JSM statuses map by name, and Done by category", () => {
    expect(statusWord(kiwi, 'jira', { name: 'Waiting for customer', category: 'indeterminate' })).toBe('pending');
    expect(statusWord(kiwi, 'jira', { name: 'waiting for CUSTOMER' })).toBe('pending');
    expect(statusWord(kiwi, 'jira', { name: 'Pending', category: 'indeterminate' })).toBe('hold');
    expect(statusWord(kiwi, 'jira', { name: 'Resolved', category: 'done' })).toBe('solved');
    expect(statusWord(kiwi, 'jira', { name: 'In Progress', category: 'indeterminate' })).toBe('open');
    expect(statusWord(kiwi, 'jira', null)).toBeNull();
  });

  it('a mapped Jira pause status really pauses the evaluation', () => {
    const created = '2026-11-23T15:00:00Z';
    const word = statusWord(kiwi, 'jira', { name: 'Waiting for customer' });
    const tl = timeline({ id: 'T-1', createdAt: created, fields: { impact: '2', urgency: '1', tier: 'plus', status: 'open' }, events: [{ type: 'field', at: '2026-11-23T15:10:00Z', field: 'status', value: word }] });
    const d = evaluate(kiwi, tl, T('2026-11-23T17:00:00Z'));
    expect(d.metrics.find((m) => m.metric === 'resolution')?.state).toBe('paused');
    void HOUR;
  });

  it('sla check warns when a pause word matches nothing a host can send', () => {
    const old = variant('kiwi-stage-plus', (p) => {
      p.clock.pauseStatuses = ['pending', 'on-hold'];
      delete p.clock.hosts;
    });
    const warnings = lintPolicy(old).filter((p) => p.code === 'unmapped-status');
    expect(warnings.map((w) => [w.path, w.message.split(' matches')[0]])).toEqual(
      expect.arrayContaining([
        ['clock.pauseStatuses[1]', '"on-hold"'],
        ['clock.pauseStatuses[0]', '"pending"'],
      ]),
    );
    expect(warnings.find((w) => w.path === 'clock.pauseStatuses[1]' && w.message.includes('Zendesk'))).toBeDefined();
    // pending is a Zendesk status, so on Zendesk only the Jira side lacks it.
    expect(warnings.filter((w) => w.path === 'clock.pauseStatuses[0]').map((w) => w.message.includes('Jira'))).toEqual([true]);
    // The presets map every word on both hosts.
    for (const id of ['kiwi-stage-plus', 'scale', 'scalr', 'interopion', 'bespoke-s1-s5']) {
      expect(lintPolicy(preset(id)).filter((p) => p.code === 'unmapped-status')).toEqual([]);
    }
  });

  it('sla check names the priorities that share a Zendesk priority', () => {
    const shared = lintPolicy(preset('bespoke-s1-s5')).filter((p) => p.code === 'shared-native-priority');
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.some((w) => /S3, S4 share Zendesk's "normal"/.test(w.message))).toBe(true);
  });
});

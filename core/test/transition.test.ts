import { evaluate } from '../src/evaluate';
import { nextTransition } from '../src/transition';
import { T, timeline, variant } from './helpers';

describe('nextTransition: the instant the state next changes by time alone', () => {
  const tl = timeline({ id: 'T-1', createdAt: '2026-11-23T14:00:00Z', fields: { impact: '2', urgency: '1', tier: 'plus', status: 'open' }, events: [] });

  // Floats: used*100 >= percent must hold at the instant computed, for every percent (29% of 1h once failed).
  test.each(Array.from({ length: 99 }, (_, i) => i + 1))('at %i%% elapsed the evaluation agrees, and a minute before it does not', (percent) => {
    const policy = variant('kiwi-stage-plus', (p) => {
      p.clock.atRisk = { percentElapsed: percent };
    });
    let now = T('2026-11-23T14:00:30Z');
    const seen: string[] = [];
    for (let step = 0; step < 6; step++) {
      const d = evaluate(policy, tl, now);
      const next = nextTransition(policy, d);
      if (!next) break;
      const at = evaluate(policy, tl, next.at).metrics.find((m) => m.metric === next.metric)!;
      expect(at.state).toBe(next.to);
      const before = evaluate(policy, tl, next.at - 60_000).metrics.find((m) => m.metric === next.metric)!;
      if (next.at - 60_000 > now) expect(before.state).not.toBe(next.to);
      seen.push(`${next.metric}:${next.to}`);
      now = next.at;
    }
    expect(seen).toContain('first_response:breached');
    expect(seen).toContain('first_response:at_risk');
  });

  test('a paused or stopped ticket has no transition due to time', () => {
    const policy = variant('kiwi-stage-plus', () => undefined);
    const paused = timeline({ id: 'T-2', createdAt: '2026-11-23T14:00:00Z', fields: { impact: '2', urgency: '1', tier: 'plus', status: 'pending' }, events: [] });
    expect(nextTransition(policy, evaluate(policy, paused, T('2026-11-23T14:10:00Z')))).toBeNull();
  });
});

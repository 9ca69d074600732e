import fc from 'fast-check';
import { evaluate } from '../src/evaluate';
import { nextTransition } from '../src/transition';
import { parsePolicy } from '../src/parse';
import { errorsOf, iso, MIN, T, timeline } from './helpers';
import { validatePolicyText } from '../src/lint';

/**
 * Issue 20, core: rules that choose a tier, Targets or a Calendar by any condition on the ticket
 * (first match wins), and escalation ladders.
 */
const POLICY = `
sla: 1
id: rules
name: Rules
classification: { method: severity }
priorities:
  P1: { label: P1, zendesk: urgent, jira: Highest }
  P2: { label: P2, zendesk: normal, jira: Medium }
metrics:
  first_response:
    label: First reply
    stopsAt: first_public_reply
    ladder:
      - { at: { percent: 50 }, label: Tell the agent, actions: [{ note: true }] }
      - { at: { percent: 90 }, label: Tell the lead, actions: [{ tag: sla_escalated }, { notify: "https://hooks.example.com/lead" }] }
      - { at: { breached: true }, label: Breached, actions: [{ raisePriority: true }] }
      - { at: { afterBreach: 1h }, label: Tell the manager, actions: [{ assignGroup: "360001" }] }
  resolution: { label: Resolution, stopsAt: solved }
calendars:
  berlin: { zone: Europe/Berlin, hours: { weekdays: ["09:00-17:00"] } }
attributes:
  product: { label: Product, zendesk: { ticketField: 360012 }, jira: { field: customfield_10070 } }
tiers:
  basic:
    label: Basic
    targets:
      P1: { first_response: 4h, resolution: 2d }
      P2: { first_response: 8h, resolution: 5d }
  plus:
    label: Plus
    targets:
      P1: { first_response: 1h, resolution: 1d }
      P2: { first_response: 2h, resolution: 2d }
defaultTier: basic
rules:
  - name: VIP organizations on Plus
    when: { organization: [Acme, Globex], tag: [vip] }
    tier: plus
  - name: Mobile P1 within 30 minutes
    when: { product: mobile, priority: P1 }
    targets: { first_response: 30m }
  - name: EMEA on the Berlin hours
    when: { tag: [emea] }
    calendar: berlin
`;
const policy = (() => {
  const { policy: p, problems } = parsePolicy(POLICY);
  if (!p) throw new Error(problems.map((x) => `${x.path}: ${x.message}`).join('\n'));
  return p;
})();
const C = T('2026-03-02T09:00:00Z'); // a Monday
const at = (min: number) => iso(C + min * MIN);
const ticket = (extra: Record<string, unknown> = {}, events: unknown[] = [], priority = 'P1') =>
  timeline({ id: 't', createdAt: iso(C), fields: { status: 'open', priority, tier: 'basic', ...((extra.fields as object) ?? {}) }, tags: (extra.tags as string[]) ?? [], attributes: (extra.attributes as Record<string, string>) ?? {}, events: events as never });
const fr = (d: ReturnType<typeof evaluate>) => d.metrics.find((m) => m.metric === 'first_response')!;

test('the policy checks', () => {
  expect(errorsOf(POLICY)).toEqual([]);
});

describe('rules', () => {
  test('a VIP organization with the tag gets the Plus tier and its Targets; the rule is named', () => {
    const d = evaluate(policy, ticket({ fields: { organization: 'acme' }, tags: ['VIP', 'other'] }), C + 10 * MIN);
    expect(d.tier.id).toBe('plus');
    expect(d.rule).toEqual({ index: 0, name: 'VIP organizations on Plus' });
    expect(fr(d).due).toBe(C + 60 * MIN);
  });

  test('every condition must hold: the organization without the tag stays on its own tier', () => {
    const d = evaluate(policy, ticket({ fields: { organization: 'Acme' } }), C + 10 * MIN);
    expect(d.tier.id).toBe('basic');
    expect(d.rule).toBeUndefined();
  });

  test('a rule with Targets of its own replaces the row only for its Metrics', () => {
    const d = evaluate(policy, ticket({ attributes: { product: 'Mobile' } }), C + 10 * MIN);
    expect(d.rule?.index).toBe(1);
    expect(fr(d).due).toBe(C + 30 * MIN);
    expect(d.metrics.find((m) => m.metric === 'resolution')!.target).toBe('2d');
  });

  test('the first match wins, and conditions read the ticket as it stands now (a tag added later counts)', () => {
    const d = evaluate(policy, ticket({ fields: { organization: 'globex' }, attributes: { product: 'mobile' } }, [{ type: 'tags', at: at(5), tags: ['vip'] }]), C + 10 * MIN);
    expect(d.rule?.index).toBe(0);
    expect(fr(d).due).toBe(C + 60 * MIN);
    const before = evaluate(policy, ticket({ fields: { organization: 'globex' }, attributes: { product: 'mobile' } }, [{ type: 'tags', at: at(5), tags: ['vip'] }]), C + 4 * MIN);
    expect(before.rule?.index).toBe(1);
  });

  test('a Calendar chosen by condition counts the Targets on its hours', () => {
    // Created 15:00 UTC (16:00 in Berlin) with 4h: Berlin's hours give 1h on Monday and 3h from
    // 09:00 Berlin (08:00 UTC) on Tuesday, due 11:00 UTC; on the tier's 24x7, 19:00 UTC Monday.
    const late = (tags: string[]) => timeline({ id: 't', createdAt: '2026-03-02T15:00:00Z', fields: { status: 'open', priority: 'P1', tier: 'basic' }, tags });
    const emea = fr(evaluate(policy, late(['emea']), T('2026-03-02T15:30:00Z')));
    expect(emea.calendar).toBe('berlin');
    expect(emea.due).toBe(T('2026-03-03T11:00:00Z'));
    const plain = fr(evaluate(policy, late([]), T('2026-03-02T15:30:00Z')));
    expect(plain.calendar).toBe('24x7');
    expect(plain.due).toBe(T('2026-03-02T19:00:00Z'));
  });

  test('sla check names unknown keys and tiers, rules that never match, are shadowed, or change nothing', () => {
    const bad = POLICY.replace('  - name: EMEA on the Berlin hours\n    when: { tag: [emea] }\n    calendar: berlin\n', `  - name: EMEA on the Berlin hours
    when: { tag: [emea] }
    calendar: berlin
  - when: { organization: [acme], tag: [vip] }
    tier: plus
  - when: { colour: [red] }
    tier: gold
  - when: { priority: [P9] }
    targets: { first_response: 10m }
  - when: { tag: [quiet] }
`);
    const problems = validatePolicyText(bad).problems.map((p) => `${p.level} ${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'warning rules[3]: never wins: rule 0 ("VIP organizations on Plus") holds whenever this one does, and comes first',
        'error rules[4].when.colour: unknown condition "colour" (known: tag, organization, brand, form, group, status, priority, tier, category, product)',
        'error rules[4].tier: unknown tier "gold" (known: basic, plus)',
        'warning rules[5].when.priority: never matches: no priority is "P9" (known: P1, P2)',
        'warning rules[6]: changes nothing: give it a tier, targets or a calendar',
      ]),
    );
  });

  test('property: the rule chosen is the first, in order, whose every condition holds', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const cond = fc.record({ organization: fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined }), tag: fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(cond, { minLength: 1, maxLength: 6 }), fc.option(value, { nil: null }), fc.array(value, { maxLength: 2 }), (conds, org, tags) => {
        const when = conds.map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Record<string, string[]>).map((w) => (Object.keys(w).length ? w : { organization: ['a'] }));
        const text = POLICY.slice(0, POLICY.indexOf('rules:')) + 'rules:\n' + when.map((w) => `  - when: ${JSON.stringify(w)}\n    tier: plus\n`).join('');
        const { policy: p } = parsePolicy(text);
        const d = evaluate(p!, ticket({ fields: { organization: org }, tags }), C + MIN);
        const holds = (w: Record<string, string[]>) => Object.entries(w).every(([k, vs]) => (k === 'tag' ? tags.some((t) => vs.includes(t)) : org !== null && vs.includes(org)));
        const want = when.findIndex(holds);
        expect(d.rule?.index ?? -1).toBe(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('escalation ladders', () => {
  test('levels are reached at 50 %, 90 %, the breach and an hour after it, each named', () => {
    // Basic P1: 4h first response on 24x7 from 09:00: 11:00, 12:36, 13:00, 14:00.
    const level = (min: number) => fr(evaluate(policy, ticket(), C + min * MIN)).level!;
    expect(level(60)).toEqual({ reached: 0, of: 4, label: null, next: C + 120 * MIN, at: [C + 120 * MIN, C + 216 * MIN, C + 240 * MIN, C + 300 * MIN] });
    expect(level(130)).toMatchObject({ reached: 1, label: 'Tell the agent', next: C + 216 * MIN });
    expect(level(250)).toMatchObject({ reached: 3, label: 'Breached', next: C + 300 * MIN });
    expect(level(301)).toMatchObject({ reached: 4, label: 'Tell the manager', next: null });
  });

  test('a reply stops the ladder where it stood; a pause moves the levels ahead', () => {
    const replied = fr(evaluate(policy, ticket({}, [{ type: 'reply', at: at(150), public: true, author: 'agent' }]), C + 400 * MIN)).level!;
    expect(replied).toMatchObject({ reached: 1, next: null });
    const paused = fr(evaluate(policy, ticket({}, [{ type: 'field', at: at(60), field: 'status', value: 'pending' }, { type: 'field', at: at(90), field: 'status', value: 'open' }]), C + 100 * MIN)).level!;
    expect(paused.at[0]).toBe(C + 150 * MIN);
  });

  test('the next level is the ticket\'s next transition, when it comes before the state changes', () => {
    const d = evaluate(policy, ticket(), C + 60 * MIN);
    expect(nextTransition(policy, d)).toEqual({ at: C + 120 * MIN, metric: 'first_response', to: 'level' });
  });

  test('sla check: levels out of order, and business days as a threshold, are errors naming the level', () => {
    const bad = POLICY.replace('{ at: { percent: 90 }, label: Tell the lead', '{ at: { percent: 40 }, label: Tell the lead').replace('{ at: { afterBreach: 1h }', '{ at: { afterBreach: 2d }');
    expect(errorsOf(bad)).toEqual(['metrics.first_response.ladder[1].at: level 2 comes no later than level 1: list a ladder\'s levels in the order they are reached', 'metrics.first_response.ladder[3].at.afterBreach: expected clock or working time (30m, 4h), not business days or none']);
    expect(errorsOf(POLICY.replace('{ notify: "https://hooks.example.com/lead" }', '{ notify: "http://hooks.example.com/lead" }'))).toEqual([expect.stringMatching(/^metrics\.first_response\.ladder\[1\]\.actions\[1\]\.notify: expected an https URL$/)]);
  });
});

describe('pauses and stops on any condition', () => {
  const text = POLICY.replace('  resolution: { label: Resolution, stopsAt: solved }', `  resolution:
    label: Resolution
    stopsAt: solved
    pauseWhen:
      - { tag: [waiting_on_vendor] }
      - { escalation: [engineering] }
  fix:
    label: Fix released
    stopsAt: condition
    stopWhen: { tag: fix_released }`)
    .replace('attributes:\n  product:', 'attributes:\n  escalation: { label: Escalation, zendesk: { ticketField: 360013 } }\n  product:')
    .replace('P1: { first_response: 4h, resolution: 2d }', 'P1: { first_response: 4h, resolution: 2d, fix: 3d }');
  const p = (() => {
    const r = parsePolicy(text);
    if (!r.policy) throw new Error(r.problems.map((x) => `${x.path}: ${x.message}`).join('\n'));
    return r.policy;
  })();
  const metric = (d: ReturnType<typeof evaluate>, id: string) => d.metrics.find((m) => m.metric === id)!;

  test('the policy checks', () => expect(errorsOf(text)).toEqual([]));

  test('a tag and a field value pause the Resolution while they hold, without Pending', () => {
    const events = [
      { type: 'tags', at: at(60), tags: ['waiting_on_vendor'] },
      { type: 'tags', at: at(180), tags: [] },
      { type: 'attribute', at: at(300), name: 'escalation', value: 'Engineering' },
      { type: 'attribute', at: at(360), name: 'escalation', value: null },
    ];
    const d = evaluate(p, ticket({}, events), C + 400 * MIN);
    // 2d on 24x7 from 09:00, paused 2h and 1h: due 3h later than 48h.
    expect(metric(d, 'resolution').due).toBe(C + (48 * 60 + 180) * MIN);
    expect(metric(d, 'first_response').due).toBe(C + 240 * MIN); // its own clock does not pause
    const paused = evaluate(p, ticket({}, events.slice(0, 1)), C + 100 * MIN);
    expect(metric(paused, 'resolution').state).toBe('paused');
  });

  test('a Metric stops the first time its condition holds', () => {
    const d = evaluate(p, ticket({}, [{ type: 'tags', at: at(500), tags: ['other', 'fix_released'] }]), C + 600 * MIN);
    expect(metric(d, 'fix')).toMatchObject({ state: 'met', stoppedAt: C + 500 * MIN });
    expect(metric(evaluate(p, ticket(), C + 600 * MIN), 'fix').state).toBe('running');
  });

  test('property: a pause on a tag equals the same spans of Pending for a Metric that pauses on both', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()), { maxLength: 12 }), fc.integer({ min: 0, max: 4000 }), (raw, now) => {
        const steps = [...new Map(raw.map(([m, on]) => [m, on])).entries()].sort((a, b) => a[0] - b[0]);
        const byTag = steps.map(([m, on]) => ({ type: 'tags', at: at(m), tags: on ? ['waiting_on_vendor'] : [] }));
        const byStatus = steps.map(([m, on]) => ({ type: 'field', at: at(m), field: 'status', value: on ? 'hold' : 'open' }));
        const a = metric(evaluate(p, ticket({}, byTag), C + now * MIN), 'resolution');
        const b = metric(evaluate(p, ticket({}, byStatus), C + now * MIN), 'resolution');
        expect({ state: a.state, due: a.due }).toEqual({ state: b.state, due: b.due });
      }),
      { numRuns: 300 },
    );
  });
});

test('sla explain names the rule that matched and what it chose', async () => {
  const { explain, explanationText } = await import('../src/explain');
  const t = ticket({ fields: { organization: 'acme' }, tags: ['vip'] });
  const text = explanationText(explain(policy, t, C + 10 * MIN, 'first_response'));
  expect(text).toContain('Rule 1 (VIP organizations on Plus) matched: tier plus.');
  expect(explanationText(explain(policy, ticket(), C + 10 * MIN, 'first_response'))).not.toContain('Rule ');
});

test('property: a rule sla check calls shadowed never wins, on any ticket', () => {
  const value = fc.constantFrom('a', 'b', 'c');
  const cond = fc.record({ organization: fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined }), tag: fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined }) });
  const clean = (c: Record<string, string[] | undefined>) => {
    const w = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Record<string, string[]>;
    return Object.keys(w).length ? w : { organization: ['a'] };
  };
  fc.assert(
    fc.property(cond, cond, fc.option(value, { nil: null }), fc.array(value, { maxLength: 2 }), (c0, c1, org, tags) => {
      const [w0, w1] = [clean(c0), clean(c1)];
      const text = POLICY.slice(0, POLICY.indexOf('rules:')) + `rules:\n  - when: ${JSON.stringify(w0)}\n    tier: plus\n  - when: ${JSON.stringify(w1)}\n    tier: basic\n`;
      const shadowed = validatePolicyText(text).problems.some((p) => p.code === 'rule-shadowed' && p.path === 'rules[1]');
      const { policy: p } = parsePolicy(text);
      const d = evaluate(p!, ticket({ fields: { organization: org }, tags }), C + MIN);
      if (shadowed) expect(d.rule?.index).not.toBe(1);
    }),
    { numRuns: 500 },
  );
});

import { levelOfTag, requirementPaths, resolveFieldIds, tagOfLevel } from '../src/zaf/fields';
import { preset } from './helpers';

const kiwi = preset('kiwi-stage-plus');

test('field ids come from requirement look-ups when the app is installed', () => {
  const got = {
    'requirement:sla_impact': { requirement_id: 11, requirement_type: 'ticket_fields' },
    'requirement:sla_urgency': { requirement_id: 12 },
    'requirement:sla_tier': { requirement_id: 13 },
    'requirement:sla_state': { requirement_id: 14 },
    'requirement:sla_version_released': { requirement_id: 17 },
    'requirement:sla_priority': { requirement_id: 18 },
    'requirement:sla_level': { requirement_id: 21 },
    'requirement:sla_next_breach': { requirement_id: 22 },
    'requirement:sla_due_first_response': { requirement_id: 15 },
    'requirement:sla_due_resolution': { requirement_id: 16 },
  };
  expect(requirementPaths(Object.keys(kiwi.metrics))).toEqual(Object.keys(got));
  expect(resolveFieldIds(kiwi, got, '')).toEqual({ impact: 11, urgency: 12, tier: 13, state: 14, versionReleased: 17, priority: 18, level: 21, nextBreach: 22, due: { first_response: 15, resolution: 16 }, source: 'requirements', missing: [] });
});

test('under zcli apps:server the field_ids setting is the fallback, and what is missing is named', () => {
  const ids = resolveFieldIds(kiwi, {}, JSON.stringify({ impact: 1, urgency: 2, due_first_response: 3 }));
  expect(ids.source).toBe('settings');
  expect(ids.missing).toEqual(['sla_tier', 'sla_state', 'sla_due_resolution']);
});

test('a malformed field_ids setting gives no ids rather than an exception', () => {
  expect(resolveFieldIds(kiwi, {}, '{not json').missing).toContain('sla_impact');
});

test('tagger values and policy levels map both ways', () => {
  expect(tagOfLevel('sla_impact_', '2')).toBe('sla_impact_2');
  expect(levelOfTag('sla_impact_2', 'sla_impact_', ['1', '2'])).toBe('2');
  expect(levelOfTag('sla_impact_9', 'sla_impact_', ['1', '2'])).toBeNull();
  expect(levelOfTag(null, 'sla_impact_', ['1'])).toBeNull();
});

test('after a preset switch, the due fields of Metrics the policy lacks are emptied, from either source', async () => {
  const { slaValues } = await import('../src/sla/values');
  const { evaluate, TimelineSchema } = await import('@sla-desk/core');
  const interopion = preset('interopion');
  const got = {
    'requirement:sla_tier': { requirement_id: 13 },
    'requirement:sla_state': { requirement_id: 14 },
    'requirement:sla_due_first_response': { requirement_id: 15 },
    'requirement:sla_due_resolution': { requirement_id: 16 },
    'requirement:sla_due_critical_notice': { requirement_id: 19 },
  };
  const fromReq = resolveFieldIds(interopion, got, '');
  expect(fromReq.due).toEqual({ first_response: 15, critical_notice: 19 });
  expect(fromReq.otherDue).toEqual([16]);
  const fromSetting = resolveFieldIds(interopion, {}, JSON.stringify({ tier: 13, state: 14, due_first_response: 15, due_resolution: 16 }));
  expect(fromSetting.otherDue).toEqual([16]);
  const d = evaluate(interopion, TimelineSchema.parse({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { status: 'open', priority: 'P2', tier: 'support' } }), Date.parse('2026-11-20T15:00:00Z'));
  for (const ids of [fromReq, fromSetting]) expect(slaValues(interopion, d, ids, []).fields.find((f) => f.id === 16)).toEqual({ id: 16, value: '' });
  // The service's ids keep every due_<metric> it was given: the stale one is emptied there too.
  expect(slaValues(interopion, d, { ...fromSetting, otherDue: undefined, due: { ...fromSetting.due, resolution: 16 } }, []).fields.find((f) => f.id === 16)).toEqual({ id: 16, value: '' });
});

describe('the next breach field', () => {
  const ids = (extra: Record<string, number> = {}) => resolveFieldIds(kiwi, {}, JSON.stringify({ tier: 13, state: 14, due_first_response: 15, due_resolution: 16, next_breach: 22, ...extra }));
  const decide = async (events: unknown[], now: string) => {
    const { evaluate, TimelineSchema } = await import('@sla-desk/core');
    return evaluate(kiwi, TimelineSchema.parse({ id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { status: 'open', impact: '2', urgency: '2', tier: 'plus' }, events }), Date.parse(now));
  };
  const value = async (events: unknown[], now: string) => {
    const { slaValues } = await import('../src/sla/values');
    return slaValues(kiwi, await decide(events, now), ids(), []).fields.find((f) => f.id === 22)?.value;
  };

  test('is found under next_breach in the field_ids setting, and is no field the policy must have', () => {
    expect(ids().nextBreach).toBe(22);
    expect(resolveFieldIds(kiwi, {}, JSON.stringify({ tier: 13, state: 14, due_first_response: 15, due_resolution: 16 })).missing).toEqual(['sla_impact', 'sla_urgency']);
  });

  test('holds core\'s nextBreach as ISO-8601 UTC text: the first response while it runs', async () => {
    const { nextBreach } = await import('@sla-desk/core');
    const d = await decide([], '2026-11-20T14:10:00Z');
    expect(await value([], '2026-11-20T14:10:00Z')).toBe(new Date(nextBreach(d)!).toISOString());
    expect(await value([], '2026-11-20T14:10:00Z')).toBe(new Date(d.metrics.find((m) => m.metric === 'first_response')!.due!).toISOString());
  });

  test('a breached ticket\'s is in the past, so it sorts before every ticket still in time; a paused one\'s is empty', async () => {
    const late = await value([], '2026-11-23T14:00:00Z');
    expect(Date.parse(late!)).toBeLessThan(Date.parse('2026-11-23T14:00:00Z'));
    const inTime = await value([], '2026-11-20T14:10:00Z');
    // As text, the order a view sorts the field in.
    expect([inTime, late].sort()).toEqual([late, inTime]);
    const pending = [{ type: 'field', at: '2026-11-20T14:05:00Z', field: 'status', value: 'pending' }];
    expect(await value(pending, '2026-11-20T14:30:00Z')).toBe('');
  });

  test('the service writes it only when it differs, as it does every SLA field (its snapshot keeps it)', async () => {
    const { planFromTimeline } = await import('../service/src/plan');
    const d = await decide([], '2026-11-20T14:10:00Z');
    const { slaValues } = await import('../src/sla/values');
    const want = slaValues(kiwi, d, ids(), []);
    const timeline = { id: '1', createdAt: '2026-11-20T14:00:00Z', fields: { status: 'open', impact: '2', urgency: '2', tier: 'plus' }, events: [] };
    const ticket = { id: 1, status: 'open', priority: d.priority.zendesk, tags: want.tags, custom_fields: want.fields.map((f) => ({ id: f.id, value: f.value })), updated_at: '2026-11-20T14:10:00Z' };
    expect(planFromTimeline(kiwi, ids(), ticket as never, timeline as never, Date.parse('2026-11-20T14:10:00Z')).update?.custom_fields).toBeUndefined();
    const stale = { ...ticket, custom_fields: ticket.custom_fields.map((f) => (f.id === 22 ? { id: 22, value: '' } : f)) };
    expect(planFromTimeline(kiwi, ids(), stale as never, timeline as never, Date.parse('2026-11-20T14:10:00Z')).update?.custom_fields).toEqual([want.fields.find((f) => f.id === 22)]);
  });
});

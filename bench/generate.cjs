'use strict';
// Generates realistic KIWI STAGE+ timelines: a deterministic mix of running, paused, solved,
// reopened, overridden and feature-request tickets, spread over 2026. Used by npm run bench.
const DAY = 86400000;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function timelineAt(i, rand) {
  const created = Date.UTC(2026, 0, 5) + Math.floor(rand() * 320 * DAY);
  const at = (min) => new Date(created + min * 60000).toISOString();
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const events = [];
  const kind = rand();
  if (kind < 0.6) events.push({ type: 'reply', at: at(10 + rand() * 600), public: true, author: 'agent' });
  if (kind < 0.3) {
    events.push({ type: 'field', at: at(700), field: 'status', value: 'pending' });
    events.push({ type: 'field', at: at(900 + rand() * 2000), field: 'status', value: 'open' });
  }
  if (kind < 0.45) events.push({ type: 'field', at: at(3000 + rand() * 9000), field: 'status', value: 'solved' });
  if (kind > 0.95) events.push({ type: 'override', at: at(30), by: 'lead', from: null, to: pick(['P2', 'P3']), reason: 'Client unable to provide the resources' });
  return {
    id: `T-${i}`,
    createdAt: new Date(created).toISOString(),
    fields: {
      impact: pick(['1', '2', '3', '4']),
      urgency: pick(['1', '2', '3', '4']),
      tier: rand() < 0.3 ? 'plus' : 'basic',
      status: 'open',
      ...(rand() < 0.05 ? { category: 'feature_request' } : {}),
    },
    events,
  };
}

function* timelines(count, seed = 7) {
  const rand = rng(seed);
  for (let i = 0; i < count; i++) yield timelineAt(i, rand);
}

module.exports = { timelines };

// Recurring Metrics (issue 19): one ticket with many requester messages, agent replies and
// reassignments, evaluated under the zendesk-parity preset (seven metrics and a Group SLA), in
// this process. Each sample builds its timeline afresh, so parsing its instants counts; the figure
// is the median of the samples. Sizes double, so linear growth shows as a flat cost per 1,000 events.
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROW = /^\| A ticket with [\d,]+ (requester messages|events)/;
export const HOW = '- Recurring Metrics (bench/cycles.mjs):';

function ticketOf(core, messages, reassignments) {
  const created = Date.parse('2026-03-02T09:00:00Z');
  const events = [];
  const every = Math.max(1, Math.floor((2 * messages) / Math.max(1, reassignments)));
  let n = 0;
  for (let i = 0; i < messages; i++) {
    // A requester message, then an agent's public reply a few minutes later.
    events.push({ type: 'reply', at: new Date(created + (10 * i + 3) * 60_000).toISOString(), public: true, author: 'requester' });
    events.push({ type: 'reply', at: new Date(created + (10 * i + 8) * 60_000).toISOString(), public: true, author: 'agent' });
    if (++n % every === 0 && reassignments > 0) events.push({ type: 'field', at: new Date(created + (10 * i + 9) * 60_000).toISOString(), field: 'group', value: (n / every) % 2 ? 'Support' : 'Tier 2' });
  }
  return { tl: core.TimelineSchema.parse({ id: 'big', createdAt: new Date(created).toISOString(), fields: { status: 'open', priority: 'urgent', tier: 'standard' }, events }), now: created + (10 * messages + 20) * 60_000, count: events.length };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timeOne(core, policy, messages, reassignments, samples) {
  const times = [];
  let last = null;
  for (let i = 0; i < samples; i++) {
    const { tl, now, count } = ticketOf(core, messages, reassignments);
    const t0 = process.hrtime.bigint();
    last = core.evaluate(policy, tl, now);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    last.count = count;
  }
  return { ms: median(times), decision: last };
}

export async function rows(root, log = () => {}) {
  const require = createRequire(import.meta.url);
  const core = require(join(root, 'core', 'dist', 'index.js'));
  const { loadPolicy } = require(join(root, 'core', 'dist', 'presets.js'));
  const policy = loadPolicy('zendesk-parity');
  log('recurring metrics...');
  // Warm the calendar years and the JIT on a smaller ticket first.
  timeOne(core, policy, 1000, 100, 5);
  // 5,000 messages and 5,000 replies: 10,000 of them, and 1,000 reassignments.
  const big = timeOne(core, policy, 5000, 1000, 15);
  const reply = big.decision.metrics.find((m) => m.metric === 'next_reply');
  const rows = [[`A ticket with 10,000 requester messages and replies and 1,000 reassignments, zendesk-parity (8 Metrics, ${reply.cycles.count.toLocaleString('en')} next-reply cycles): evaluate`, big.ms.toFixed(2), 'ms', '< 10 ms', big.ms < 10]];
  for (const messages of [1250, 2500, 5000, 10000]) {
    const r = timeOne(core, policy, messages, messages / 5, 9);
    rows.push([`A ticket with ${r.decision.count.toLocaleString('en')} events (messages, replies, reassignments): evaluate, per 1,000 events`, (r.ms / (r.decision.count / 1000)).toFixed(3), 'ms', '', null]);
  }
  return rows;
}

export const how = `${HOW} one ticket under the zendesk-parity preset, built afresh for each sample (parsing its instants counts), evaluated once; the median of the samples. Messages ten minutes apart, each answered five minutes later, the group switched between Support and Tier 2 at even steps. The per-1,000-events rows double the ticket each time: a flat figure is linear growth.`;

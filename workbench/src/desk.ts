// The sample desk: for every preset and tier, tickets in each state an agent meets (needs triage,
// running, at risk, breached, paused, met). They are written host-neutrally, as core timelines, and
// each host adapter of the workbench turns them into a Zendesk ticket and a Jira issue.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { evaluate, worstState, TimelineSchema } = require('@sla-desk/core');

/** The workbench clock starts here: Friday 20 November 2026, 15:00 UTC (10:00 in Toronto). */
export const DESK_NOW = Date.parse('2026-11-20T15:00:00Z');

const STORIES = ['triage', 'running', 'at_risk', 'breached', 'paused', 'met'];
const SUBJECTS = {
  triage: 'Checkout returns 500 for some customers',
  running: 'Export to CSV drops the last row',
  at_risk: 'Login page slow since this morning',
  breached: 'Invoices not generated for October',
  paused: 'Webhook retries: waiting for the customer\'s logs',
  met: 'How do I rotate the API key?',
};
const MINUTE = 60_000;

/** Fields that classify a ticket into `priority` under `policy`: a matrix cell, or the priority itself. */
function classifying(policy, priority) {
  const c = policy.classification;
  if (c.method !== 'matrix') return { priority };
  for (const [impact, row] of Object.entries(c.matrix)) for (const [urgency, p] of Object.entries(row)) if (p === priority) return { impact, urgency };
  return {};
}

function timelineOf(policy, story, tier, priority, createdAt) {
  const open = 'open';
  const fields = { status: open, tier, ...(story === 'triage' ? {} : classifying(policy, priority)) };
  const events = [];
  if (story === 'paused') events.push({ type: 'field', at: iso(createdAt + 30 * MINUTE), field: 'status', value: policy.clock.pauseStatuses[0] ?? 'pending' });
  if (story === 'met') {
    events.push({ type: 'reply', at: iso(createdAt + 10 * MINUTE), public: true, author: 'agent' });
    events.push({ type: 'field', at: iso(createdAt + 40 * MINUTE), field: 'status', value: policy.clock.solvedStatuses[0] ?? 'solved' });
  }
  return { createdAt: iso(createdAt), fields, events };
}

const iso = (t) => new Date(t).toISOString();

/**
 * How long ago a ticket of this story was created: the first age (in 10-minute steps, up to 30
 * days) at which core says the ticket is in that state. Searching with the engine itself keeps the
 * desk right for every preset's calendars and targets.
 */
function ageFor(policy, story, tier, priority, now) {
  if (story === 'triage') return 20 * MINUTE;
  const want = story === 'paused' ? 'paused' : story;
  for (let age = 40 * MINUTE; age <= 30 * 24 * 60 * MINUTE; age += 10 * MINUTE) {
    const t = TimelineSchema.parse({ id: 'probe', ...timelineOf(policy, story, tier, priority, now - age) });
    const d = evaluate(policy, t, now);
    // A breach an hour old, rather than one that happens this very minute.
    if (worstState(d) === want) return story === 'breached' ? age + 60 * MINUTE : age;
  }
  return null;
}

/**
 * The desk for one policy: one ticket per tier and story, the priorities taken in turn so the desk
 * shows each of them. A story no age can reach under this policy (no target) is left out.
 */
export function deskOf(policy, now = DESK_NOW) {
  const priorities = Object.keys(policy.priorities);
  const tickets = [];
  let n = 0;
  for (const tier of Object.keys(policy.tiers)) {
    for (const story of STORIES) {
      if (story === 'triage' && policy.classification.method !== 'matrix') continue;
      // Priorities in turn; when one cannot reach the story (a paused ticket whose first response
      // breaches before the pause), the next one that can. The triage ticket has none yet.
      const start = story === 'triage' ? 0 : n++;
      let priority = priorities[0];
      let age = null;
      for (let k = 0; k < priorities.length && age === null; k++) {
        priority = priorities[(start + k) % priorities.length];
        age = ageFor(policy, story, tier, priority, now);
        if (story === 'triage') break;
      }
      if (age === null) continue;
      tickets.push({ preset: policy.id, tier, story, subject: `${SUBJECTS[story]}`, ...timelineOf(policy, story, tier, priority, now - age) });
    }
  }
  return tickets;
}

// The sample desk: for every preset and tier, tickets in each state an agent meets (needs triage,
// running, at risk, breached, paused, met). They are written host-neutrally, as core timelines, and
// each host adapter of the workbench turns them into a Zendesk ticket and a Jira issue.
import { evaluate, worstState, TimelineSchema, type Policy } from '@sla-desk/core';

export type Story = 'triage' | 'running' | 'at_risk' | 'breached' | 'paused' | 'met';
/** A sample ticket, host-neutral: a core timeline with the tier and story it was made for. */
export interface DeskTicket {
  preset: string;
  tier: string;
  story: Story;
  subject: string;
  createdAt: string;
  fields: Partial<Record<string, string>>;
  events: DeskEvent[];
}
export type DeskEvent = { type: 'field'; at: string; field: string; value: string } | { type: 'reply'; at: string; public: boolean; author: string };

/** The workbench clock starts here: Friday 20 November 2026, 15:00 UTC (10:00 in Toronto). */
export const DESK_NOW = Date.parse('2026-11-20T15:00:00Z');

const STORIES: Story[] = ['triage', 'running', 'at_risk', 'breached', 'paused', 'met'];
const SUBJECTS: Record<Story, string> = {
  triage: 'Checkout returns 500 for some customers',
  running: 'Export to CSV drops the last row',
  at_risk: 'Login page slow since this morning',
  breached: 'Invoices not generated for October',
  paused: 'Webhook retries: waiting for the customer\'s logs',
  met: 'How do I rotate the API key?',
};
const MINUTE = 60_000;

/** Fields that classify a ticket into `priority` under `policy`: a matrix cell, or the priority itself. */
function classifying(policy: Policy, priority: string): Record<string, string> {
  const c = policy.classification;
  if (c.method !== 'matrix') return { priority };
  for (const [impact, row] of Object.entries(c.matrix)) for (const [urgency, p] of Object.entries(row)) if (p === priority) return { impact, urgency };
  return {};
}

function timelineOf(policy: Policy, story: Story, tier: string, priority: string, createdAt: number): Pick<DeskTicket, 'createdAt' | 'fields' | 'events'> {
  const open = 'open';
  const fields = { status: open, tier, ...(story === 'triage' ? {} : classifying(policy, priority)) };
  const events: DeskEvent[] = [];
  if (story === 'paused') events.push({ type: 'field', at: iso(createdAt + 30 * MINUTE), field: 'status', value: policy.clock.pauseStatuses[0] ?? 'pending' });
  if (story === 'met') {
    events.push({ type: 'reply', at: iso(createdAt + 10 * MINUTE), public: true, author: 'agent' });
    events.push({ type: 'field', at: iso(createdAt + 40 * MINUTE), field: 'status', value: policy.clock.solvedStatuses[0] ?? 'solved' });
  }
  return { createdAt: iso(createdAt), fields, events };
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * How long ago a ticket of this story was created: the first age (in 10-minute steps, up to 30
 * days) at which core says the ticket is in that state. Searching with the engine itself keeps the
 * desk right for every preset's calendars and targets.
 */
function ageFor(policy: Policy, story: Story, tier: string, priority: string, now: number): number | null {
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
export function deskOf(policy: Policy, now = DESK_NOW): DeskTicket[] {
  const priorities = Object.keys(policy.priorities);
  const tickets: DeskTicket[] = [];
  let n = 0;
  for (const tier of Object.keys(policy.tiers)) {
    for (const story of STORIES) {
      if (story === 'triage' && policy.classification.method !== 'matrix') continue;
      // Priorities in turn; when one cannot reach the story (a paused ticket whose first response
      // breaches before the pause), the next one that can. The triage ticket has none yet.
      const start = story === 'triage' ? 0 : n++;
      let priority = priorities[0];
      let age: number | null = null;
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

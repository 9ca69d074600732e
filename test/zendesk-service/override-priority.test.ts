import { overrideNote } from '@sla-desk/core';
import { addKiwiTicket, notesOf, serviceConfig, usePgliteStore, useTestService } from './helpers';

/**
 * An agent set the priority by hand (the lock off: it stands), then a lead overrode it with a
 * reason. The override is the newer word: the service sets the override's native priority even
 * before the lead submits the form, so the saved priority agrees with the sidebar's (issue 18,
 * point 17: found by the workbench's walk). On PGlite only.
 */
jest.setTimeout(60_000);

const t = useTestService(usePgliteStore(), (url) => serviceConfig(url));

test("a lead's override after an agent's hand-set priority sets the override's priority; the agent's stands without one", async () => {
  addKiwiTicket(t.z, 1, '2', '1');
  await t.pass(1);
  expect(t.z.tickets.get(1)!.priority).toBe('high');
  t.z.agentEdit(1, { priority: 'low' }, 2);
  await t.pass(1);
  // With the lock off, the agent's choice is theirs.
  expect(t.z.tickets.get(1)!.priority).toBe('low');
  t.z.groupMemberships.set(3, [7]); // Sam is a triage lead
  const note = overrideNote(serviceConfig('x').policy, { type: 'override', at: '2026-11-20T14:55:00Z', by: 'Sam', from: 'P2', to: 'P1', reason: 'Production is down', notify: false });
  t.z.audits.get(1)!.push({ id: 9100, ticket_id: 1, created_at: '2026-11-20T14:55:00Z', author_id: 3, events: [{ type: 'Comment', public: false, author_id: 3, body: note }] });
  await t.pass(1);
  expect(t.z.tickets.get(1)!.priority).toBe('urgent');
  // The override's own note says why; the service adds none about the priority.
  expect(notesOf(t.z, 1).filter((n) => /priority/.test(n) && !n.includes('Production is down'))).toEqual([]);
});

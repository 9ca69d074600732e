import { adminDefinitions, definitions } from './resolvers';
import { onAppLifecycle as startAfterLifecycle, recalculatePage as runPage } from './recalculate';
import { findTransitions as runFinder, onIssueEvent as handleIssueEvent, onTransition as handleTransition, type IssueEvent, type TransitionJob } from './triggers';

/** The functions manifest.yml names. The glance and panel share one resolver; the admin page has its own. */
export const resolver = definitions();
export const adminResolver = adminDefinitions();

export async function onIssueEvent(event: IssueEvent) {
  return handleIssueEvent(event);
}

/** The fiveMinute scheduled trigger: queues the issues whose SLA state changes before the next runs. */
export async function findTransitions() {
  return runFinder();
}

/** The transition queue's consumer: one issue at its instant. */
export async function onTransition(event: { body: TransitionJob }) {
  return handleTransition(event);
}

/**
 * The consumer of the recalculation queue: one JQL page per event. With @forge/events 2 and later a
 * consumer is a plain function that receives the AsyncEvent (jobId and retryContext included).
 */
export async function recalculatePage(event: Parameters<typeof runPage>[0]) {
  return runPage(event);
}

/** The app's install and upgrade events: every open issue is recalculated (see recalculate.ts). */
export async function onAppLifecycle(event: unknown) {
  return startAfterLifecycle(event);
}

import { adminDefinitions, definitions } from './resolvers';
import { reportDefinitions } from './report-resolver';
import { onAppLifecycle as startAfterLifecycle, recalculatePage as runPage } from './recalculate';
import { findTransitions as runFinder, onIssueDeleted as handleIssueDeleted, onIssueEvent as handleIssueEvent, onTransition as handleTransition, type IssueEvent, type TransitionJob } from './triggers';

/** The functions manifest.yml names. The glance and panel share one resolver; the admin page and the reports have their own. */
export const resolver = definitions();
export const adminResolver = adminDefinitions();
/** The SLA report's dashboard gadget and project page: one resolver, with nothing else on it. */
export const reportResolver = reportDefinitions();

export async function onIssueEvent(event: IssueEvent) {
  return handleIssueEvent(event);
}

/** avi:jira:deleted:issue: the issue's outcomes and state go with it. */
export async function onIssueDeleted(event: Parameters<typeof handleIssueDeleted>[0]) {
  return handleIssueDeleted(event);
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

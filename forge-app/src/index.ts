import { definitions } from './resolvers';
import { recalculatePage as runPage } from './recalculate';
import { onIssueEvent as handleIssueEvent, sweep as runSweep, type IssueEvent } from './triggers';

/** The functions manifest.yml names. */
export const resolver = definitions();

export async function onIssueEvent(event: IssueEvent) {
  return handleIssueEvent(event);
}

export async function sweep() {
  return runSweep();
}

/**
 * The consumer of the recalculation queue: one JQL page per event. With @forge/events 2 and later a
 * consumer is a plain function that receives the AsyncEvent (jobId and retryContext included).
 */
export async function recalculatePage(event: Parameters<typeof runPage>[0]) {
  return runPage(event);
}

import { definitions } from './resolvers';
import { onIssueEvent as handleIssueEvent, sweep as runSweep, type IssueEvent } from './triggers';

/** The functions manifest.yml names. */
export const resolver = definitions();

export async function onIssueEvent(event: IssueEvent) {
  return handleIssueEvent(event);
}

export async function sweep() {
  return runSweep();
}

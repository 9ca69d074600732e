import { definitions } from './resolvers';
import { onIssueEvent as handleIssueEvent, type IssueEvent } from './triggers';

/** The functions manifest.yml names. */
export const resolver = definitions();

export async function onIssueEvent(event: IssueEvent) {
  return handleIssueEvent(event);
}

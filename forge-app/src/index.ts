import Resolver from '@forge/resolver';
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

/** The consumer of the recalculation queue (manifest: consumer → recalculate-page): one JQL page per event. */
const consumer = new Resolver();
consumer.define('recalculate-page', ({ payload, context }) => {
  const ctx = context as { jobId?: string; retryContext?: { retryCount: number; retryReason: string } };
  return runPage({ queueName: 'sla-desk-recalculate', jobId: ctx.jobId ?? '', eventId: '', body: payload as { runId: string; token?: string }, retryContext: ctx.retryContext as never });
});
export const recalculatePage = consumer.getDefinitions();

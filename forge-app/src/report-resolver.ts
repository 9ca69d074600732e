import Resolver from '@forge/resolver';
import { localeOf, type Policy } from '@sla-desk/core';
import { loadConfig, policyOf } from './config';
import { JiraError, resolverClient, type JiraClient } from './jira/client';
import { projectsWithOutcomes } from './outcome-store';
import { issueReport, PERIOD_WEEKS, type IssueReport, type PeriodChoice } from './report';

/** What Forge passes a project page's and a dashboard gadget's resolver (the parts read here). */
export interface ReportCtx {
  accountId?: string;
  locale?: string;
  timezone?: string;
  extension?: { project?: { id?: string | number; key?: string } };
}

/** Labels for the ids the report's rows carry, from the policy in force (ids alone when it is invalid). */
export interface ReportLabels {
  tiers: Record<string, string>;
  priorities: Record<string, string>;
  metrics: Record<string, string>;
}

export type ReportAnswer =
  | {
      ok: true;
      report: IssueReport;
      labels: ReportLabels;
      /** The project the page is of; null on a dashboard (every project the viewer may browse). */
      project: string | null;
      period: PeriodChoice;
      /** False when a dashboard had more projects with outcomes than it checks (MAX_PROJECT_CHECKS). */
      complete: boolean;
      /** Projects with outcomes the viewer may not browse, left out (a dashboard only). */
      hiddenProjects: number;
      locale: string;
      timezone: string;
    }
  | { ok: false; problems: string[] };

/** Projects checked for the viewer, at most: each check is one Jira request of the call's 25 s. */
export const MAX_PROJECT_CHECKS = 100;

function labelsOf(policy: Policy | undefined): ReportLabels {
  if (!policy) return { tiers: {}, priorities: {}, metrics: {} };
  const pick = (o: Record<string, { label: string }>) => Object.fromEntries(Object.entries(o).map(([id, v]) => [id, v.label]));
  return { tiers: pick(policy.tiers), priorities: pick(policy.priorities), metrics: pick(policy.metrics) };
}

export function parsePeriod(payload: unknown): PeriodChoice | null {
  const p = (payload as { period?: unknown } | undefined)?.period ?? 12;
  if (p === 'all') return 'all';
  return (PERIOD_WEEKS as readonly unknown[]).includes(p) ? (p as PeriodChoice) : null;
}

/** Jira's refusal is a "no"; anything else (Forge asking the user to consent first) goes up. */
async function mayBrowse(user: JiraClient, projectId: string): Promise<boolean> {
  try {
    return await user.canBrowseProject(projectId);
  } catch (e) {
    if (e instanceof JiraError) return false;
    throw e;
  }
}

/**
 * The report of a project page (its project) or of a dashboard gadget (every project the viewer may
 * browse). Outcomes are read as the app, so each project is first checked as the viewer (asUser):
 * Browse projects, as Jira asks for seeing the issues themselves.
 */
export async function report(payload: unknown, context: ReportCtx, user: JiraClient, now = Date.now()): Promise<ReportAnswer> {
  const period = parsePeriod(payload);
  if (period === null) return { ok: false, problems: [`period: expected one of ${PERIOD_WEEKS.join(', ')} (weeks) or "all"`] };
  const project = context.extension?.project;
  const projectKey = project?.key ? String(project.key) : null;
  if (project && (!project.id || !projectKey)) return { ok: false, problems: ['extension.project: Jira sent no project id and key'] };
  if (project && projectKey && !(await mayBrowse(user, String(project.id)))) return { ok: false, problems: [`You need the Browse projects permission on ${projectKey} to see its SLA report.`] };
  let ids = project ? [String(project.id)] : [];
  let hiddenProjects = 0;
  let complete = true;
  if (!project) {
    const stored = await projectsWithOutcomes();
    const checked = stored.slice(0, MAX_PROJECT_CHECKS);
    // Projects past the cap are left out, as are those the viewer may not see: the page says so.
    if (stored.length > MAX_PROJECT_CHECKS) complete = false;
    const allowed: string[] = [];
    for (const p of checked) if (await mayBrowse(user, p.id)) allowed.push(p.id);
    hiddenProjects = checked.length - allowed.length;
    ids = allowed;
  }
  const [built, config] = await Promise.all([issueReport(ids, period, now), loadConfig()]);
  return {
    ok: true,
    report: built,
    labels: labelsOf(policyOf(config).policy),
    project: projectKey,
    period,
    complete,
    hiddenProjects,
    locale: localeOf(context.locale),
    timezone: context.timezone ?? 'UTC',
  };
}

/**
 * The report pages' resolver, a function of its own: @forge/resolver dispatches by function key
 * alone, and whoever can open a dashboard must reach nothing of the issue panel's or the admin page's.
 */
export function reportDefinitions() {
  const resolver = new Resolver();
  resolver.define('report', ({ payload, context }) => report(payload, context as ReportCtx, resolverClient('user')));
  return resolver.getDefinitions();
}

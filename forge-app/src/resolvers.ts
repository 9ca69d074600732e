import { Queue } from '@forge/events';
import Resolver from '@forge/resolver';
import { checkPolicyText, formatProblem, problemLines, localeOf, makeOverride, noticeLanguage, overrideNote, promiseTable, parseOverrideNote, requesterNotice, summaryLine, ticketView } from '@sla-desk/core';
import { CONFIG_KEY, evaluationChanges, loadConfig, policyOf, saveConfig, StorageError, type Config, type EvaluatedPart } from './config';
import { JiraClient, JiraError, resolverClient } from './jira/client';
import { formatMetNote, parseMetNote } from './jira/met-note';
import { COMPONENTS } from './jira/timeline';
import { PRESETS } from './presets';
import { planIssue, priorityInScheme } from './issue';
import { recalculationProgress, startRecalculation, type Progress } from './recalculate';
import { readIssue, TRANSITION_QUEUE, type TransitionJob } from './triggers';
import { offScreen, unsetAgentFields } from './screens';
import { ladderWarnings } from './ladder';
import { effectiveFields, siteFacts } from './site';

interface Ctx {
  accountId?: string;
  locale?: string;
  timezone?: string;
  extension?: { issue?: { key: string; id: string } };
}

/**
 * Is the caller a triage lead? Checked here, on the server: the UI only hides the control. A lead
 * is in a lead group, or in a lead project role of the issue's project (directly or by a group).
 */
export async function isLead(client: JiraClient, config: Config, accountId: string | undefined, issueKey?: string): Promise<boolean> {
  const roles = config.leadRoles ?? [];
  if (!accountId || (!config.leadGroups.length && !roles.length)) return false;
  const groups = await client.userGroups(accountId);
  if (groups.some((g) => config.leadGroups.includes(g))) return true;
  const project = issueKey?.split('-')[0];
  if (!project) return false;
  for (const role of roles) {
    const actors = await client.projectRoleActors(project, role);
    if (actors && (actors.accountIds.includes(accountId) || actors.groups.some((g) => groups.includes(g)))) return true;
  }
  return false;
}

export async function panel(context: Ctx, client = resolverClient('app'), now = Date.now()) {
  const config = await loadConfig();
  const { policy, problems } = policyOf(config);
  const key = context.extension?.issue?.key;
  if (!policy || !key) return { ok: false as const, problems: policy ? ['no issue in context'] : problems };
  const { site, issue } = await readIssue(client, config, key, now, policy);
  const { decision, timeline } = await planIssue(client, config, policy, issue, now, site);
  const view = ticketView(decision, localeOf(context.locale), context.timezone ?? 'UTC', policy);
  // Jira refuses a value for a field that is not on the issue's screen: an empty Impact that nobody
  // can set is a setup problem to name, not a triage to wait for. Asked only while one is empty.
  const unset = unsetAgentFields(config, policy, issue);
  const missing = unset.length ? offScreen(unset, await client.editScreenFields(key)) : [];
  const lead = await isLead(client, config, context.accountId, key);
  return {
    ok: true as const,
    view,
    // The panel re-evaluates these every second, so its countdown runs without another call.
    policy,
    timeline,
    locale: localeOf(context.locale),
    timezone: context.timezone ?? 'UTC',
    policyName: policy.name,
    priorities: Object.entries(policy.priorities).map(([id, p]) => ({ id, label: p.label })),
    current: decision.priority.id,
    lead,
    // The override form says which language its notice to the reporter is in: asked for leads only.
    requesterLocale: lead ? await reporterLocale(client, issue) : null,
    // With no SLA priority yet, Jira's own (its default, Medium) is not the SLA's: the panel says so.
    nativePriority: decision.priority.id === null ? (issue.fields.priority?.name ?? null) : null,
    // Promises kept by an event, still open: a button each, so nobody needs to know a tag.
    metButtons: decision.metrics
      .filter((m) => policy.metrics[m.metric]?.stopsAt === 'met_event' && m.stoppedAt === null && m.state !== 'not_applicable')
      .map((m) => ({ metric: m.metric, label: m.label })),
    // The glance's first line, e.g. "P2 · Plus · Resolution: 3h 20m business time left".
    label: summaryLine(view),
    // The empty fields agents cannot set, because the issue's edit screen lacks them.
    offScreen: missing,
  };
}

/** Where a resolver queues its issue's re-evaluation: the transition queue, whose consumer refreshes one issue. */
export type ReevaluationQueue = Pick<Queue, 'push'>;
const transitionQueue = (): ReevaluationQueue => new Queue({ key: TRANSITION_QUEUE });

/**
 * The app's own edits fire no trigger (ignoreSelf), so the SLA fields must be rewritten after them:
 * not in the resolver, whose 25 s the override's own calls already use, but by the transition
 * queue's consumer (55 s, and retried), a moment later. The panel evaluates the issue itself, so
 * what the lead sees is right at once.
 */
async function queueReevaluation(queue: ReevaluationQueue, issue: { id: string; key: string }, now: number): Promise<void> {
  const body: TransitionJob = { issueId: issue.id, key: issue.key, at: now };
  await queue.push({ body });
}

export async function override(payload: { to?: string; reason?: string; notify?: boolean; notice?: string }, context: Ctx, client = resolverClient('app'), now = Date.now(), queue: ReevaluationQueue = transitionQueue()) {
  const config = await loadConfig();
  const { policy, problems } = policyOf(config);
  const issue = context.extension?.issue;
  if (!policy || !issue) return { ok: false as const, problems };
  if (!(await isLead(client, config, context.accountId, issue.key))) return { ok: false as const, problems: ['Only triage leads can override the priority.'] };
  // The priority it overrides, from the issue as it stands.
  const read = await readIssue(client, config, issue.key, now, policy);
  const { decision } = await planIssue(client, config, policy, read.issue, now, read.site);
  // People read the audit note: it names the lead, and keeps the account id as a comment property.
  const lead = await client.user(context.accountId!);
  const by = lead?.displayName ?? 'a triage lead';
  const made = makeOverride(policy, { by, from: decision.priority.id, to: payload.to, reason: payload.reason, notify: payload.notify === true }, now);
  if (!made.override) return { ok: false as const, problems: made.problems.map(formatProblem) };
  const written = typeof payload.notice === 'string' ? payload.notice.trim().slice(0, 2000) : '';
  // The app posts the lead's notice as its own comment, and outside a service project every comment
  // is public, so the timeline cannot tell it from the app's notes: one that reads as them is refused.
  if (made.override.notify && readsAsAppNote(written)) return { ok: false as const, problems: ['notice: reads as one of SLA Desk\'s own notes; write it in your own words'] };
  // The Jira priority it sets must be one the project's priority scheme holds, or Jira refuses it
  // (400) after the note is written: refused here, before anything is written.
  const to = made.override.to;
  const jira = Object.hasOwn(policy.priorities, to) ? policy.priorities[to].jira : undefined;
  const inScheme = jira ? await priorityInScheme(client, read.issue, jira, now) : ({ ok: true } as const);
  if (!inScheme.ok) return { ok: false as const, problems: [`${policy.priorities[to].label}: this project's priority scheme "${inScheme.scheme}" has no Jira priority "${jira}"; a Jira admin can add it to the scheme`] };
  // The internal comment, written as the app after the lead check above, is the audit trail; the
  // timeline reads the override back only from the app's own internal comments.
  // Its instants in the lead's own zone where their profile shows it (noteZone falls back to the policy's).
  await client.addComment(read.issue, overrideNote(policy, made.override, lead?.timeZone), true, [{ key: 'sla-desk-override', value: { accountId: context.accountId } }]);
  // The requester's notice is written for them: it never quotes the reason, which is for colleagues.
  // In the reporter's own language where Jira tells it, else the policy's (the customers'), not the
  // lead's, as the Zendesk sidebar falls back to when the requester has none.
  if (made.override.notify && !written) {
    const lang = noticeLanguage(await reporterLocale(client, read.issue), policy.locale).locale;
    await client.addComment(read.issue, requesterNotice(policy, made.override.to, lang), false);
  } else if (made.override.notify) await client.addComment(read.issue, written, false);
  if (jira) await client.setPriority(issue.key, jira);
  await queueReevaluation(queue, issue, now);
  return { ok: true as const, override: made.override };
}

/** The reporter's language as Jira gives it; null when it does not (no reporter, or their privacy settings hide it). */
async function reporterLocale(client: JiraClient, issue: { fields: Record<string, unknown> }): Promise<string | null> {
  const reporter = (issue.fields.reporter as { accountId?: string } | undefined)?.accountId;
  return (reporter && (await client.user(reporter))?.locale) || null;
}

function readsAsAppNote(text: string): boolean {
  return parseMetNote(text) !== null || parseOverrideNote(text) !== null;
}

/**
 * "Mark as met" for a promise kept by an event (findings sent): an agent should not need to know a
 * tag. The caller must be able to edit the issue, checked as the caller; the app then writes an
 * internal note, which the timeline reads back only from the app's own unedited comments.
 */
export async function markMet(payload: { metric?: string }, context: Ctx, client = resolverClient('app'), now = Date.now(), userClient = resolverClient('user'), queue: ReevaluationQueue = transitionQueue()) {
  const config = await loadConfig();
  const { policy, problems } = policyOf(config);
  const issue = context.extension?.issue;
  if (!policy || !issue || !context.accountId) return { ok: false as const, problems };
  const metric = typeof payload.metric === 'string' ? payload.metric : '';
  if (!Object.hasOwn(policy.metrics, metric) || policy.metrics[metric].stopsAt !== 'met_event') {
    return { ok: false as const, problems: [`metric: "${metric}" is not a promise kept by an event (known: ${Object.entries(policy.metrics).filter(([, m]) => m.stopsAt === 'met_event').map(([id]) => id).join(', ')})`] };
  }
  if (!(await callerHolds('EDIT_ISSUES', userClient, issue.key))) return { ok: false as const, problems: ['Only people who can edit this issue can mark a promise as kept.'] };
  const read = await readIssue(client, config, issue.key, now, policy);
  const { decision } = await planIssue(client, config, policy, read.issue, now, read.site);
  if (decision.metrics.find((m) => m.metric === metric)?.stoppedAt != null) return { ok: false as const, problems: [`${policy.metrics[metric].label} is kept already.`] };
  const agent = await client.user(context.accountId);
  const by = agent?.displayName ?? 'an agent';
  await client.addComment(read.issue, formatMetNote(policy, { metric, label: policy.metrics[metric].label, by, at: new Date(now).toISOString() }, agent?.timeZone), true);
  await queueReevaluation(queue, issue, now);
  return { ok: true as const };
}

/** The stored configuration, or, when storage cannot be read, the admin page's answer saying so. */
async function storedConfig(): Promise<{ config: Config } | { ok: false; problems: string[] }> {
  try {
    return { config: await loadConfig() };
  } catch (e) {
    if (e instanceof StorageError) return { ok: false as const, problems: [e.message] };
    throw e;
  }
}

/**
 * The admin page's form. When storage cannot be read, the page gets no configuration at all, only
 * the problem: a form filled with the default would let Save overwrite the real configuration.
 */
export async function getConfig() {
  const read = await storedConfig();
  if (!('config' in read)) return read;
  const { config } = read;
  const { policy, problems } = policyOf(config);
  // What the saved policy's ladders cannot do on Jira (a notify host the app may not reach, assignGroup).
  // What each tier promises under the saved policy: the admin page's table.
  return { config, presets: Object.values(PRESETS).map((p) => ({ id: p.id, name: p.name })), problems, warnings: policy ? ladderWarnings(policy) : [], promises: policy ? promiseTable(policy) : null };
}

/**
 * The policy's Jira priorities against the site's priority schemes (REST v3 priority schemes; the
 * site-wide GET /rest/api/3/priority is deprecated). The default scheme holds every priority of
 * the site and serves every project no other scheme holds, so a name it lacks is an error: nothing
 * is saved. A scheme used by some projects that lacks a name is a warning: the configuration is
 * saved, and on those projects' issues SLA Desk leaves Jira's priority as it is.
 */
export async function priorityProblems(client: JiraClient, config: Config): Promise<{ errors: string[]; warnings: string[] }> {
  const { policy } = policyOf(config);
  const out = { errors: [] as string[], warnings: [] as string[] };
  if (!policy) return out;
  for (const scheme of await client.prioritySchemes()) {
    const projects = scheme.isDefault ? null : await client.schemeProjects(scheme.id);
    if (projects && projects.total === 0) continue; // used by no project: nothing is refused by it
    const names = new Set((await client.schemePriorities(scheme.id)).map((p) => p.name.toLowerCase()));
    for (const [id, p] of Object.entries(policy.priorities)) {
      if (names.has(p.jira.toLowerCase())) continue;
      if (!projects) out.errors.push(`priorities.${id}.jira: this Jira site has no priority named "${p.jira}"`);
      else {
        const used = `${projects.keys.slice(0, 5).join(', ')}${projects.total > 5 ? ` and ${projects.total - 5} more` : ''}`;
        out.warnings.push(`priorities.${id}.jira: the priority scheme "${scheme.name}" (projects ${used}) has no priority "${p.jira}": on those projects SLA Desk leaves Jira's priority as it is, and an override to ${id} is refused`);
      }
    }
  }
  return out;
}

/** Starts a recalculation of the open issues, and says how it stands. */
export type StartRecalculation = () => Promise<{ progress: Progress }>;

/** What a save did about the open issues: recalculating them, nothing (no change), or a failed start. */
export type RecalculationAfterSave =
  | { started: true; because: EvaluatedPart[]; progress: Progress }
  | { started: false; because: EvaluatedPart[]; problem: string }
  | null;

/**
 * Saves only a configuration whose policy checks and whose priorities exist; otherwise nothing is
 * written. A save that changes what evaluations read (the policy, the field map, the app's field
 * ids) starts a recalculation of the open issues, as issues with no event since would otherwise keep
 * the old SLA fields and no next transition; one that changes only who leads starts none.
 */
export async function setConfig(payload: { config?: Config }, client = resolverClient('app'), recalculate: StartRecalculation = () => startRecalculation()) {
  const config = payload.config;
  if (!config || typeof config !== 'object' || !config.policy || !config.map || !config.fields) return { ok: false as const, problems: ['config: expected policy, map and fields'] };
  if ('document' in config.policy) {
    const errors = checkPolicyText(config.policy.document).problems.filter((p) => p.level === 'error');
    // The lines they are about, for the admin page's numbered view of the policy.
    if (errors.length) return { ok: false as const, problems: errors.map(formatProblem), lines: problemLines(config.policy.document, errors) };
  } else if (!PRESETS[config.policy.preset]) {
    return { ok: false as const, problems: [`policy.preset: unknown preset "${config.policy.preset}" (known: ${Object.keys(PRESETS).join(', ')})`] };
  }
  if (config.map.tierSource === 'organization' && !config.map.organizations) {
    return { ok: false as const, problems: ['map.organizations: the tier comes from the JSM organization, so name the Organizations field (e.g. customfield_10002)'] };
  }
  const group = config.map.group;
  if (group !== undefined && (typeof group !== 'string' || !(group === COMPONENTS || /^customfield_\d+$/.test(group)))) {
    return { ok: false as const, problems: [`map.group: expected a custom field id (a group picker, team or select field, e.g. customfield_10001) or "${COMPONENTS}"`] };
  }
  const { errors, warnings } = await priorityProblems(client, config);
  if (errors.length) return { ok: false as const, problems: errors };
  // The app writes the tier the SLA counts for (a rule's included) into its own SLA tier field: read
  // back as the issue's own Tier, a rule's tier would outlive the rule.
  const own = Object.values(effectiveFields(await siteFacts(client, Date.now()), config.fields)).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v as Record<string, string>)));
  const input = [config.map.impact, config.map.urgency, config.map.tier, config.map.organizations, config.map.group].filter((x): x is string => !!x);
  const clash = input.find((id) => own.includes(id));
  if (clash) return { ok: false as const, problems: [`map: ${clash} is one of SLA Desk's own fields, which the app writes; map the issue's own field instead`] };
  const policy = policyOf(config).policy;
  if (policy) warnings.push(...ladderWarnings(policy));
  // Unreadable, the stored configuration counts as different: a needless recalculation costs less
  // than issues left on the old policy.
  const before = await loadConfig().catch((e) => {
    if (e instanceof StorageError) return null;
    throw e;
  });
  await saveConfig(config);
  return { ok: true as const, key: CONFIG_KEY, warnings, promises: policy ? promiseTable(policy) : null, recalculation: await recalculateAfterSave(evaluationChanges(before, config), recalculate) };
}

/**
 * The recalculation a save starts. The configuration is saved already: a queue that refuses the
 * start is said in the answer, for the admin to start it by hand, instead of failing the save.
 */
async function recalculateAfterSave(because: EvaluatedPart[], recalculate: StartRecalculation): Promise<RecalculationAfterSave> {
  if (!because.length) return null;
  try {
    return { started: true, because, progress: (await recalculate()).progress };
  } catch (e) {
    console.error(JSON.stringify({ level: 'error', msg: 'recalculation after save did not start', error: (e as Error).message }));
    return { started: false, because, problem: `Saved, but the recalculation of open issues did not start (${(e as Error).message}). Press "Recalculate open issues".` };
  }
}

/**
 * The admin page's "create the fields" action: Impact, Urgency and Tier select fields whose options
 * are the policy's levels ("2. Important") and tiers, for those not mapped yet. Saves the mapping.
 */
export async function createFields(client = resolverClient('app')) {
  // Never on the default: the mapping is saved with the configuration it was read with.
  const read = await storedConfig();
  if (!('config' in read)) return read;
  const { config } = read;
  const { policy, problems } = policyOf(config);
  if (!policy) return { ok: false as const, problems };
  const map = { ...config.map };
  const created: string[] = [];
  const c = policy.classification;
  if (c.method === 'matrix' && !map.impact) {
    map.impact = await client.createSelectField('Impact', c.impact.map((l) => `${l.id}. ${l.label}`));
    created.push('Impact');
  }
  if (c.method === 'matrix' && !map.urgency) {
    map.urgency = await client.createSelectField('Urgency', c.urgency.map((l) => `${l.id}. ${l.label}`));
    created.push('Urgency');
  }
  if (!map.tier) {
    map.tier = await client.createSelectField('Tier', Object.values(policy.tiers).map((t) => t.label));
    created.push('Tier');
  }
  await saveConfig({ ...config, map });
  return { ok: true as const, created, map };
}

/**
 * Does the caller hold a permission (globally, or on an issue)? Asked as the user (asUser), so Jira
 * answers for the caller and not for the app, whose own account holds far more. Jira's refusal is a
 * "no"; anything else (Forge asking the user to grant access first) goes up, so the user sees the
 * consent prompt instead of a refusal.
 */
async function callerHolds(permission: string, userClient: JiraClient, issueKey?: string): Promise<boolean> {
  try {
    return (await userClient.hasPermissions([permission], issueKey))[permission] === true;
  } catch (e) {
    if (e instanceof JiraError) return false;
    throw e;
  }
}

/** Is the caller a Jira administrator (Administer Jira)? */
export function isJiraAdmin(userClient = resolverClient('user')): Promise<boolean> {
  return callerHolds('ADMINISTER', userClient);
}

export const NOT_ADMIN = 'Only Jira administrators can change SLA Desk (Administer Jira).';

/**
 * One invocation's clients: the app's and the caller's, sharing the resolvers' retry budget, which
 * starts when Forge invokes the function.
 */
function invocationClients(): { app: JiraClient; user: JiraClient } {
  return { app: resolverClient('app'), user: resolverClient('user') };
}

/**
 * The glance's and the panel's resolver. @forge/resolver dispatches by function key alone, so a
 * module's resolver must define nothing its viewers may not call: no admin function lives here.
 * `queue` is where an override or a kept promise queues the issue's re-evaluation.
 */
export function definitions(queue: () => ReevaluationQueue = transitionQueue) {
  const resolver = new Resolver();
  resolver.define('panel', ({ context }) => panel(context as Ctx, invocationClients().app));
  resolver.define('markMet', ({ payload, context }) => {
    const c = invocationClients();
    return markMet(payload as { metric?: string }, context as Ctx, c.app, Date.now(), c.user, queue());
  });
  resolver.define('override', ({ payload, context }) => override(payload as { to?: string; reason?: string; notify?: boolean; notice?: string }, context as Ctx, invocationClients().app, Date.now(), queue()));
  return resolver.getDefinitions();
}

/** The admin page's resolver: every function checks, on the server and as the caller, Administer Jira. */
export function adminDefinitions(isAdmin: (userClient: JiraClient) => Promise<boolean> = (u) => isJiraAdmin(u), recalculate: StartRecalculation = () => startRecalculation()) {
  const resolver = new Resolver();
  const guarded =
    <T>(fn: (payload: unknown, client: JiraClient) => Promise<T>) =>
    async ({ payload }: { payload: unknown }) => {
      const c = invocationClients();
      return (await isAdmin(c.user)) ? fn(payload, c.app) : { ok: false as const, problems: [NOT_ADMIN] };
    };
  resolver.define('getConfig', guarded(() => getConfig()));
  resolver.define('setConfig', guarded((payload, client) => setConfig(payload as { config?: Config }, client, recalculate)));
  resolver.define('createFields', guarded((_payload, client) => createFields(client)));
  resolver.define('recalculate', guarded(() => recalculate()));
  resolver.define('recalculationProgress', guarded(() => recalculationProgress()));
  return resolver.getDefinitions();
}

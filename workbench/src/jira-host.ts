// The emulated Jira: the Forge app's own resolvers and trigger, run against the Jira REST emulator
// of test/jira. An edit on the workbench's issue page changes the issue and its changelog as Jira
// would, then fires the app's trigger with that changelog, as Jira fires avi:jira:updated:issue.
import { join } from 'node:path';
import type { Policy } from '@sla-desk/core';
import type { EmulatedIssue, History } from '../../test/jira/emulator';
import type { Config } from '../../forge-app/src/config';
import { loadForge, type QueuedEvent } from './forge-host';
import { attributesFor } from './conditions';
import type { DeskTicket } from './desk';

export type JiraIssue = EmulatedIssue;
export type JiraUser = { accountId: string; name: string; groups?: string[]; admin?: boolean };
type Log = (line: string) => void;
type ChangelogItem = History['items'][number];
/** A field of the issue as Jira gives a select, a priority or a status: its value or its name. */
type Named = { value?: string; name?: string } | null | undefined;
/** Sets one field of the issue and logs its changelog item, unless its text stays the same. */
type SetField = (field: string, fieldId: string, value: unknown, text: string | null, beforeText?: string | null, extra?: { fieldtype?: string }) => void;
type Panel = Awaited<ReturnType<ReturnType<typeof loadForge>['resolvers']['panel']>>;
/** What an agent's Update sends: the fields it changes, by the page's names. */
export interface JiraChanges {
  status?: string;
  impact?: string | null;
  urgency?: string | null;
  tier?: string;
  priority?: string;
  group?: string | null;
  labels?: unknown;
  requestType?: string | null;
  organization?: string | null;
  attributes?: Record<string, string | null>;
}

export const JIRA_USERS: Record<'agent' | 'lead' | 'admin', JiraUser> = {
  agent: { accountId: 'agent-1', name: 'Lea (agent)', groups: ['jira-users'] },
  lead: { accountId: 'lead-1', name: 'Sam (triage lead)', groups: ['jira-users', 'triage-leads'] },
  admin: { accountId: 'admin-1', name: 'Ada (Jira admin)', groups: ['jira-admins'], admin: true },
};
/** The reporter of every desk issue: a JSM customer (REST v3 User accountType "customer"), who writes from the portal. */
export const JIRA_CUSTOMER = { accountId: 'customer-1', name: 'Customer (reporter)' };
/**
 * Who owns an issue, for the policy's group_ownership Metrics: a single group picker, mapped as the
 * app's `map.group` (forge-app/src/jira/timeline.ts FieldMap). Its value is a GroupName {name,
 * groupId} and the policy names the group by its name. The site's groups it may hold: ids are
 * made up in the UUID form Jira Cloud gives group ids.
 */
export const GROUP_FIELD = { id: 'customfield_10053', name: 'Assigned group' };
const JIRA_GROUPS = [
  { name: 'Support', groupId: '00000000-0000-4000-8000-000000000101' },
  { name: 'Tier 2', groupId: '00000000-0000-4000-8000-000000000102' },
];
/**
 * JSM's own fields that rules may read, with the ids a Jira Cloud site commonly gives them: the
 * request type ("Request Type", logged in the changelog as "Customer Request Type") and the
 * customer's organizations ("Organizations", a list of JSM organizations). The project is the
 * issue key's: moving an issue to another project gives it a new key, which is not emulated.
 */
export const REQUEST_TYPE_FIELD = { id: 'customfield_10010', name: 'Request Type', changelog: 'Customer Request Type' };
export const ORGANIZATIONS_FIELD = { id: 'customfield_10002', name: 'Organizations' };
const REQUEST_TYPES = ['Get IT help', 'Report a system problem', 'Ask a question'];
const JSM_ORGANIZATIONS = [
  { id: '1', name: 'Acme' },
  { id: '2', name: 'Globex' },
  { id: '3', name: 'Initech' },
];
/** The project's components, when a policy attribute maps them (besides the values its rules name). */
const COMPONENTS = ['Web', 'Mobile', 'API'];
const STATUS: Record<string, string> = { open: 'Open', new: 'Open', pending: 'Waiting for customer', 'on-hold': 'Waiting for customer', hold: 'Waiting for customer', solved: 'Done', closed: 'Done' };
export const JIRA_STATUSES = ['Open', 'In Progress', 'Waiting for customer', 'Done'];
const F = { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052' };

export function jiraHost(root: string, kvs: Map<string, unknown>, log: Log = console.log, sqlDir?: string) {
  const forge = loadForge(root, join(root, 'workbench', '.build'), kvs, undefined, { now: () => host.clock(), sqlDir });
  const { jira, JiraClient, resolvers, triggers, config, queues, Queue } = forge;
  const { QUEUE: RECALC_QUEUE } = forge.recalculate;
  const { TRANSITION_QUEUE } = triggers;
  jira.now = () => new Date(host.clock()).toISOString();
  // Everyone browses the desk's project: the SLA report's gadget and project page ask Jira so.
  for (const u of Object.values(JIRA_USERS)) jira.addUser({ accountId: u.accountId, displayName: u.name, global: u.admin ? ['ADMINISTER'] : [], projects: { DESK: ['BROWSE_PROJECTS'] } }, u.groups);
  jira.addUser({ accountId: JIRA_CUSTOMER.accountId, displayName: JIRA_CUSTOMER.name, accountType: 'customer' }, []);
  jira.projectTypes.set('DESK', 'service_desk');
  jira.addGroupPickerField(GROUP_FIELD.id, GROUP_FIELD.name);
  jira.siteGroups = JIRA_GROUPS.map((g) => ({ ...g }));

  /** The app's configuration for a policy: the fields an admin would map on the admin page. */
  function configFor(): Config {
    // The app finds its own fields (first response and resolution due, state, tier, next
    // transition) by module key; other metrics' due times are shown in the panel only.
    return {
      ...config.DEFAULT_CONFIG,
      map: { ...F, group: GROUP_FIELD.id },
      fields: { due: {} },
      leadGroups: ['triage-leads'],
    };
  }

  const levelText = (levels: readonly { id: string; label: string }[] | undefined, id: string | undefined) => {
    const l = levels?.find((x) => x.id === id);
    return l ? { value: `${l.id}. ${l.label}` } : null;
  };

  /** `first`: the issue id of DESK-1, as the site gives it (see firstId). */
  function issueOf(policy: Policy, desk: DeskTicket, n: number, first = 20001): JiraIssue {
    const c = policy.classification;
    const f = desk.fields;
    const pid = f.priority ?? (f.impact && f.urgency && c.method === 'matrix' ? c.matrix[f.impact]?.[f.urgency] : null);
    const name = pid ? policy.priorities[pid]?.jira : 'Medium';
    const prio = jira.priorities.find((p) => p.name === name) ?? jira.priorities[2];
    let status = STATUS[String(f.status)] ?? 'Open';
    const histories: History[] = [];
    const comments: JiraIssue['comments'] = [];
    for (const e of desk.events) {
      if (e.type === 'field' && e.field === 'status') {
        const to = STATUS[e.value] ?? 'Open';
        histories.push({ id: `h${histories.length + 1}`, created: e.at, author: { accountId: 'agent-1' }, items: [{ field: 'status', fieldId: 'status', from: null, fromString: status, to: null, toString: to }] });
        status = to;
      }
      if (e.type === 'reply') comments.push({ id: `c${comments.length + 1}`, created: e.at, author: { accountId: 'agent-1' }, body: 'Thanks, looking into it.', jsdPublic: e.public });
    }
    return {
      id: String(first + n - 1),
      key: `DESK-${n}`,
      fields: {
        summary: desk.subject,
        created: desk.createdAt,
        status: { name: status },
        priority: prio,
        reporter: { accountId: 'customer-1' },
        [F.impact]: c.method === 'matrix' ? levelText(c.impact, f.impact) : null,
        [F.urgency]: c.method === 'matrix' ? levelText(c.urgency, f.urgency) : null,
        [F.tier]: { value: policy.tiers[desk.tier]?.label ?? desk.tier },
        // An empty custom field is null in Jira's issue.
        [GROUP_FIELD.id]: null,
      },
      histories,
      comments,
    };
  }

  /**
   * An agent's edit of the issue: the fields change, the changelog records it, the trigger runs. The
   * group goes through the emulator's own edit (PUT issue), which logs it in Jira's changelog shape.
   */
  async function edit(policy: Policy, key: string, changes: JiraChanges, user: JiraUser) {
    const issue = jira.issues.get(key);
    if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
    // Checked before anything changes, so that a wrong group leaves the issue as it was.
    let group: string | null | undefined;
    if (changes.group !== undefined) {
      const name = changes.group === '' || changes.group === null ? null : changes.group;
      if (name !== null && !jira.siteGroups.some((g) => g.name === name)) throw Object.assign(new Error(`group: expected one of ${jira.siteGroups.map((g) => g.name).join(', ')}, or "" for none; got ${JSON.stringify(changes.group).slice(0, 60)}`), { status: 400 });
      if (((issue.fields[GROUP_FIELD.id] as Named)?.name ?? null) !== name) group = name;
    }
    const components = componentsEdit(policy, issue, changes);
    const c = policy.classification;
    const items: ChangelogItem[] = [];
    const set: SetField = (field, fieldId, value, text, beforeText = (issue.fields[fieldId] as Named)?.value ?? (issue.fields[fieldId] as Named)?.name ?? null, extra = {}) => {
      if (beforeText === text) return;
      issue.fields[fieldId] = value;
      items.push({ field, fieldId, from: null, fromString: beforeText, to: null, toString: text, ...extra });
    };
    // A wrong value anywhere leaves the issue as it was: nothing is kept of an edit Jira refuses.
    const kept = structuredClone(issue.fields);
    try {
      localEdits();
    } catch (e) {
      issue.fields = kept;
      throw e;
    }
    function localEdits() {
      if (changes.status !== undefined) {
        if (!JIRA_STATUSES.includes(changes.status)) throw Object.assign(new Error(`status: expected one of ${JIRA_STATUSES.join(', ')}`), { status: 400 });
        set('status', 'status', { name: changes.status }, changes.status);
      }
      for (const k of ['impact', 'urgency']) {
        const want = changes[k as 'impact' | 'urgency'];
        if (want === undefined || c.method !== 'matrix') continue;
        const v = want ? levelText(c[k as 'impact' | 'urgency'], want) : null;
        if (want && !v) throw Object.assign(new Error(`${k}: "${want}" is not a level of this policy (${c[k as 'impact' | 'urgency'].map((l) => l.id).join(', ')})`), { status: 400 });
        set(k === 'impact' ? 'Impact' : 'Urgency', F[k as 'impact' | 'urgency'], v, v?.value ?? null);
      }
      if (changes.tier !== undefined) {
        const tier = policy.tiers[changes.tier];
        if (!tier) throw Object.assign(new Error(`tier: "${changes.tier}" is not a tier of this policy (${Object.keys(policy.tiers).join(', ')})`), { status: 400 });
        set('Tier', F.tier, { value: tier.label }, tier.label);
      }
      if (changes.priority !== undefined) {
        const p = jira.priorities.find((x) => x.name === changes.priority);
        if (!p) throw Object.assign(new Error(`priority: this site has no priority "${changes.priority}"`), { status: 400 });
        set('priority', 'priority', p, p.name);
      }
      conditionEdits(policy, issue!, changes, set);
    }
    // A copy: the Edit issue items below join the trigger's changelog, not this history.
    if (items.length) issue.histories.push({ id: `h${issue.histories.length + 1}`, created: jira.now(), author: { accountId: user.accountId }, items: [...items] });
    // The group picker and the components through Jira's own Edit issue: one history for both.
    const put = { ...(group !== undefined ? { [GROUP_FIELD.id]: group === null ? null : { name: group } } : {}), ...(components !== undefined ? { components: components.map((name) => ({ name })) } : {}) };
    if (Object.keys(put).length) items.push(...(await putFields(issue, put, user, Object.keys(put).map((k) => (k === 'components' ? 'components' : 'group')).join(' and '))));
    if (!items.length) return { changed: false };
    // One Update is one event: its changelog carries every item the edit logged.
    const outcome = await triggers.onIssueEvent({ issue: { id: issue.id, key }, changelog: { items } }, new JiraClient('app'), host.clock());
    await settle();
    return { changed: true, outcome };
  }

  /** Edit issue (PUT /rest/api/3/issue/{key}) as the agent, with `fields`; the changelog items it logged. */
  async function putFields(issue: JiraIssue, fields: Record<string, unknown>, user: JiraUser, what: string): Promise<ChangelogItem[]> {
    const before = issue.histories.length;
    const r = await jira.requestJira({ value: `/rest/api/3/issue/${encodeURIComponent(issue.key)}` }, { method: 'PUT', body: JSON.stringify({ fields }) }, { as: 'user', accountId: user.accountId });
    if (!r.ok) throw Object.assign(new Error(`${what}: Jira refused the edit (${r.status} ${JSON.stringify(((await r.json()) as { errors?: unknown })?.errors ?? {})})`), { status: 400 });
    return issue.histories.slice(before).flatMap((h) => h.items);
  }

  /** The project's components an attribute may name: the sample ones and the values the policy's rules name. */
  function componentNames(policy: Policy): string[] {
    const attrs = attributesFor(policy, 'jira').filter((a) => a.map.component);
    return [...new Set([...COMPONENTS, ...attrs.flatMap((a) => a.values)])];
  }

  /** The request types the project offers: the sample ones and those the policy's rules name. */
  function requestTypes(policy: Policy) {
    const attrs = attributesFor(policy, 'jira').filter((a) => a.map.requestType);
    return [...new Set([...REQUEST_TYPES, ...attrs.flatMap((a) => a.values)])].map((name, i) => ({ id: String(i + 1), name }));
  }

  /**
   * The issue's components after an edit of a component attribute ({ attributes: { name: value } },
   * "" for none), or undefined when it changes none; checked before anything changes. The project
   * has the components first (Jira's Create component, an admin's step).
   */
  function componentsEdit(policy: Policy, issue: JiraIssue, changes: JiraChanges): string[] | undefined {
    const attr = attributesFor(policy, 'jira').find((a) => a.map.component && changes.attributes?.[a.name] !== undefined);
    if (!attr) return undefined;
    const want = changes.attributes![attr.name];
    const names = componentNames(policy);
    if (want !== '' && want !== null && !names.includes(want)) throw Object.assign(new Error(`${attr.name}: expected a component of the project (${names.join(', ')}), or "" for none; got ${JSON.stringify(want).slice(0, 60)}`), { status: 400 });
    jira.components.set(issue.key.split('-')[0], names.map((name, i) => ({ id: String(10100 + i), name })));
    const next = want ? [want] : [];
    const before = ((issue.fields.components ?? []) as { name: string }[]).map((x) => x.name);
    return JSON.stringify(before) === JSON.stringify(next) ? undefined : next;
  }

  /**
   * What rules read, as an agent edits it: the labels (one "labels" item, space-separated, as Jira's
   * Get changelogs example logs them), the request type, the organizations, and the policy's
   * attribute custom fields (a select list's option), each with its changelog item.
   */
  function conditionEdits(policy: Policy, issue: JiraIssue, changes: JiraChanges, set: SetField) {
    const bad = (m: string) => Object.assign(new Error(m), { status: 400 });
    if (changes.labels !== undefined) {
      const labels = changes.labels;
      // A Jira label has no spaces; Jira keeps them sorted in the issue's field.
      if (!Array.isArray(labels) || labels.length > 100 || labels.some((l) => typeof l !== 'string' || !/^\S{1,255}$/.test(l))) throw bad('labels: expected a list of labels (no spaces, up to 255 characters each)');
      const next = [...new Set(labels)].sort();
      const before = [...((issue.fields.labels ?? []) as string[])];
      if (before.join(' ') !== next.join(' ')) set('labels', 'labels', next, next.join(' '), before.join(' '), { fieldtype: 'jira' });
    }
    if (changes.requestType !== undefined) {
      const types = requestTypes(policy);
      const t = changes.requestType ? types.find((x) => x.name === changes.requestType) : null;
      if (changes.requestType && !t) throw bad(`requestType: expected one of ${types.map((x) => x.name).join(', ')}, or "" for none`);
      const before = (issue.fields[REQUEST_TYPE_FIELD.id] as { requestType?: { name: string } } | null)?.requestType?.name ?? null;
      set(REQUEST_TYPE_FIELD.changelog, REQUEST_TYPE_FIELD.id, t ? { requestType: { id: t.id, name: t.name } } : null, t?.name ?? null, before, { fieldtype: 'custom' });
    }
    if (changes.organization !== undefined) {
      const o = changes.organization ? JSM_ORGANIZATIONS.find((x) => x.name === changes.organization) : null;
      if (changes.organization && !o) throw bad(`organization: expected one of ${JSM_ORGANIZATIONS.map((x) => x.name).join(', ')}, or "" for none`);
      const before = ((issue.fields[ORGANIZATIONS_FIELD.id] ?? []) as { name: string }[]).map((x) => x.name).join(', ') || null;
      set(ORGANIZATIONS_FIELD.name, ORGANIZATIONS_FIELD.id, o ? [{ id: o.id, name: o.name }] : [], o?.name ?? null, before, { fieldtype: 'custom' });
    }
    for (const a of attributesFor(policy, 'jira')) {
      const v = changes.attributes?.[a.name];
      if (v === undefined || !a.map.field) continue;
      if (v !== null && !(typeof v === 'string' && v.length <= 255)) throw bad(`${a.name}: expected text (up to 255 characters), or "" for none`);
      set(a.label, a.map.field, v ? { value: v } : null, v || null, undefined, { fieldtype: 'custom' });
    }
  }

  /**
   * The reporter's comment from the portal: JSM's Create request comment (POST
   * /rest/servicedeskapi/request/{key}/comment) as the customer, public; then
   * avi:jira:commented:issue runs the app's trigger. After the first reply it waits on the next one.
   */
  async function customerComment(key: string, text: unknown) {
    const issue = jira.issues.get(key);
    if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
    if (typeof text !== 'string' || !text.trim()) throw Object.assign(new Error('body: expected the comment text'), { status: 400 });
    const r = await jira.requestJira({ value: `/rest/servicedeskapi/request/${encodeURIComponent(key)}/comment` }, { method: 'POST', body: JSON.stringify({ body: text, public: true }) }, { as: 'user', accountId: JIRA_CUSTOMER.accountId });
    if (!r.ok) throw Object.assign(new Error(`comment: Jira refused it (${r.status})`), { status: 400 });
    const outcome = await triggers.onIssueEvent({ issue: { id: issue.id, key } }, new JiraClient('app'), host.clock());
    await settle();
    return { ok: true, outcome };
  }

  /**
   * An agent's comment, as Jira's issue view adds it: visible to the customer or internal
   * (jsdPublic), then avi:jira:commented:issue runs the app's trigger, and a first public reply
   * stops the first response.
   */
  async function comment(key: string, text: unknown, isPublic: unknown, user: JiraUser) {
    const issue = jira.issues.get(key);
    if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
    if (typeof text !== 'string' || !text.trim()) throw Object.assign(new Error('body: expected the comment text'), { status: 400 });
    if (typeof isPublic !== 'boolean') throw Object.assign(new Error('public: expected true or false'), { status: 400 });
    const body = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
    issue.comments.push({ id: `c${issue.comments.length + 1}`, created: jira.now(), author: { accountId: user.accountId }, body, jsdPublic: isPublic });
    const outcome = await triggers.onIssueEvent({ issue: { id: issue.id, key } }, new JiraClient('app'), host.clock());
    await settle();
    return { ok: true, outcome };
  }

  const pending = (key: string): QueuedEvent[] => queues.get(key) ?? [];
  const consumerFailed = (key: string, e: Error) => log(`[workbench] forge: the consumer of ${key} failed: ${e.message}`);

  /**
   * The recalculation queue's consumer (manifest: sla-desk-recalculate-consumer), page by page until
   * the queue is empty: each page queues the next, and a page that answers an InvocationError is
   * delivered again with its retryContext, as Forge redelivers it. Forge would wait the retry's
   * retryAfter; the workbench's clock does not move by itself, so it is delivered at once.
   */
  async function drainRecalculation() {
    const q = pending(RECALC_QUEUE);
    for (let n = 0; q.length && n < 10_000; n++) {
      const e = q.shift()!;
      const event = { queueName: RECALC_QUEUE, jobId: e.jobId, eventId: e.eventId, body: e.body, ...(e.retryContext ? { retryContext: e.retryContext } : {}) };
      let r;
      try {
        r = await forge.recalculate.recalculatePage(event as Parameters<typeof forge.recalculate.recalculatePage>[0], new Queue({ key: RECALC_QUEUE }), new JiraClient('app'), host.clock());
      } catch (x) {
        consumerFailed(RECALC_QUEUE, x as Error);
        continue;
      }
      if (r?.retryOptions) q.unshift({ ...e, retryContext: { retryCount: (e.retryContext?.retryCount ?? 0) + 1, retryReason: r.retryOptions.retryReason, retryData: r.retryOptions.retryData } });
    }
  }

  /**
   * The admin page's "Recalculate open issues": the app's own start, then its consumer until the
   * run is done. A recalculation the app queued itself (on a configuration change) is the one run:
   * a second start would only replace it.
   */
  async function recalculate() {
    if (!pending(RECALC_QUEUE).length) await forge.recalculate.startRecalculation(new Queue({ key: RECALC_QUEUE }), host.clock());
    await drainRecalculation();
    return forge.recalculate.recalculationProgress();
  }

  /** The transition queue's events due by `at` (their delayInSeconds counted), earliest first, each at its instant. */
  async function runDueTransitions(at = host.clock()) {
    const q = pending(TRANSITION_QUEUE);
    for (let n = 0; n < 10_000; n++) {
      let i = -1;
      for (let k = 0; k < q.length; k++) if (q[k].dueAt <= at && (i < 0 || q[k].dueAt < q[i].dueAt)) i = k;
      if (i < 0) return;
      const [e] = q.splice(i, 1);
      try {
        const event = { queueName: TRANSITION_QUEUE, jobId: e.jobId, eventId: e.eventId, body: e.body as Parameters<typeof triggers.onTransition>[0]['body'] };
        await triggers.onTransition(event, new JiraClient('app'), host.clock());
      } catch (x) {
        consumerFailed(TRANSITION_QUEUE, x as Error);
      }
    }
  }

  /** What Forge runs soon after an invocation: the queued recalculation pages, and transitions due now. */
  async function settle() {
    await drainRecalculation();
    await runDueTransitions();
  }

  /** The fiveMinute scheduled trigger (manifest: sla-desk-transitions), run once now. */
  async function findTransitions() {
    try {
      await triggers.findTransitions(new Queue({ key: TRANSITION_QUEUE }), new JiraClient('app'), host.clock());
    } catch (x) {
      log(`[workbench] forge: the scheduled trigger find-transitions failed: ${(x as Error).message}`);
    }
  }

  /** The earliest instant a queued transition becomes due (Infinity when none is queued). */
  const nextQueued = () => Math.min(Infinity, ...pending(TRANSITION_QUEUE).map((e) => e.dueAt));

  /**
   * The earliest instant the finder's search (open issues whose "SLA next transition" is at most its
   * look-ahead away) would find an issue, as Jira's own index answers it; Infinity when none would.
   * Runs before then find nothing, so a long move of the clock may skip them; with no look-ahead
   * to go by, none is skipped (-Infinity).
   */
  function nextFinding() {
    const lookahead = Number(triggers.LOOKAHEAD_MINUTES);
    const field = [...jira.fields.entries()].find(([, f]) => f.moduleKey === 'sla-next-transition')?.[0];
    if (!Number.isFinite(lookahead) || !field) return -Infinity;
    const cf = `cf[${field.slice('customfield_'.length)}]`;
    const [first] = jira.jql(`statusCategory != Done AND ${cf} is not EMPTY ORDER BY ${cf} ASC`);
    if (!first) return Infinity;
    const at = Date.parse(String(first.fields[field]));
    return Number.isNaN(at) ? -Infinity : at - lookahead * 60_000;
  }

  /** A resolver call from the frame, with the caller's identity as the Forge runtime gives it. */
  async function invoke(functionKey: 'panel', payload: Record<string, unknown>, issueKey: string | undefined, accountId: string | undefined, projectKey?: string): Promise<Panel>;
  async function invoke(functionKey: string, payload: Record<string, unknown>, issueKey: string | undefined, accountId: string | undefined, projectKey?: string): Promise<unknown>;
  async function invoke(functionKey: string, payload: Record<string, unknown>, issueKey: string | undefined, accountId: string | undefined, projectKey?: string) {
    const user = Object.values(JIRA_USERS).find((u) => u.accountId === accountId) ?? JIRA_USERS.agent;
    // The report's own resolver function: the project page's context names its project, a gadget's none.
    if (functionKey === 'report') {
      jira.currentUser = user.accountId;
      const extension = projectKey ? { project: { id: jira.projectId(projectKey), key: projectKey } } : {};
      return forge.reports.report(payload, { accountId: user.accountId, locale: 'en-US', timezone: 'America/Toronto', extension }, new JiraClient('user'), host.clock());
    }
    const issue = issueKey === undefined ? undefined : jira.issues.get(issueKey);
    const context = { accountId: user.accountId, locale: 'en-US', timezone: 'America/Toronto', extension: issue ? { issue: { key: issue.key, id: issue.id } } : {} };
    const client = new JiraClient('app');
    jira.currentUser = user.accountId;
    if (functionKey === 'panel') return resolvers.panel(context, client, host.clock());
    // An override or a kept promise queues its issue's re-evaluation on the transition queue;
    // Forge runs the consumer a moment later, and the workbench before it answers, so the saved
    // fields follow at once.
    const queue = new Queue({ key: TRANSITION_QUEUE });
    let r;
    if (functionKey === 'override') r = await resolvers.override(payload, context, client, host.clock(), queue);
    else if (functionKey === 'markMet') r = await resolvers.markMet(payload, context, client, host.clock(), new JiraClient('user'), queue);
    else throw Object.assign(new Error(`no resolver "${functionKey}" in this module`), { status: 400 });
    await settle();
    return r;
  }

  const host = {
    jira,
    forge,
    clock: () => Date.now(),
    configFor,
    issueOf,
    requestTypes,
    componentNames,
    organizations: () => JSM_ORGANIZATIONS.map((o) => o.name),
    edit,
    comment,
    customerComment,
    invoke,
    recalculate,
    settle,
    findTransitions,
    runDueTransitions,
    nextQueued,
    nextFinding,
    /** Jira fires avi:jira:created:issue for a new issue: the app sets its priority and fields. */
    async created(key: string) {
      const outcome = await triggers.onIssueEvent({ issue: { id: jira.issues.get(key)!.id, key } }, new JiraClient('app'), host.clock());
      await settle();
      return outcome;
    },
    // The workbench's policy page acts as the site admin: through the admin resolver's own function.
    setConfig: (config: Config) => resolvers.setConfig({ config }, new JiraClient('app')),
    /**
     * The id a new desk's first issue gets: Jira never gives an id twice, and the app keys what it
     * keeps per issue (the state it last noted) by id, so a desk seeded again must not reuse them.
     */
    firstId: () => Math.max(20000, ...[...jira.issues.values()].map((i) => Number(i.id)).filter(Number.isFinite)) + 1,
    serialize: () => [...jira.issues.values()],
    /** What the queues still hold (delayed transitions): Forge's queues outlive an invocation, and the desk a restart. */
    serializeQueues: () => [...queues.entries()].filter(([, q]) => q.length),
    restoreQueues(entries: [string, QueuedEvent[]][] | undefined) {
      queues.clear();
      for (const [key, q] of entries ?? []) queues.set(key, q);
    },
    /**
     * The app's install on this site: Forge fires avi:forge:installed:app to the functions of the
     * manifest's triggers that list it (when the app's build has them), then runs what they queued.
     */
    async installed() {
      const event = { eventType: 'avi:forge:installed:app', installerAccountId: JIRA_USERS.admin.accountId, app: { id: forge.manifest.app?.id } };
      for (const t of forge.manifest.modules.trigger ?? []) {
        if (!(t.events ?? []).includes(event.eventType)) continue;
        const fn = (forge.manifest.modules.function ?? []).find((f) => f.key === t.function);
        const [file, name] = String(fn?.handler ?? '').split('.');
        try {
          const handler = file === 'index' ? (forge.index() as Record<string, unknown>)[name] : undefined;
          if (typeof handler === 'function') await handler(event);
        } catch (x) {
          log(`[workbench] forge: ${t.function} failed on ${event.eventType}: ${(x as Error).message}`);
        }
      }
      await settle();
    },
    restore(issues: JiraIssue[]) {
      jira.issues.clear();
      for (const i of issues) jira.issues.set(i.key, i);
    },
  };
  return host;
}

// The emulated Jira: the Forge app's own resolvers and trigger, run against the Jira REST emulator
// of test/jira. An edit on the workbench's issue page changes the issue and its changelog as Jira
// would, then fires the app's trigger with that changelog, as Jira fires avi:jira:updated:issue.
import { join } from 'node:path';
import { loadForge } from './forge-host.mjs';

export const JIRA_USERS = {
  agent: { accountId: 'agent-1', name: 'Lea (agent)', groups: ['jira-users'] },
  lead: { accountId: 'lead-1', name: 'Sam (triage lead)', groups: ['jira-users', 'triage-leads'] },
  admin: { accountId: 'admin-1', name: 'Ada (Jira admin)', groups: ['jira-admins'], admin: true },
};
const STATUS = { open: 'Open', new: 'Open', pending: 'Waiting for customer', 'on-hold': 'Waiting for customer', hold: 'Waiting for customer', solved: 'Done', closed: 'Done' };
export const JIRA_STATUSES = ['Open', 'In Progress', 'Waiting for customer', 'Done'];
const F = { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052' };

export function jiraHost(root, kvs) {
  const forge = loadForge(root, join(root, 'workbench', '.build'), kvs);
  const { jira, JiraClient, resolvers, triggers, config } = forge;
  jira.now = () => new Date(host.clock()).toISOString();
  for (const u of Object.values(JIRA_USERS)) jira.addUser({ accountId: u.accountId, displayName: u.name, global: u.admin ? ['ADMINISTER'] : [] }, u.groups);
  jira.projectTypes.set('DESK', 'service_desk');

  /** The app's configuration for a policy: the fields an admin would map on the admin page. */
  function configFor() {
    // The app finds its own fields (first response and resolution due, state, tier, next
    // transition) by module key; other metrics' due times are shown in the panel only.
    return {
      ...config.DEFAULT_CONFIG,
      map: { ...F },
      fields: { due: {} },
      leadGroups: ['triage-leads'],
    };
  }

  const levelText = (levels, id) => {
    const l = levels?.find((x) => x.id === id);
    return l ? { value: `${l.id}. ${l.label}` } : null;
  };

  function issueOf(policy, desk, n) {
    const c = policy.classification;
    const f = desk.fields;
    const pid = f.priority ?? (f.impact && f.urgency ? c.matrix?.[f.impact]?.[f.urgency] : null);
    const name = pid ? policy.priorities[pid]?.jira : 'Medium';
    const prio = jira.priorities.find((p) => p.name === name) ?? jira.priorities[2];
    let status = STATUS[f.status] ?? 'Open';
    const histories = [];
    const comments = [];
    for (const e of desk.events) {
      if (e.type === 'field' && e.field === 'status') {
        const to = STATUS[e.value] ?? 'Open';
        histories.push({ id: `h${histories.length + 1}`, created: e.at, author: { accountId: 'agent-1' }, items: [{ field: 'status', fieldId: 'status', from: null, fromString: status, to: null, toString: to }] });
        status = to;
      }
      if (e.type === 'reply') comments.push({ id: `c${comments.length + 1}`, created: e.at, author: { accountId: 'agent-1' }, body: 'Thanks, looking into it.', jsdPublic: e.public });
    }
    return {
      id: String(20000 + n),
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
      },
      histories,
      comments,
    };
  }

  /** An agent's edit of the issue: the fields change, the changelog records it, the trigger runs. */
  async function edit(policy, key, changes, user) {
    const issue = jira.issues.get(key);
    if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
    const c = policy.classification;
    const items = [];
    const set = (field, fieldId, value, text) => {
      const before = issue.fields[fieldId];
      const beforeText = before?.value ?? before?.name ?? null;
      if (beforeText === text) return;
      issue.fields[fieldId] = value;
      items.push({ field, fieldId, from: null, fromString: beforeText, to: null, toString: text });
    };
    if (changes.status !== undefined) {
      if (!JIRA_STATUSES.includes(changes.status)) throw Object.assign(new Error(`status: expected one of ${JIRA_STATUSES.join(', ')}`), { status: 400 });
      set('status', 'status', { name: changes.status }, changes.status);
    }
    for (const k of ['impact', 'urgency']) {
      if (changes[k] === undefined || c.method !== 'matrix') continue;
      const v = changes[k] ? levelText(c[k], changes[k]) : null;
      if (changes[k] && !v) throw Object.assign(new Error(`${k}: "${changes[k]}" is not a level of this policy (${c[k].map((l) => l.id).join(', ')})`), { status: 400 });
      set(k === 'impact' ? 'Impact' : 'Urgency', F[k], v, v?.value ?? null);
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
    if (!items.length) return { changed: false };
    issue.histories.push({ id: `h${issue.histories.length + 1}`, created: jira.now(), author: { accountId: user.accountId }, items });
    const outcome = await triggers.onIssueEvent({ issue: { id: issue.id, key }, changelog: { items } }, new JiraClient('app'), host.clock());
    return { changed: true, outcome };
  }

  /**
   * An agent's comment, as Jira's issue view adds it: visible to the customer or internal
   * (jsdPublic), then avi:jira:commented:issue runs the app's trigger, and a first public reply
   * stops the first response.
   */
  async function comment(key, text, isPublic, user) {
    const issue = jira.issues.get(key);
    if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
    if (typeof text !== 'string' || !text.trim()) throw Object.assign(new Error('body: expected the comment text'), { status: 400 });
    if (typeof isPublic !== 'boolean') throw Object.assign(new Error('public: expected true or false'), { status: 400 });
    const body = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
    issue.comments.push({ id: `c${issue.comments.length + 1}`, created: jira.now(), author: { accountId: user.accountId }, body, jsdPublic: isPublic });
    const outcome = await triggers.onIssueEvent({ issue: { id: issue.id, key } }, new JiraClient('app'), host.clock());
    return { ok: true, outcome };
  }

  /**
   * The admin page's "Recalculate open issues", with Forge's queue emulated in memory: the app's own
   * start, its own consumer page by page, and a page the consumer asks to retry is delivered again.
   */
  async function recalculate() {
    const { startRecalculation, recalculatePage, recalculationProgress, QUEUE } = forge.recalculate;
    const events = [];
    const queue = { push: async (e) => (events.push(...[].concat(e)), { jobId: 'workbench' }) };
    await startRecalculation(queue, host.clock());
    for (let n = 1; events.length && n <= 10_000; n++) {
      const e = events.shift();
      const r = await recalculatePage({ queueName: QUEUE, jobId: 'workbench', eventId: String(n), ...e }, queue, new JiraClient('app'), host.clock());
      if (r?.retryOptions) events.unshift({ ...e, retryContext: { retryCount: (e.retryContext?.retryCount ?? 0) + 1, retryReason: r.retryOptions.retryReason, retryData: undefined } });
    }
    return recalculationProgress();
  }

  /** A resolver call from the frame, with the caller's identity as the Forge runtime gives it. */
  async function invoke(functionKey, payload, issueKey, accountId) {
    const user = Object.values(JIRA_USERS).find((u) => u.accountId === accountId) ?? JIRA_USERS.agent;
    const issue = jira.issues.get(issueKey);
    const context = { accountId: user.accountId, locale: 'en-US', timezone: 'America/Toronto', extension: issue ? { issue: { key: issue.key, id: issue.id } } : {} };
    const client = new JiraClient('app');
    jira.currentUser = user.accountId;
    if (functionKey === 'panel') return resolvers.panel(context, client, host.clock());
    // The override queues its issue's re-evaluation on the transition queue; Forge runs the
    // consumer a moment later, and the workbench at once, so the saved fields follow the override.
    const queue = { push: async (e) => { for (const { body } of [].concat(e)) await triggers.onTransition({ body }, new JiraClient('app'), host.clock()); } };
    if (functionKey === 'override') return resolvers.override(payload, context, client, host.clock(), queue);
    throw Object.assign(new Error(`no resolver "${functionKey}" in this module`), { status: 400 });
  }

  const host = {
    jira,
    forge,
    clock: () => Date.now(),
    configFor,
    issueOf,
    edit,
    comment,
    invoke,
    recalculate,
    /** Jira fires avi:jira:created:issue for a new issue: the app sets its priority and fields. */
    created: (key) => triggers.onIssueEvent({ issue: { id: jira.issues.get(key).id, key } }, new JiraClient('app'), host.clock()),
    // The workbench's policy page acts as the site admin: through the admin resolver's own function.
    setConfig: (config) => resolvers.setConfig({ config }, new JiraClient('app')),
    serialize: () => [...jira.issues.values()],
    restore(issues) {
      jira.issues.clear();
      for (const i of issues) jira.issues.set(i.key, i);
    },
  };
  return host;
}

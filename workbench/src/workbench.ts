// The workbench's state and actions, apart from HTTP: the active policy, the clock, the desk in
// both hosts, and the evaluations the list and the report show. Every change is saved at once.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESK_NOW, deskOf, type Story } from './desk';
import { loadStore, saveStore, setAside, STORE_VERSION, type DeskState } from './store';
import { randomBytes } from 'node:crypto';
import { ACCOUNT_GROUPS, CONTEXT, GROUP_PATH, ORGANIZATIONS, USERS, zendeskHost, type RestUpdate, type TicketValues, type ZendeskTicket } from './zendesk-host';
import { jiraHost, JIRA_CUSTOMER, JIRA_USERS, ORGANIZATIONS_FIELD, REQUEST_TYPE_FIELD, type JiraChanges } from './jira-host';
import { attributesFor, ladderView, namedValues } from './conditions';
import { freePort, MARKETPLACE, marketplaceAccount, type EmailForm } from './marketplace';
import * as core from '@sla-desk/core';
import type { Decision, Policy, TicketView } from '@sla-desk/core';
import { listPresets, loadPolicy, resolvePolicyPath } from '@sla-desk/core/dist/presets';

type Log = (line: string) => void;
/** Where the desk's policy comes from: a bundled preset, or a document pasted on the policy page. */
export type PolicySource = { preset: string; document?: undefined; basePreset?: undefined } | { document: string; preset?: undefined; basePreset?: string };
/** A ticket of the list: its Zendesk id and, unless it came by email, its Jira key. */
export interface DeskRow {
  id: number;
  key: string | null;
  tier: string;
  story: Story | 'email';
  subject: string;
}
/** A request's JSON object. Its fields are anyone's until the route that reads them checks them (and names a wrong one). */
export type Body = Record<string, any>;
type ServiceConfig = import('../../zendesk-app/service/src/config').ServiceConfig;
type Service = Awaited<ReturnType<typeof import('../../zendesk-app/service/src/server').startService>>;

export class BadRequest extends Error {
  readonly status = 400;
  constructor(
    message: string,
    readonly problems?: string[],
  ) {
    super(message);
  }
}

export function createWorkbench({ root, dataDir, reset = false, log = console.log }: { root: string; dataDir: string; reset?: boolean; log?: Log }) {
  const zendesk = zendeskHost(root);
  const kvs = new Map();
  const jira = jiraHost(root, kvs, log, join(dataDir, 'forge-sql'));
  // Null only until init() has restored or seeded the desk, which every other function waits for.
  let state = (reset ? null : loadStore(dataDir, log)) as DeskState;
  let policy: Policy;

  const presetIds = () => listPresets().map((p) => p.id);
  const presetText = (id: string) => readFileSync(resolvePolicyPath(id), 'utf8');

  const unknownPreset = (id: string) => `unknown preset "${id}" (known: ${presetIds().join(', ')})`;

  /** The policy a source names, or what is wrong with it: the field, a message, the policy's own errors. */
  function resolveSource(source: PolicySource): { policy: Policy; field?: undefined; message?: undefined; problems?: undefined } | { policy?: undefined; field: string; message: string; problems: string[] } {
    if (source.preset) return presetIds().includes(source.preset) ? { policy: loadPolicy(source.preset) } : { field: 'policy.preset', message: unknownPreset(source.preset), problems: [] };
    const { policy: p, problems } = core.checkPolicyText(source.document ?? '');
    const errors = problems.filter((x) => x.level === 'error').map(core.formatProblem);
    return p && !errors.length ? { policy: p } : { field: 'policy.document', message: 'the policy does not check', problems: errors };
  }

  function policyOfSource(source: PolicySource): Policy {
    const r = resolveSource(source);
    if (r.policy) return r.policy;
    throw new BadRequest(r.field === 'policy.document' ? `${r.message}; nothing was saved` : r.message, r.problems);
  }

  /**
   * The stored desk's policy, or why it cannot be used. A desk file edited by hand (or by another
   * version) must not stop the workbench at start: it is set aside, and this names the reason.
   */
  function storedPolicy(source: PolicySource): { policy?: Policy; problem?: string } {
    const r = resolveSource(source);
    if (!r.policy) return { problem: `${r.field}: ${r.message}${listed(r.problems)}` };
    // A pasted policy reseeds its desk from this preset when the admin wipes it.
    if (source.basePreset !== undefined && !presetIds().includes(source.basePreset)) return { problem: `policy.basePreset: ${unknownPreset(source.basePreset)}` };
    return r;
  }

  /** Restores the stored desk; false, with the file set aside, when it holds one the apps refuse. */
  async function restoreStored() {
    const { policy: p, problem } = storedPolicy(state.policy);
    if (problem || !p) return refuseStored(problem!);
    policy = p;
    jira.restore(state.jira ?? []);
    jira.restoreQueues(state.queues);
    for (const [k, v] of state.kvs ?? []) kvs.set(k, v);
    try {
      await applyPolicy();
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      return refuseStored(`policy: the Jira app refuses it${listed(e.problems ?? [])}`);
    }
    return true;
  }

  function refuseStored(problem: string) {
    setAside(dataDir, `holds a desk the workbench cannot use: ${problem}`, log);
    kvs.clear();
    jira.forge.sql.reset();
    jira.restore([]);
    jira.restoreQueues([]);
    return false;
  }

  /** The desk for the policy's preset (a pasted policy keeps the desk of the preset it started from). */
  function seedDesk() {
    const base = state.policy.preset ?? state.policy.basePreset ?? 'kiwi-stage-plus';
    const basePolicy = loadPolicy(base);
    const desk = deskOf(basePolicy, DESK_NOW);
    state.zendesk = desk.map((d, i) => zendesk.ticketOf(basePolicy, d, i + 1));
    state.desk = desk.map((d, i) => ({ id: i + 1, key: `DESK-${i + 1}`, tier: d.tier, story: d.story, subject: d.subject }));
    const first = jira.firstId();
    jira.restore(desk.map((d, i) => jira.issueOf(basePolicy, d, i + 1, first)));
  }

  // The SLA Desk service (zendesk-app/service), run against this workbench's Zendesk REST API, as a
  // Zendesk webhook would reach it. It starts once the workbench knows its own address.
  let service: Service | null = null;
  const market = marketplaceAccount(root, { clock: () => state.clock });
  const serviceBuild = join(root, 'workbench', '.build', 'zendesk-app', 'service', 'src');
  const serviceCode = (file: string) => createRequire(join(root, 'zendesk-app', 'package.json'))(join(serviceBuild, file));
  // The service's own config object: it keeps it, so later policy and settings changes reach it.
  const serviceCfg: Omit<ServiceConfig, 'baseURL' | 'policy' | 'fieldIds' | 'lockPriority'> & Partial<ServiceConfig> = { auth: { oauthToken: 'workbench' }, webhookSecret: randomBytes(32).toString('base64'), leadGroupIds: [2], serviceUserId: 99, port: 0 };
  const syncService = () => Object.assign(serviceCfg, { policy, fieldIds: zendesk.fieldIdsFor(policy), lockPriority: settings().lock_priority === true });

  /**
   * What Zendesk's trigger does on ticket create and update: a signed webhook to the service. The
   * trigger is set up as docs/service.md advises, leaving out the service's own updates (Updated
   * by is not its API user), so only the workbench's agents and its email deliver.
   */
  let deliveries = 0;
  async function postWebhook(id: number) {
    const body = JSON.stringify({ ticket_id: String(id) });
    // Zendesk and the service both live on the workbench clock, so the signature's time is its time.
    // Zendesk signs each delivery with its own time; on a clock that stands still, a millisecond
    // apart, or the service would take a second delivery for a replay.
    const ts = new Date(state.clock + (++deliveries % 1000)).toISOString();
    const signature = serviceCode('signature.js').signWebhook(serviceCfg.webhookSecret, ts, body);
    // Each invocation carries its own id, as Zendesk's do: the service keys deliveries by it.
    const res = await fetch(`${service!.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': ts, 'x-zendesk-webhook-invocation-id': `workbench-${process.pid}-${deliveries}` }, body });
    return { ok: res.ok, answer: (await res.json()) as { outcome?: string } };
  }
  const drainService = () => service!.drain(15_000).catch((e: Error) => log(`[workbench] service: ${e.message}`));
  async function deliverWebhook(id: number) {
    if (!service) return null;
    const { ok, answer } = await postWebhook(id);
    // The service stores the delivery and answers at once; the page shows what its pass did.
    if (!ok || answer.outcome === 'duplicate') return answer.outcome ?? null;
    await drainService();
    return lastOutcome.get(id) ?? answer.outcome ?? null;
  }
  const lastOutcome = new Map<number, string>();

  /**
   * Every Zendesk ticket of the desk, delivered to the service as the trigger would have when each
   * was created or last changed: the service knows a ticket only from a webhook, and its store
   * (in memory) starts empty, while the desk's tickets were made by the workbench, not by agents.
   */
  async function deliverAll() {
    if (!service) return;
    for (const t of state.zendesk) await postWebhook(t.id);
    await drainService();
  }

  async function applyPolicy() {
    const config = { ...jira.configFor(), policy: state.policy.preset ? { preset: state.policy.preset } : { document: state.policy.document! } };
    // Through the Forge app's own admin resolver: it refuses a policy naming a priority Jira lacks.
    const r = await jira.setConfig(config);
    if (!r.ok) throw new BadRequest('the Jira app refused the policy; nothing was saved', r.problems);
    syncService();
  }

  function save() {
    state.jira = jira.serialize();
    state.queues = jira.serializeQueues();
    state.kvs = [...kvs.entries()];
    jira.jira.requests = [];
    saveStore(dataDir, state);
  }

  async function init() {
    jira.clock = () => state.clock;
    if (state && (await restoreStored())) {
      // What Forge would have run meanwhile: transitions now due, a recalculation the app queued.
      await jira.settle();
      save();
      return;
    }
    state = { version: STORE_VERSION, clock: DESK_NOW, policy: { preset: 'kiwi-stage-plus' }, zendesk: [], desk: [] };
    policy = policyOfSource(state.policy);
    // A new site: Forge SQL's database starts empty, as its Key-Value Store does.
    jira.forge.sql.reset();
    seedDesk();
    // A new desk is a new site: the app is installed on it, then configured by its admin.
    await jira.installed();
    await applyPolicy();
    for (const d of state.desk) await jira.created(d.key!);
    save();
  }

  /** The Zendesk app's settings as an admin would set them at install: the policy, plus these. */
  const SETTING_DEFAULTS = { lead_groups: 'Triage', lock_priority: false, notify_on_override: false };
  function settings() {
    return { ...SETTING_DEFAULTS, ...state.settings, policy_preset: state.policy.preset ?? '', policy_document: state.policy.document ?? '', tier_source: 'ticket_field' };
  }

  const ticket = (id: number | string) => {
    const t = state.zendesk.find((x) => x.id === Number(id));
    if (!t) throw Object.assign(new Error(`no ticket ${id}`), { status: 404 });
    return t;
  };
  const userOf = (key: string | undefined) => {
    if (key !== undefined && !Object.hasOwn(USERS, key)) throw new BadRequest(`user: expected ${Object.keys(USERS).join(' or ')}, got "${key}"`);
    return USERS[(key ?? 'agent') as keyof typeof USERS];
  };

  function evaluateZendesk(t: ZendeskTicket) {
    const timeline = core.TimelineSchema.parse(zendesk.timelineOf(policy, t, settings().lead_groups));
    return core.evaluate(policy, timeline, state.clock);
  }

  /**
   * The decision behind a Jira issue's panel: the Forge app's own timeline of the issue (its panel
   * resolver returns it, so that the panel can count down), evaluated at the workbench clock.
   */
  function jiraDecision(panel: { timeline: unknown }) {
    return core.evaluate(policy, core.TimelineSchema.parse(panel.timeline), state.clock);
  }

  /** A desk row's rule (its name, or its number when it has none) and the ticket's ladder level. */
  function ruleAndLevel(decision: Decision | null) {
    if (!decision) return {};
    const rule = decision.rule ? decision.rule.name ?? `Rule ${decision.rule.index + 1}` : null;
    return { rule, level: core.ticketLevel(policy, decision) };
  }

  /** The requester's user_fields and the organizations' organization_fields (Users and Organizations APIs). */
  const directory = () => (state.directory ??= { userFields: {}, organizationFields: {} });

  async function deskRows() {
    const rows = [];
    for (const d of state.desk) {
      const t = ticket(d.id);
      const decision = evaluateZendesk(t);
      const z = core.ticketView(decision, 'en', 'America/Toronto', policy);
      // A ticket that came in by email exists in Zendesk only.
      const panel = d.key ? await jira.invoke('panel', {}, d.key, JIRA_USERS.agent.accountId) : { ok: false as const, problems: ['Zendesk only'] };
      const jd = panel.ok ? jiraDecision(panel) : null;
      rows.push({
        ...d,
        // The case as it stands now, from the decision: the story the ticket was seeded with
        // ("running") goes stale as the clock moves, and a breached ticket must not say it.
        state: caseState(decision),
        nextBreach: breachOf(decision),
        zendesk: { priority: z.priority.label, tier: z.tier.label, tone: z.tone, line: deskLine(policy, z, core.summaryLine(z)), state: caseState(decision), nextBreach: breachOf(decision), ...ruleAndLevel(decision) },
        // The app's own glance line, and its view's open cycle.
        jira: panel.ok ? { priority: panel.view.priority.label, tier: panel.view.tier.label, tone: panel.view.tone, line: deskLine(policy, panel.view, panel.label), state: caseState(jd), nextBreach: breachOf(jd), ...ruleAndLevel(jd) } : { problems: panel.problems },
      });
    }
    return rows;
  }

  /**
   * Time passing on both hosts, from `from` to `to`: each thing due on the way runs at its own
   * instant, in order. Forge runs the finder (manifest: scheduledTrigger sla-desk-transitions,
   * fiveMinute) on every five-minute mark and each transition it queued when its delay is over;
   * the service fires each ticket's next transition at its instant. A finder run that would find
   * nothing changes nothing, so a long move skips those runs; it runs at least once per move.
   */
  async function moveClock(from: number, to: number) {
    if (to < from) return rewind(to);
    let mark = Math.floor(from / FINDER_MS) * FINDER_MS + FINDER_MS;
    let found = false;
    let serviceSeen = from;
    for (let n = 0; n < 100_000; n++) {
      const finder = Math.max(mark, Math.ceil(jira.nextFinding() / FINDER_MS) * FINDER_MS);
      const queued = jira.nextQueued();
      const transition = await nextServiceTransition(serviceSeen);
      const at = Math.min(finder, queued, transition);
      if (at > to) break;
      state.clock = Math.max(state.clock, at);
      if (queued <= state.clock) await jira.runDueTransitions();
      if (transition <= state.clock) {
        await drainService();
        serviceSeen = state.clock;
      }
      if (finder <= state.clock) {
        await jira.findTransitions();
        found = true;
        mark = finder + FINDER_MS;
      }
    }
    state.clock = to;
    if (!found) await jira.findTransitions();
    await jira.runDueTransitions();
    if (service) await drainService();
  }

  /**
   * The service's next transition after `after`, from its own store (Infinity when none). A store
   * that cannot say is asked no more: each move then fires the service's transitions at its end.
   */
  let serviceSchedule = true;
  async function nextServiceTransition(after: number): Promise<number> {
    if (!service || !serviceSchedule) return Infinity;
    try {
      const [r] = await service.db.query<{ at: number | null }>('SELECT min(next_at)::float8 AS at FROM tickets WHERE next_at IS NOT NULL AND next_at > $1', [after]);
      return r?.at ?? Infinity;
    } catch (e) {
      serviceSchedule = false;
      log(`[workbench] service: its next transitions could not be read (${(e as Error).message}); a move of the clock fires them at its end`);
      return Infinity;
    }
  }

  /**
   * A clock moved back, which neither host ever sees: the saved fields were written for a later
   * instant, and no event would rewrite them. In Jira the app's recalculation of open issues brings
   * them to the new now. A Zendesk ticket is left as it is: the service evaluates a ticket no earlier
   * than its newest audit, so one whose history already holds later notes keeps its fields until
   * the clock passes them again.
   */
  async function rewind(to: number) {
    state.clock = to;
    await jira.recalculate();
    await jira.findTransitions();
    await jira.runDueTransitions();
  }

  return {
    init,
    get state() {
      return state;
    },
    get policy() {
      return policy;
    },
    zendesk,
    jira,
    presetIds,
    presetText,
    settings,
    ticket,
    userOf,
    /** The clock alone, for the header of every page: the desk evaluates every ticket on both hosts. */
    clock() {
      return { clock: new Date(state.clock).toISOString() };
    },
    /**
     * The ticket list. `query.sort`: "next_breach" (the soonest breach first, breached tickets
     * leading, those with no clock running last) or "id" (the default); `query.state`: only the
     * tickets in that state (DESK_STATES).
     */
    async desk(query: { sort?: string; state?: string } = {}) {
      const { sort, state: only } = deskQuery(query);
      let tickets = await deskRows();
      if (only) tickets = tickets.filter((t) => t.state === only);
      if (sort === 'next_breach') tickets = sortByNextBreach(tickets);
      return { policy: { id: policy.id, name: policy.name, source: state.policy.preset ? 'preset' : 'document' }, clock: new Date(state.clock).toISOString(), sort, state: only, tickets };
    },
    appSettings() {
      return { ...SETTING_DEFAULTS, ...state.settings };
    },
    setAppSettings(body: Body) {
      const problems: string[] = [];
      const next: Record<string, unknown> = { ...SETTING_DEFAULTS, ...state.settings };
      for (const [k, v] of Object.entries(body ?? {})) {
        if (k === 'lock_priority' || k === 'notify_on_override') {
          if (typeof v !== 'boolean') problems.push(`${k}: expected true or false, got ${JSON.stringify(v)}`);
          else next[k] = v;
        } else if (k === 'lead_groups') {
          if (typeof v !== 'string' || !v.trim()) problems.push('lead_groups: expected group names, comma-separated');
          else next[k] = v;
        } else problems.push(`${k}: not a setting the workbench changes (lock_priority, notify_on_override, lead_groups)`);
      }
      if (problems.length) throw new BadRequest('the settings were not saved', problems);
      state.settings = next;
      syncService();
      save();
      return next;
    },
    async setClock(body: Body) {
      const at = clockTarget(body, state.clock);
      await moveClock(state.clock, at);
      save();
      return { clock: new Date(at).toISOString() };
    },
    async setPolicy(body: Body) {
      const source: PolicySource | null = typeof body.preset === 'string' ? { preset: body.preset } : typeof body.document === 'string' ? { document: body.document, basePreset: state.policy.preset ?? state.policy.basePreset } : null;
      if (!source) throw new BadRequest('policy: expected {"preset": "<id>"} or {"document": "<YAML or JSON>"}');
      const next = policyOfSource(source);
      const before = { policy, source: state.policy };
      if (body.wipe !== undefined && typeof body.wipe !== 'boolean') throw new BadRequest('policy.wipe: expected true or false');
      policy = next;
      state.policy = source;
      try {
        await applyPolicy();
      } catch (e) {
        policy = before.policy;
        state.policy = before.source;
        throw e;
      }
      // The desk's tickets and overrides stay and are re-evaluated under the new policy: starting over
      // with the preset's own sample desk is the admin's explicit choice (wipe).
      if (body.wipe === true) {
        seedDesk();
        for (const d of state.desk) await jira.created(d.key!);
      } else {
        // Jira's fields change only on an event: the app's recalculation of open issues rewrites
        // them under the new policy (the one the app queued itself on setConfig, if it did).
        await jira.recalculate();
      }
      // The service rewrites each Zendesk ticket's saved fields, as its backfill would after a change.
      await deliverAll();
      save();
      return { ok: true, policy: { id: policy.id, name: policy.name } };
    },
    checkPolicy(text: unknown) {
      const { problems } = core.checkPolicyText(String(text ?? ''));
      return { problems: problems.map((p) => ({ level: p.level, path: p.path, message: p.message })) };
    },
    async submitZendesk(id: string, body: Body) {
      const t = ticket(id);
      const user = userOf(body.user);
      validateZendeskValues(policy, zendesk, body.values ?? {}, t.values);
      const changed = zendesk.submit(t, body.values ?? {}, user, state.clock);
      if (changed) save();
      // Zendesk's trigger fires on the update; the service usually finds the sidebar wrote it all.
      const service = changed ? await deliverWebhook(t.id) : null;
      return { changed, service };
    },
    /**
     * What the Zendesk ticket page shows beside the form: the rule and the ladders of the decision
     * (evaluated from the ticket's audits by the app's own adapter), the choices for the fields
     * rules read, and the policy's attributes as Zendesk maps them, with their values now.
     */
    zendeskConditions(id: string) {
      const t = ticket(id);
      const dir = directory();
      const org = (t.values[CONTEXT.organization.path] ?? null) as number | null;
      const attributes = attributesFor(policy, 'zendesk').map((a) => {
        const m = a.map;
        if (m.ticketField) return { ...a, kind: 'ticketField', path: zendesk.customPath(m.ticketField), value: t.values[zendesk.customPath(m.ticketField)] ?? null };
        if (m.userField) return { ...a, kind: 'userField', key: m.userField, userId: zendesk.requester.id, value: dir.userFields[m.userField] ?? null };
        return { ...a, kind: 'organizationField', key: m.organizationField, organizationId: org, value: org === null ? null : (dir.organizationFields[org]?.[m.organizationField!] ?? null) };
      });
      return { sla: ladderView(policy, evaluateZendesk(t)), tags: namedValues(policy, 'tag'), context: zendesk.contextOptions(), attributes };
    },
    /**
     * The same for a Jira issue: the decision behind its panel (the Forge app's own timeline of it),
     * the labels the policy names, the request types, organizations and components it may hold,
     * and the policy's attributes as Jira maps them, with their values now.
     */
    async jiraConditions(key: string) {
      const issue = jira.jira.issues.get(key);
      if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
      const panel = await jira.invoke('panel', {}, key, JIRA_USERS.agent.accountId);
      // The issue's fields, as Jira gives them: a select's { value }, a request type's { requestType }...
      const f = issue.fields as Record<string, any>;
      const attributes = attributesFor(policy, 'jira').map((a) => {
        const m = a.map;
        if (m.field) return { ...a, kind: 'field', field: m.field, value: f[m.field]?.value ?? (typeof f[m.field] === 'string' ? f[m.field] : null) };
        if (m.component) return { ...a, kind: 'component', options: jira.componentNames(policy), value: f.components?.[0]?.name ?? null };
        return { ...a, kind: 'requestType', value: f[REQUEST_TYPE_FIELD.id]?.requestType?.name ?? null };
      });
      return {
        sla: panel.ok ? ladderView(policy, jiraDecision(panel)) : null,
        problems: panel.ok ? [] : panel.problems,
        labels: namedValues(policy, 'tag'),
        project: key.split('-')[0],
        requestType: { field: REQUEST_TYPE_FIELD, options: jira.requestTypes(policy).map((t) => t.name), value: f[REQUEST_TYPE_FIELD.id]?.requestType?.name ?? null },
        organization: { field: ORGANIZATIONS_FIELD, options: jira.organizations(), value: f[ORGANIZATIONS_FIELD.id]?.[0]?.name ?? null },
        attributes,
      };
    },
    /**
     * Users API "Update User" (PUT /api/v2/users/{id}): the requester's user_fields, by key. Zendesk
     * keeps them on the user, not the ticket: no ticket audit, and no ticket trigger fires.
     */
    updateZendeskUser(id: string, body: Body, userKey: string) {
      userOf(userKey);
      if (Number(id) !== zendesk.requester.id) throw Object.assign(new Error(`user ${id}: the workbench keeps user fields for the requester (${zendesk.requester.id}) only`), { status: 404 });
      const fields = directoryFields(body?.user?.user_fields, 'user.user_fields');
      Object.assign(directory().userFields, fields);
      save();
      return { user: { id: zendesk.requester.id, name: zendesk.requester.name, user_fields: directory().userFields } };
    },
    /** Organizations API "Update Organization" (PUT /api/v2/organizations/{id}): its organization_fields, by key. */
    updateZendeskOrganization(id: string, body: Body, userKey: string) {
      userOf(userKey);
      const org = ORGANIZATIONS.find((o) => o.id === Number(id));
      if (!org) throw Object.assign(new Error(`organization ${id}: not one of the account's (${ORGANIZATIONS.map((o) => o.id).join(', ')})`), { status: 404 });
      const fields = directoryFields(body?.organization?.organization_fields, 'organization.organization_fields');
      const all = directory().organizationFields;
      all[org.id] = { ...all[org.id], ...fields };
      save();
      return { organization: { id: org.id, name: org.name, organization_fields: all[org.id] } };
    },
    /** A ticket that arrives by email: nobody opens it, the service sets its priority and SLA fields. */
    async emailTicket(body: Body) {
      const form: { subject: string; impact?: string; urgency?: string; tier: string; groupId: number | null } = { subject: typeof body.subject === 'string' && body.subject.trim() ? body.subject.trim().slice(0, 200) : 'A ticket that arrived by email', impact: body.impact || undefined, urgency: body.urgency || undefined, tier: body.tier, groupId: body.group_id ?? null };
      const c = policy.classification;
      const problems: string[] = [];
      if (!policy.tiers[form.tier]) problems.push(`tier: expected ${Object.keys(policy.tiers).join(', ')}, got ${JSON.stringify(form.tier)}`);
      // A trigger (or the address it came to) may put a new ticket in a group: its creating audit says so.
      const group = groupProblem('group_id', form.groupId);
      if (group) problems.push(group);
      if (c.method === 'matrix') {
        if (form.impact && !c.impact.some((l) => l.id === form.impact)) problems.push(`impact: expected ${c.impact.map((l) => l.id).join(', ')}, got ${JSON.stringify(form.impact)}`);
        if (form.urgency && !c.urgency.some((l) => l.id === form.urgency)) problems.push(`urgency: expected ${c.urgency.map((l) => l.id).join(', ')}, got ${JSON.stringify(form.urgency)}`);
      }
      if (problems.length) throw new BadRequest('the ticket was not created', problems);
      const id = Math.max(...state.zendesk.map((t) => t.id)) + 1;
      state.zendesk.push(zendesk.newTicket(policy, id, form, state.clock));
      state.desk.push({ id, key: null, tier: form.tier, story: 'email', subject: form.subject });
      save();
      return { id, service: await deliverWebhook(id) };
    },
    async attachService(workbenchUrl: string) {
      const { startService }: typeof import('../../zendesk-app/service/src/server') = serviceCode('server.js');
      syncService();
      serviceCfg.baseURL = `${workbenchUrl}/zendesk-rest`;
      // The Marketplace's account (marketplace.ts): a Zendesk of its own, which knows the global
      // OAuth client once the service's address (its redirect URL) is known.
      await market.start();
      // The service keeps this very object: later policy and settings changes reach it.
      // Its failures are worth seeing (they carry ids and reasons, never ticket content).
      // On the embedded store (PGlite, in memory): the workbench's desk is the durable record.
      // It also serves the Marketplace's accounts (the hosted service): the global client, its own
      // public address, and an encryption key made now for the tokens it keeps (never shown).
      const encryptionKeys = [randomBytes(32)];
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const publicUrl = `http://127.0.0.1:${port}`;
        const globalOauth = { client: { ...market.client, redirectUri: `${publicUrl}/oauth/callback` }, publicUrl, appId: MARKETPLACE.appId };
        market.register(globalOauth.client.redirectUri);
        try {
          // syncService and baseURL above have completed it.
          service = await startService(serviceCfg as ServiceConfig, {
            now: () => state.clock,
            port,
            pollMs: 250,
            // Every change here is delivered as it happens, and the service never misses one: no
            // catch-up from a ticket export (the workbench's REST API has none).
            catchUpMs: 0,
            encryptionKeys,
            globalOauth,
            tenantBaseUrl: (subdomain: string) => market.baseOf(subdomain),
            log: (e) => {
              if (e.msg === 'ticket handled') lastOutcome.set(e.ticketId as number, e.outcome as string);
              if (e.level === 'error') log(`[workbench] service: ${JSON.stringify(e)}`);
            },
          });
          break;
        } catch (e) {
          // Another process took the port between the look and the listen: look again.
          if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw e;
        }
      }
      await deliverAll();
      save();
      return service;
    },
    /** Stops what the workbench started: the service, the Marketplace's account, Forge SQL's server. */
    closeService: async () => {
      await service?.close();
      await market.stop();
      await jira.forge.closeSql();
    },
    /** The Marketplace's account, as its Zendesk holds it, and the service's connection to it. */
    async marketplace() {
      const { WEBHOOK_NAME, TRIGGER_TITLE }: typeof import('../../zendesk-app/service/src/provision') = serviceCode('provision.js');
      const view = market.view({ webhookName: WEBHOOK_NAME, triggerTitle: TRIGGER_TITLE });
      const connection = service ? await (serviceCode('oauth.js') as typeof import('../../zendesk-app/service/src/oauth')).connectionState(service.db, view.accountId) : null;
      return { ...view, connection: connection ? { state: connection.state, reason: connection.reason } : null, connectUrl: service ? `${service.url}/connect?subdomain=${view.subdomain}` : null };
    },
    /** Install from the Marketplace: the app on the account, with its requirements and the default settings. */
    async installFromMarketplace() {
      if (!service) throw Object.assign(new Error('the service is not running'), { status: 503 });
      const { created } = await market.install(policy, settings());
      return { created, connectUrl: `${service.url}/connect?subdomain=${MARKETPLACE.subdomain}` };
    },
    /** An email to the Marketplace's account: Zendesk's trigger, set up by the service, calls it. */
    async marketplaceEmail(form: Body) {
      const problems: string[] = [];
      if (typeof form.subject !== 'string' || !form.subject.trim() || form.subject.length > 200) problems.push('subject: expected text (up to 200 characters)');
      if (typeof form.tier !== 'string' || !policy.tiers[form.tier]) problems.push(`tier: expected ${Object.keys(policy.tiers).join(', ')}, got ${shown(form.tier)}`);
      const c = policy.classification;
      for (const k of ['impact', 'urgency'] as const) {
        const v = form[k];
        if (v === undefined || v === null || v === '') continue;
        if (c.method !== 'matrix' || !c[k].some((l) => l.id === v)) problems.push(`${k}: expected ${c.method === 'matrix' ? c[k].map((l) => l.id).join(', ') : 'none (the policy has no matrix)'}, got ${shown(v)}`);
      }
      if (problems.length) throw new BadRequest('the email was not sent', problems);
      const id = market.email(form as EmailForm, state.clock);
      await market.settle(() => drainService());
      return { id, ...(await this.marketplace()).tickets.find((t) => t.id === id) };
    },
    /** Zendesk's REST API over the workbench's store, for the service. */
    rest: {
      ticket: (id: string) => ({ ticket: zendesk.restTicket(ticket(id)) }),
      audits: (id: string) => ({ audits: ticket(id).audits, users: zendesk.users, next_page: null }),
      groups: (userId: string) => zendesk.groupsOf(userId),
      // Organizations API "Show Organization" and Users API "Show User", with their custom fields.
      organization(id: string) {
        const org = ORGANIZATIONS.find((o) => o.id === Number(id));
        return org ? { status: 200, body: { organization: { id: org.id, name: org.name, organization_fields: directory().organizationFields[org.id] ?? {} } } } : { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
      },
      user(id: string) {
        const u = zendesk.users.find((x) => x.id === Number(id));
        if (!u) return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
        return { status: 200, body: { user: { ...u, user_fields: u.id === zendesk.requester.id ? directory().userFields : {} } } };
      },
      update(id: string, body: Body | undefined) {
        const t = ticket(id);
        const u: RestUpdate = body?.ticket ?? {};
        if (u.safe_update && u.updated_stamp !== zendesk.stampOf(t)) return { status: 409, body: { error: 'UpdateConflict' } };
        if (zendesk.applyRest(t, u, state.clock)) save();
        return { status: 200, body: { ticket: zendesk.restTicket(t) } };
      },
    },
    async commentZendesk(id: string, body: Body, userKey: string) {
      const t = ticket(id);
      const c = body?.ticket?.comment;
      if (!c || typeof c.body !== 'string' || !c.body.trim()) throw new BadRequest('ticket.comment.body: expected the comment text');
      zendesk.comment(t, c, userOf(userKey), state.clock, body.ticket.metadata);
      save();
      // A comment is an update: the trigger fires for a reply, an internal note and an override's
      // note alike, whether an agent wrote it in the ticket or through the API (the sidebar does).
      await deliverWebhook(t.id);
      return { ticket: { id: t.id } };
    },
    /**
     * The requester's message through Zendesk's Requests API (PUT /api/v2/requests/{id}), as an end
     * user writes it: public, by the requester. Zendesk's trigger fires on it as on any update.
     */
    async requesterZendesk(id: string, body: Body, userKey: string) {
      if (userKey !== 'requester') throw new BadRequest(`user: the Requests API here writes as the ticket's requester ("requester"), got "${String(userKey).slice(0, 40)}"`);
      const t = ticket(id);
      const c = body?.request?.comment;
      if (!c || typeof c.body !== 'string' || !c.body.trim()) throw new BadRequest('request.comment.body: expected the comment text');
      if (!zendesk.requesterComment(t, c.body, state.clock)) throw Object.assign(new Error(`ticket ${t.id}: closed; Zendesk takes no comment on a closed ticket (the requester's reply makes a follow-up ticket)`), { status: 422 });
      save();
      const service = await deliverWebhook(t.id);
      return { request: { id: t.id, status: t.values['ticket.status'] }, service };
    },
    async commentJira(key: string, body: Body) {
      // The reporter writes from the customer portal: always to the agents, never an internal note.
      if (body.user === JIRA_CUSTOMER.accountId) {
        if (body.public === false) throw new BadRequest('public: a customer\'s comment is always public (a JSM customer cannot add an internal comment)');
        const r = await jira.customerComment(key, body.body);
        save();
        return r;
      }
      const user = Object.values(JIRA_USERS).find((u) => u.accountId === body.user) ?? JIRA_USERS.agent;
      const r = await jira.comment(key, body.body, body.public, user);
      save();
      return r;
    },
    async editJira(key: string, body: Body) {
      if (body.user === JIRA_CUSTOMER.accountId) throw new BadRequest('user: a customer edits no fields of the issue (only agents do)');
      const user = Object.values(JIRA_USERS).find((u) => u.accountId === body.user) ?? JIRA_USERS.agent;
      const r = await jira.edit(policy, key, (body.changes ?? {}) as JiraChanges, user);
      save();
      return r;
    },
    async recalculateJira() {
      const progress = await jira.recalculate();
      save();
      return progress;
    },
    async invokeJira(body: Body) {
      const r = await jira.invoke(body.functionKey, body.payload ?? {}, body.issueKey, body.accountId, body.projectKey);
      if (body.functionKey === 'override') save();
      return r;
    },
    /** The Zendesk desk as timelines, one JSON line each: what `sla report` and `sla evaluate` read. */
    timelines() {
      return state.zendesk.map((t) => JSON.stringify(core.TimelineSchema.parse(zendesk.timelineOf(policy, t, settings().lead_groups)))).join('\n') + '\n';
    },
    report() {
      const b = new core.ReportBuilder();
      for (const t of state.zendesk) b.add(evaluateZendesk(t));
      // Ids are for files; the page names tiers, priorities and metrics as the policy labels them.
      const labels = (rec: Record<string, { label?: string }>) => Object.fromEntries(Object.entries(rec).map(([id, v]) => [id, v.label]));
      return { policy: policy.name, clock: new Date(state.clock).toISOString(), rows: b.rows(), labels: { tiers: labels(policy.tiers), priorities: labels(policy.priorities), metrics: labels(policy.metrics) } };
    },
  };
}

/** Forge's fiveMinute scheduled trigger runs on every five-minute mark. */
const FINDER_MS = 5 * 60_000;
const CLOCK_FIELDS = ['at', 'shiftMinutes', 'reset'];
const CLOCK_USAGE = 'clock: expected {"at": "<ISO instant>"}, {"shiftMinutes": <number>} or {"reset": true}';
// Ten years either way: more than anyone steps a desk, and the sum stays a Date (JSON's numbers do not).
const MAX_SHIFT_MINUTES = 10 * 366 * 24 * 60;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The instant a clock request asks for, from the clock's current one; a 400 naming the field otherwise. */
export function clockTarget(body: unknown, now: number): number {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(CLOCK_USAGE);
  const fields = Object.keys(body);
  const unknown = fields.find((k) => !CLOCK_FIELDS.includes(k));
  if (unknown !== undefined) throw new BadRequest(`clock.${unknown.slice(0, 40)}: not a field of the clock (${CLOCK_FIELDS.join(', ')})`);
  if (fields.length !== 1) throw new BadRequest(`${CLOCK_USAGE}; got ${fields.length ? fields.join(' and ') : 'none of them'}`);
  const at = instantOf(fields[0], (body as Record<string, unknown>)[fields[0]], now);
  // One the calendars cannot count (outside their years) would leave a desk that cannot be drawn.
  if (at < Date.UTC(2000, 0, 1) || at >= Date.UTC(2100, 0, 1)) throw new BadRequest(`clock: ${new Date(at).toISOString().slice(0, 10)} is outside the years the workbench's desk can be evaluated in (2000-2099)`);
  return at;
}

function instantOf(field: string, v: unknown, now: number): number {
  if (field === 'reset') {
    if (v !== true) throw new BadRequest(`clock.reset: expected true, got ${shown(v)}`);
    return DESK_NOW;
  }
  if (field === 'shiftMinutes') {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_SHIFT_MINUTES) throw new BadRequest(`clock.shiftMinutes: expected a number of minutes from -${MAX_SHIFT_MINUTES} to ${MAX_SHIFT_MINUTES} (ten years), got ${shown(v)}`);
    return now + Math.round(v * 60_000);
  }
  // An instant without its offset would be read in the server's zone.
  if (typeof v !== 'string' || !INSTANT.test(v)) throw new BadRequest(`clock.at: expected an ISO-8601 instant with its offset, like 2026-11-20T15:00:00Z; got ${shown(v)}`);
  const at = Date.parse(v);
  // Date.parse rolls 30 February over into March: a day the calendar lacks is a typo, not an instant.
  if (!Number.isFinite(at) || !onCalendar(v)) throw new BadRequest(`clock.at: ${shown(v)} is not a day on the calendar`);
  return at;
}

function onCalendar(iso: string) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

// JSON.stringify writes an overflowing number (1e400 parses to Infinity) as null.
const shown = (v: unknown) => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v))).slice(0, 40);

/** A policy's problems after its message, the first few: enough to find them in the file. */
const listed = (problems: string[]) => (problems.length ? ` (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''})` : '');

/** Recurring Metrics: each has cycles, the open one the countdown shows (core's METRIC_STOPS). */
const RECURRING = new Set(['next_public_reply', 'periodic_update', 'group_ownership']);

/**
 * A desk row's line: the host's summary line, then the open cycle of the ticket's most urgent
 * recurring Metric with how its ended cycles went ("1 of 2 met"). The summary names one Metric
 * only, often a one-off one (the resolution), and would hide a reply that is owed now.
 */
/**
 * The states the ticket list shows and filters by: a Metric state (core's worstState, the hosts'
 * "SLA state" field), or "triage" while the ticket waits for a Priority.
 */
export const DESK_STATES = ['triage', 'breached', 'at_risk', 'running', 'paused', 'met', 'not_applicable'];
export const DESK_SORTS = ['id', 'next_breach'];

/** A ticket's case now: waiting for triage (its triage clock open), else its most urgent state. */
export function caseState(decision: Decision | null) {
  if (!decision) return null;
  const t = decision.triage;
  if (t && t.stoppedAt === null && t.state !== 'not_applicable') return t.state === 'breached' ? 'breached' : 'triage';
  return core.worstState(decision);
}

/** core's nextBreach as ISO-8601 UTC, or null. */
export function breachOf(decision: Decision | null) {
  const t = decision ? core.nextBreach(decision) : null;
  return t === null ? null : new Date(t).toISOString();
}

/** The soonest next breach first (a past one, breached, leads); rows with none last, by id. */
export function sortByNextBreach<R extends { id: number; nextBreach: string | null }>(rows: R[]): R[] {
  const key = (r: R) => (r.nextBreach === null ? Infinity : Date.parse(r.nextBreach));
  return [...rows].sort((a, b) => key(a) - key(b) || a.id - b.id);
}

/** ?sort= and ?state= checked: a value the list cannot use is the caller's mistake, named. */
export function deskQuery(query: { sort?: string; state?: string }) {
  const sort = query.sort ?? 'id';
  const only = query.state || null;
  if (!DESK_SORTS.includes(sort)) throw new BadRequest(`sort: expected ${DESK_SORTS.join(' or ')}, got "${String(sort).slice(0, 40)}"`);
  if (only !== null && !DESK_STATES.includes(only)) throw new BadRequest(`state: expected one of ${DESK_STATES.join(', ')}, got "${String(only).slice(0, 40)}"`);
  return { sort, state: only };
}

export function deskLine(policy: Policy, view: TicketView, line: string) {
  const open = view.metrics.filter((m) => RECURRING.has(policy.metrics[m.metric]?.stopsAt) && !m.stopped);
  const cycle = core.mostUrgent({ ...view, metrics: open });
  if (!cycle) return line;
  const counted = cycle.cyclesText ? ` · ${cycle.cyclesText}` : '';
  return core.mostUrgent(view)?.metric === cycle.metric ? `${line}${counted}` : `${line} · ${cycle.label}: ${cycle.text}${counted}`;
}

/** What is wrong with a group id a request gives (a number of the account's groups, or null), or null. */
function groupProblem(field: string, v: unknown) {
  if (v === null || ACCOUNT_GROUPS.some((g) => g.id === v)) return null;
  return `${field}: expected one of ${ACCOUNT_GROUPS.map((g) => `${g.id} (${g.name})`).join(', ')}, or null for none; got ${shown(v)}`;
}

/** User or organization fields from a request: keys to text (or null), a few at a time. */
function directoryFields(v: unknown, where: string): Record<string, string | null> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`${where}: expected an object of field keys and values`);
  const problems: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (!/^[a-z0-9_]{1,64}$/i.test(k)) problems.push(`${where}.${k.slice(0, 40)}: expected a field key (letters, digits, _)`);
    else if (x !== null && !(typeof x === 'string' && x.length <= 255)) problems.push(`${where}.${k}: expected text (up to 255 characters) or null, got ${shown(x)}`);
  }
  if (problems.length) throw new BadRequest('nothing was saved', problems);
  return v as Record<string, string | null>;
}

/**
 * Values a ticket form may hold: the policy's levels and tiers, Zendesk's statuses and priorities,
 * the account's groups, organizations, brands and forms, tags, and text in the policy's attribute
 * fields. `current` is the ticket as saved: a value nobody changed is not checked again.
 */
function validateZendeskValues(policy: Policy, zendesk: ReturnType<typeof zendeskHost>, values: TicketValues, current: TicketValues = {}) {
  const problems: string[] = [];
  const changed = (path: string) => JSON.stringify(values[path] ?? null) !== JSON.stringify(current[path] ?? null);
  for (const [k, c] of Object.entries(CONTEXT)) {
    const v = values[c.path];
    if (v !== undefined && v !== null && changed(c.path) && !c.list.some((e) => e.id === v)) problems.push(`${c.path}: expected one of ${c.list.map((e) => `${e.id} (${e.name})`).join(', ')}, or null for no ${k}; got ${shown(v)}`);
  }
  const tags = values['ticket.tags'];
  if (tags !== undefined && changed('ticket.tags')) {
    // Zendesk's tags: no spaces (a space separates two tags), lower case.
    if (!Array.isArray(tags) || tags.length > 100) problems.push('ticket.tags: expected a list of tags');
    else for (const t of tags) if (typeof t !== 'string' || !/^[^\s,]{1,80}$/.test(t) || t !== t.toLowerCase()) problems.push(`ticket.tags: ${shown(t)} is not a tag (lower case, no spaces or commas, up to 80 characters)`);
  }
  const attributeIds = new Set(Object.values(policy.attributes ?? {}).map((a) => a.zendesk?.ticketField).filter(Boolean).map(Number));
  for (const [path, v] of Object.entries(values)) {
    const m = /^ticket\.customField:custom_field_(\d+)$/.exec(path);
    if (!m || Object.values(zendesk.ids).includes(Number(m[1])) || !changed(path)) continue;
    if (!attributeIds.has(Number(m[1]))) problems.push(`${path}: not a field this policy's attributes map (${[...attributeIds].join(', ') || 'none'})`);
    else if (v !== null && !(typeof v === 'string' && v.length <= 255)) problems.push(`${path}: expected text (up to 255 characters) or null, got ${shown(v)}`);
  }
  const check = (path: string, allowed: unknown[]) => {
    const v = values[path];
    if (v !== undefined && v !== null && v !== '' && !allowed.includes(v)) problems.push(`${path}: expected ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  };
  for (const field of Object.values(zendesk.fieldOptions(policy))) if (field) check(field.path, field.options.map((o) => o.value));
  check('ticket.status', ['new', 'open', 'pending', 'hold', 'solved', 'closed']);
  check('ticket.priority', ['low', 'normal', 'high', 'urgent']);
  const group = values[GROUP_PATH] === undefined ? null : groupProblem(GROUP_PATH, values[GROUP_PATH]);
  if (group) problems.push(group);
  if (problems.length) throw new BadRequest('the ticket was not saved', problems);
}

import { parseOverrideNote, readsConditions, statusWord, type Policy, type TimelineEvent, type TimelineInput } from '@sla-desk/core';
import type { JiraComment, JiraHistory, JiraIssue } from './client';
import { parseMetNote } from './met-note';

/**
 * A Jira issue (fields, changelog, comments: one GET) as the host-neutral timeline core evaluates.
 *
 * Statuses are mapped onto the policy's own words by core's statusWord (the policy's
 * clock.hosts.jira: names or status categories), so core stays host-neutral. A status the admin
 * lists on the admin page still pauses or solves, for a site whose workflow the policy cannot know.
 */
export interface FieldMap {
  impact?: string;
  urgency?: string;
  tier?: string;
  /**
   * Where the Tier comes from: the `tier` select field (the default), or a property of the
   * customer's JSM organization (the first organization in the `organizations` field).
   */
  tierSource?: 'field' | 'organization';
  /** The JSM Organizations field, e.g. customfield_10002. */
  organizations?: string;
  /** The organization property that holds the tier id or label; "sla-tier" by default. */
  organizationTierKey?: string;
  /** Extra Jira status names that pause the clock, beyond the policy's clock.hosts.jira. */
  pauseStatuses?: string[];
  /** Extra Jira status names that count as solved, beyond the policy's (the Done category by default). */
  doneStatuses?: string[];
  /**
   * Who owns the issue, for the policy's group_ownership Metrics: a custom field id (a group picker,
   * the Atlassian Team field, a select list; its name, else its value or id, is the group) or
   * `components` (the issue's first component, by name: Jira has no single owner among several).
   */
  group?: string;
}

/** The FieldMap's `group` for the issue's components, Jira's system field. */
export const COMPONENTS = 'components';

/** What the adapter knows of the site, fetched by the caller (side effects stay out of here). */
export interface TimelineContext {
  /** The tier read from the organization property, when that is the tier source. */
  organizationTier?: string | null;
  /** The app's own account: only its comments can carry an override note. */
  appAccountId?: string | null;
  /** Status name or id (lower case) -> its category key (new, indeterminate, done). */
  statusCategories?: Record<string, string>;
  /** The priority the issue's project gives new issues (its priority scheme's default), when known. */
  defaultPriority?: string | null;
  /** JSM's Customer Request Type field on this site (site.ts), or null without JSM. */
  requestTypeField?: string | null;
}

export function timelineOfIssue(policy: Policy, map: FieldMap, issue: JiraIssue, ctx: TimelineContext = {}): TimelineInput {
  const f = issue.fields;
  const organizationTier = ctx.organizationTier ?? null;
  const categories = ctx.statusCategories ?? {};
  const status = (name: string | null, id?: string | null, category?: string) =>
    statusOf(policy, map, name, category ?? categories[(id ?? '').toLowerCase()] ?? categories[(name ?? '').toLowerCase()]);
  const reporter = (f.reporter as { accountId?: string } | undefined)?.accountId;
  const events: TimelineEvent[] = [];
  const histories = [...(issue.changelog?.histories ?? [])].sort((a, b) => Date.parse(a.created) - Date.parse(b.created));

  // The changelog says what each field was before its first change: that is its value at creation.
  const initial = new Map<string, string | null>();
  for (const h of histories) for (const it of h.items) if (!initial.has(key(it))) initial.set(key(it), it.fromString);
  const now = (fieldKey: string, current: string | null) => (initial.has(fieldKey) ? initial.get(fieldKey)! : current);

  // The status at creation is the first change's "from"; with no change, the current status and its category.
  const firstStatus = initial.has('status') ? status(initial.get('status')!, histories.flatMap((h) => h.items).find((it) => key(it) === 'status')?.from) : status(f.status?.name ?? null, f.status?.id, f.status?.statusCategory?.key);
  const fields: NonNullable<TimelineInput['fields']> = { status: firstStatus };
  const c = policy.classification;
  if (c.method === 'matrix') {
    if (map.impact) fields.impact = levelOf(c.impact, now(map.impact, optionText(f[map.impact])));
    if (map.urgency) fields.urgency = levelOf(c.urgency, now(map.urgency, optionText(f[map.urgency])));
  } else {
    fields.priority = priorityOfJira(policy, designatedAtCreation(now('priority', f.priority?.name ?? null), ctx.defaultPriority));
  }
  const byOrganization = map.tierSource === 'organization';
  if (byOrganization) fields.tier = tierOf(policy, organizationTier);
  else if (map.tier) fields.tier = tierOf(policy, now(map.tier, optionText(f[map.tier])));
  const groups = map.group ? groupChanges(map.group, f[map.group], histories) : null;
  if (groups) fields.group = groups.initial;

  for (const h of histories) {
    for (const it of h.items) {
      const k = key(it);
      const at = h.created;
      if (k === 'status') events.push({ type: 'field', at, field: 'status', value: status(it.toString, it.to) });
      else if (k === 'priority' && c.method !== 'matrix') events.push({ type: 'field', at, field: 'priority', value: priorityOfJira(policy, it.toString) });
      else if (c.method === 'matrix' && k === map.impact) events.push({ type: 'field', at, field: 'impact', value: levelOf(c.impact, it.toString) });
      else if (c.method === 'matrix' && k === map.urgency) events.push({ type: 'field', at, field: 'urgency', value: levelOf(c.urgency, it.toString) });
      else if (!byOrganization && k === map.tier) events.push({ type: 'field', at, field: 'tier', value: tierOf(policy, it.toString) });
    }
  }
  for (const g of groups?.changes ?? []) events.push({ type: 'field', at: g.at, field: 'group', value: g.value });
  // What rules and conditional pauses read: the labels as tags, the project (key) as the brand,
  // the request type as the form, the first JSM organization, and the policy's named attributes.
  const extra: Pick<TimelineInput, 'tags' | 'attributes'> = {};
  if (readsConditions(policy)) {
    const labelItems = histories.flatMap((h) => h.items.filter((it) => key(it) === 'labels').map((it) => ({ at: h.created, it })));
    extra.tags = labelItems.length ? words(labelItems[0].it.fromString) : Array.isArray(f.labels) ? (f.labels as string[]) : [];
    for (const { at, it } of labelItems) events.push({ type: 'tags', at, tags: words(it.toString) });
    if (f.project?.key) fields.brand = f.project.key;
    const requestType = ctx.requestTypeField ? valueChanges(ctx.requestTypeField, requestTypeText(f[ctx.requestTypeField]), histories) : null;
    const context: [field: 'form' | 'organization', read: ValueChanges | null][] = [
      ['form', requestType],
      ['organization', map.organizations ? valueChanges(map.organizations, groupText(f[map.organizations]), histories, true) : null],
    ];
    for (const [field, read] of context) {
      if (!read) continue;
      fields[field] = read.initial;
      for (const c of read.changes) events.push({ type: 'field', at: c.at, field, value: c.value });
    }
    const attributes: Record<string, string | null> = {};
    for (const [name, a] of Object.entries(policy.attributes)) {
      const j = a.jira;
      const read = j?.field ? valueChanges(j.field, groupText(f[j.field]), histories, Array.isArray(f[j.field])) : j?.component ? groupChanges(COMPONENTS, f[COMPONENTS], histories) : j?.requestType ? requestType : null;
      if (!read) continue;
      attributes[name] = read.initial;
      for (const c of read.changes) events.push({ type: 'attribute', at: c.at, name, value: c.value });
    }
    extra.attributes = attributes;
  }
  const service = isServiceProject(issue);
  for (const cm of f.comment?.comments ?? []) {
    const e = commentEvent(cm, reporter, ctx.appAccountId ?? null, service);
    if (e) events.push(e);
  }
  return { id: issue.key, createdAt: f.created, fields, events, ...extra };
}

/** A Jira Service Management project, where a comment is public or internal (jsdPublic). */
export function isServiceProject(issue: { fields: { project?: { projectTypeKey?: string } } }): boolean {
  return issue.fields.project?.projectTypeKey === 'service_desk';
}

function key(it: { field: string; fieldId?: string }): string {
  return it.fieldId ?? it.field;
}

type Item = JiraHistory['items'][number];

/** Is this changelog item a change of the mapped group field? Components are "Component" items (fieldId "components" in REST v3). */
function isGroupItem(group: string, it: Item): boolean {
  if (group === COMPONENTS) return it.fieldId === COMPONENTS || (it.fieldId === undefined && it.field === 'Component');
  return key(it) === group;
}

/**
 * The group at creation and each change of it, from the mapped field's changelog items (histories
 * in time order). A field holding one value: its first change's `fromString` is its value at
 * creation, else the current value; each change's `toString` (its `to` when Jira gives no text) is
 * the new group.
 *
 * Components are a list, and Jira logs each component added (`to`) or removed (`from`) as its own
 * item. The list at creation is the current one with the changelog undone from the newest back;
 * the group is the first component's name, a component added joining after those there already. A
 * history that swaps components (one removed, one added) is one change of group, not two.
 */
export function groupChanges(group: string, current: unknown, histories: readonly JiraHistory[]): { initial: string | null; changes: { at: string; value: string | null }[] } {
  const changes: { at: string; value: string | null }[] = [];
  if (group !== COMPONENTS) {
    let initial: string | null | undefined;
    for (const h of histories) {
      for (const it of h.items) {
        if (!isGroupItem(group, it)) continue;
        if (initial === undefined) initial = blank(it.fromString ?? it.from);
        changes.push({ at: h.created, value: blank(it.toString ?? it.to) });
      }
    }
    return { initial: initial === undefined ? groupText(current) : initial, changes };
  }
  type Component = { id: string | null; name: string };
  const same = (a: Component, b: Component) => (a.id !== null && b.id !== null ? a.id === b.id : a.name === b.name);
  const list: Component[] = (Array.isArray(current) ? current : []).flatMap((c) => {
    const name = groupText(c);
    const id = c && typeof c === 'object' && (c as { id?: unknown }).id != null ? String((c as { id: unknown }).id) : null;
    return name === null ? [] : [{ id, name }];
  });
  const added = (it: Item): Component | null => (it.toString ?? it.to) === null ? null : { id: it.to, name: it.toString ?? String(it.to) };
  const removed = (it: Item): Component | null => (it.fromString ?? it.from) === null ? null : { id: it.from, name: it.fromString ?? String(it.from) };
  const drop = (c: Component) => {
    const i = list.findIndex((x) => same(x, c));
    if (i >= 0) list.splice(i, 1);
  };
  const own = histories.map((h) => ({ at: h.created, items: h.items.filter((it) => isGroupItem(group, it)) })).filter((h) => h.items.length);
  // Undone from the newest back: an addition is taken away, a removal put back (before the rest,
  // since it was there before anything added after it).
  for (let i = own.length - 1; i >= 0; i--) {
    for (let j = own[i].items.length - 1; j >= 0; j--) {
      const it = own[i].items[j];
      const a = added(it);
      const r = removed(it);
      if (a) drop(a);
      if (r && !list.some((x) => same(x, r))) list.unshift(r);
    }
  }
  const first = () => (list.length ? list[0].name : null);
  const initial = first();
  let was = initial;
  for (const h of own) {
    for (const it of h.items) {
      const r = removed(it);
      const a = added(it);
      if (r) drop(r);
      if (a && !list.some((x) => same(x, a))) list.push(a);
    }
    const now = first();
    if (now !== was) changes.push({ at: h.at, value: now });
    was = now;
  }
  return { initial, changes };
}

type ValueChanges = { initial: string | null; changes: { at: string; value: string | null }[] };

/**
 * A field holding one value, as rules read it: its first changelog item's `fromString` is its value
 * at creation (else `current`, the value's text now), and each item's `toString` (its `to` when Jira
 * gives no text) the new value. `list`: the field holds several values (the JSM Organizations field,
 * a multi-select) and Jira logs the whole list as one text, "[Acme, Globex]" or "Acme,Globex": its
 * first entry is the value, as the first organization is for the tier.
 */
export function valueChanges(fieldId: string, current: string | null, histories: readonly JiraHistory[], list = false): ValueChanges {
  const text = (s: string | null) => (list ? firstOfList(s) : blank(s));
  const changes: { at: string; value: string | null }[] = [];
  let initial: string | null | undefined;
  for (const h of histories) {
    for (const it of h.items) {
      if (key(it) !== fieldId) continue;
      if (initial === undefined) initial = text(it.fromString ?? it.from);
      changes.push({ at: h.created, value: text(it.toString ?? it.to) });
    }
  }
  return { initial: initial === undefined ? current : initial, changes };
}

/** The first entry of a list Jira logs as text: "[Acme, Globex]" or "Acme,Globex" -> "Acme". */
function firstOfList(s: string | null): string | null {
  if (s === null) return null;
  const inner = s.trim().replace(/^\[(.*)\]$/s, '$1');
  return blank(inner.split(',')[0] ?? '')?.trim() ?? null;
}

/**
 * The request type's name from JSM's Customer Request Type field: its value is a
 * CustomerRequestType-like object, { requestType: { id, name, ... }, currentStatus, _links }.
 */
function requestTypeText(v: unknown): string | null {
  const rt = v && typeof v === 'object' ? (v as { requestType?: { name?: unknown } }).requestType : undefined;
  return typeof rt?.name === 'string' ? blank(rt.name) : null;
}

/** A group as the policy names it: a group picker's or team's name, a select's value, the first of a list. */
function groupText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return blank(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.length ? groupText(v[0]) : null;
  if (typeof v !== 'object') return null;
  const o = v as { name?: unknown; value?: unknown; title?: unknown; id?: unknown; groupId?: unknown };
  for (const x of [o.name, o.value, o.title, o.id, o.groupId]) if (typeof x === 'string' && x.trim()) return x;
  return null;
}

const blank = (s: string | null): string | null => (s === null || s.trim() === '' ? null : s);

/**
 * A comment as a timeline event. An override note counts only when the app itself wrote it (after
 * its server-side lead check) and the customer cannot see it: anyone can type the note's words. The
 * app's other comments (at-risk and breach notices, the notice to the requester) are never replies.
 *
 * Who the reporter sees: `jsdPublic` means something only in a service project; elsewhere a comment
 * is visible to the reporter unless its `visibility` restricts it to a role or a group (REST v3, Get
 * comments: `visibility` {type: role | group, value, identifier}). A restricted comment is internal
 * in every project.
 *
 * Who wrote it, by `author.accountType` (REST v3 User: atlassian, app or customer): a `customer`
 * account (a JSM customer: the reporter, a request participant, another customer of the
 * organization) is the requester's side; an `atlassian` account other than the reporter is an
 * agent; an `app` other than SLA Desk (Jira Automation's acknowledgement, another Marketplace app)
 * is neither, and its comment is no reply at all. With no accountType (older payloads, the REST
 * reference's own example), the reporter is the requester and anyone else an agent.
 */
function commentEvent(cm: JiraComment, reporter: string | undefined, appAccountId: string | null, service: boolean): TimelineEvent | null {
  const visible = !restricted(cm) && (service ? cm.jsdPublic !== false : true);
  if (appAccountId !== null && cm.author?.accountId === appAccountId) {
    // Anyone with "Edit all comments" can rewrite the app's note: only a note nobody else edited counts.
    const untouched = !cm.updateAuthor || cm.updateAuthor.accountId === appAccountId;
    const text = adfText(cm.body);
    const trusted = untouched && text && !(service && visible);
    // A promise an agent marked as kept: also written only by the app, after its own check.
    const met = trusted ? parseMetNote(text) : null;
    if (met) return { type: 'met', at: met.at, metric: met.metric };
    const override = trusted ? parseOverrideNote(text) : null;
    // The app wrote the note, so its own instant holds: it is the one the override was decided at,
    // and not later than the refresh that follows it (Jira stamps the comment a moment after).
    return override;
  }
  // Another app (Jira Automation's "we got your request", a Marketplace app) answers for nobody.
  if (cm.author?.accountType === 'app') return null;
  return { type: 'reply', at: cm.created, public: visible, author: authorOf(cm, reporter) };
}

/** Restricted to a role or a group: only its members see it, never the reporter (unless a member). */
function restricted(cm: JiraComment): boolean {
  const v = cm.visibility;
  return !!v && typeof v === 'object' && (typeof v.type === 'string' || typeof v.value === 'string' || typeof v.identifier === 'string');
}

/** The side a comment's author is on; another app's comment never reaches here as a reply. */
function authorOf(cm: JiraComment, reporter: string | undefined): 'agent' | 'requester' {
  const a = cm.author;
  if (!a?.accountId) return 'requester';
  if (a.accountId === reporter || a.accountType === 'customer') return 'requester';
  return 'agent';
}

/** The plain text of an Atlassian Document Format body (or a plain string). */
export function adfText(body: unknown): string {
  if (typeof body === 'string') return body;
  const parts: string[] = [];
  const walk = (n: unknown, depth: number) => {
    if (!n || typeof n !== 'object') return;
    const node = n as { type?: string; text?: string; content?: unknown[] };
    if (node.type === 'text' && typeof node.text === 'string') parts.push(node.text);
    if (node.type === 'hardBreak') parts.push('\n');
    node.content?.forEach((child, i) => {
      if (node.type === 'doc' && i > 0) parts.push('\n');
      walk(child, depth + 1);
    });
  };
  walk(body, 0);
  return parts.join('');
}

function optionText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  const o = v as { value?: string; name?: string };
  return o.value ?? o.name ?? null;
}

/** "2. Important", "2" or "Important" -> the level id "2". */
function levelOf(levels: { id: string; label: string }[], text: string | null): string | null {
  if (!text) return null;
  const t = text.trim().toLowerCase();
  const hit = levels.find((l) => t === l.id.toLowerCase() || t === l.label.toLowerCase() || t === `${l.id}. ${l.label}`.toLowerCase() || t.startsWith(`${l.id.toLowerCase()}.`));
  return hit ? hit.id : null;
}

function tierOf(policy: Policy, text: string | null): string | null {
  if (!text) return null;
  const t = text.trim().toLowerCase();
  return Object.entries(policy.tiers).find(([id, tier]) => id.toLowerCase() === t || tier.label.toLowerCase() === t)?.[0] ?? text;
}

/**
 * The Jira priority an issue was created with, as a designation. Jira fills every new issue with its
 * priority scheme's default, so that value at creation is nobody's choice: the issue has no priority
 * yet, as a Zendesk ticket whose priority is empty, and the triage clock runs until a person sets one
 * (a changelog item, which counts whatever it sets, the default included). Jira cannot tell a
 * reporter who picked the default from one who left it, so both read as no designation.
 */
export function designatedAtCreation(initial: string | null, defaultPriority: string | null | undefined): string | null {
  if (initial && defaultPriority && initial.toLowerCase() === defaultPriority.toLowerCase()) return null;
  return initial;
}

export function priorityOfJira(policy: Policy, name: string | null): string | null {
  if (!name) return null;
  return Object.entries(policy.priorities).find(([, p]) => p.jira.toLowerCase() === name.toLowerCase())?.[0] ?? null;
}

function statusOf(policy: Policy, map: FieldMap, name: string | null, category: string | undefined): string | null {
  if (!name) return null;
  const n = name.toLowerCase();
  if ((map.pauseStatuses ?? []).some((s) => s.toLowerCase() === n)) return policy.clock.pauseStatuses[0] ?? 'pending';
  if ((map.doneStatuses ?? []).some((s) => s.toLowerCase() === n)) return policy.clock.solvedStatuses[0] ?? 'solved';
  return statusWord(policy, 'jira', { name, category });
}


/** Jira's changelog gives labels as one space-separated string. */
function words(s: string | null): string[] {
  return (s ?? '').split(/\s+/).filter(Boolean);
}

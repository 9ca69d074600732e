/**
 * A Jira Cloud REST emulator for the Forge app's tests, the workbench and the benchmark. It copies
 * Jira's published contract, not the app's assumptions: each route names its source (Atlassian's
 * REST v3 reference, or a recorded payload in test/fixtures/host-payloads, each with a .source.md), and it enforces the limits a
 * real site has:
 *  - GET issue with expand=changelog returns only the latest 100 histories; the enhanced JQL search
 *    only the latest 40; embedded comments are capped too (the rest must be paged);
 *  - POST /app/field/value writes a changelog entry unless generateChangelog=false;
 *  - jsdPublic means something only in service projects, where an internal comment is JSM's
 *    Create request comment with public: false, for customer requests only;
 *  - every route needs its OAuth scopes (./scopes.ts): a call the manifest has no scope for is a 401,
 *    as Forge answers "Unauthorized; scope does not match";
 *  - asUser calls run with that user's permissions (Administer Jira, project roles need project admin).
 *  - an issue edit (PUT issue) logs each field it changes in Jira's changelog shape, components one
 *    "Component" item per component added or removed.
 * It counts every request and can be told to fail the next ones with 429 or 500.
 */
import { allowed, routeOf } from './scopes';

export interface History {
  id: string;
  created: string;
  author?: { accountId: string };
  items: { field: string; fieldId?: string; fieldtype?: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }[];
}
export interface Comment {
  id: string;
  created: string;
  /** The author's accountType, when the site has no User for the account (else the User's own). */
  author?: { accountId: string; displayName?: string; accountType?: 'atlassian' | 'app' | 'customer' };
  /** Who last edited it: Jira sets it on every edit ("Edit all comments" lets others edit). */
  updateAuthor?: { accountId: string };
  updated?: string;
  body: unknown;
  jsdPublic?: boolean;
  /**
   * Restricted to a role or a group (REST v3, Get comments: Visibility {type, value, identifier};
   * recorded: test/fixtures/host-payloads/jira_issue_comments.doc-example.json). Returned as stored.
   */
  visibility?: { type: 'role' | 'group'; value: string; identifier?: string };
  properties?: { key: string; value: unknown }[];
}
export interface EmulatedIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  histories: History[];
  comments: Comment[];
  /**
   * An issue of a service project raised without a request type (an agent's Task): no customer
   * request, so JSM's request operations answer 404 for it.
   */
  notARequest?: boolean;
}
export interface User {
  accountId: string;
  displayName: string;
  accountType?: 'atlassian' | 'app' | 'customer';
  /** Global permissions, e.g. ADMINISTER. */
  global?: string[];
  /** Project key -> project permissions, e.g. ADMINISTER_PROJECTS, EDIT_ISSUES. */
  projects?: Record<string, string[]>;
  /** The user's language as Jira gives it, e.g. fr_FR. */
  locale?: string;
  /** The profile's IANA zone; Get user gives it as `timeZone` (null where the user's privacy setting hides it). */
  timeZone?: string;
}
export type Principal = { as: 'app' } | { as: 'user'; accountId: string };

interface Fault {
  status: number;
  retryAfter?: string;
}

export const APP_ACCOUNT = 'app-sla-desk';
/** The app's id and environment, as Forge puts them in its custom fields' type. */
export const APP_ID = '00000000-0000-0000-0000-000000000000';
export const ENV_ID = 'b6b5a5e4-0000-4000-8000-000000000001';

/** GET issue?expand=changelog: "returns only the latest 100 histories" (REST v3, Get issue; HOSTS.md). */
export const ISSUE_CHANGELOG_CAP = 100;
/** Enhanced JQL search with expand=changelog: at most 40 histories per issue (REST v3, Search for issues using JQL enhanced search). */
export const SEARCH_CHANGELOG_CAP = 40;
/**
 * Comments embedded in an issue's `comment` field. Atlassian publishes no number for this cap; the
 * app pages whenever `total` exceeds what came, so the emulator keeps it small to prove that.
 */
export const EMBEDDED_COMMENT_CAP = 20;
/** GET /issue/{key}/changelog: maxResults at most 100 (REST v3, Get changelogs). */
export const CHANGELOG_PAGE_CAP = 100;
/** GET /issue/{key}/comment: maxResults default 5000 (REST v3, Get comments); the emulator caps at 100 to make paging visible. */
export const COMMENT_PAGE_CAP = 100;
/** POST /search/jql: maxResults at most 5000, but far fewer with expand=changelog; the emulator caps at 100. */
export const SEARCH_PAGE_CAP = 100;

/** The jira:customField types Forge takes (Forge manifest reference, jira:customField `type`). */
export const FORGE_FIELD_TYPES = ['string', 'number', 'date', 'datetime', 'user', 'group', 'object'];

/** Status name -> category key (GET /rest/api/3/status; statusCategory.key is new, indeterminate or done). */
const DEFAULT_STATUSES: Record<string, { id: string; category: 'new' | 'indeterminate' | 'done' }> = {
  Open: { id: '1', category: 'new' },
  'In Progress': { id: '3', category: 'indeterminate' },
  'Waiting for support': { id: '10010', category: 'indeterminate' },
  'Waiting for customer': { id: '10011', category: 'indeterminate' },
  Pending: { id: '10012', category: 'indeterminate' },
  Resolved: { id: '5', category: 'done' },
  Done: { id: '10001', category: 'done' },
  Closed: { id: '6', category: 'done' },
};

export class JiraEmulator {
  issues = new Map<string, EmulatedIssue>();
  priorities: { id: string; name: string }[] = [];
  statuses = { ...DEFAULT_STATUSES };
  groups = new Map<string, string[]>();
  users = new Map<string, User>();
  /** Project key -> its type ("service_desk" for JSM, "software", "business"). */
  projectTypes = new Map<string, string>();
  /**
   * Priority schemes other than the default: each holds some of the site's priorities (by id) and
   * some projects (by key). The default scheme ("Default Priority Scheme", id 1) holds every
   * priority and every project no other scheme holds ("Manage priority schemes", Jira Cloud
   * administration docs: "The default scheme is associated with all the priorities in a Jira
   * instance"; a scheme's projects may only use its priorities).
   */
  prioritySchemes: { id: string; name: string; priorityIds: string[]; projectKeys: string[]; defaultPriorityId?: string }[] = [];
  /** The site's default priority (Medium on a new site), which the default scheme gives new issues. */
  defaultPriorityId = '3';
  /** Project key -> its id, given on first sight (10000, 10001, ...), as Jira's project ids are numbers. */
  private projectIds = new Map<string, string>();
  /**
   * Project key -> the custom fields on its issues' edit screen. A new custom field is on no screen
   * until an admin adds it; system fields are on the default screen.
   */
  screenFields = new Map<string, string[]>();
  /** JSM organization id -> its properties. */
  organizationProperties = new Map<string, Record<string, unknown>>();
  /** Project key -> role name -> role id and actors. */
  projectRoles = new Map<string, Record<string, { id: number; accountIds: string[]; groups: string[] }>>();
  /** Project key -> its components (REST v3 ProjectComponent: id, name), what an issue's `components` may hold. */
  components = new Map<string, { id: string; name: string }[]>();
  /** The site's groups (REST v3 GroupName: name, groupId), what a group picker may hold. */
  siteGroups: { name: string; groupId: string }[] = [];
  /** Custom fields: id -> name, type, options, and for the app's own fields the module key. */
  fields = new Map<string, { name: string; type: string; options: string[]; moduleKey?: string; schemaType?: string }>();
  requests: { method: string; path: string; body?: unknown; as: string }[] = [];
  /** Leave `total` out of embedded changelogs: Jira does not document it on a capped search. */
  omitChangelogTotal = false;
  /** The invoking user, whom api.asUser() acts as. */
  currentUser: string | null = null;
  private faults: Fault[] = [];
  private flaky: (Fault & { every: number; seen: number }) | null = null;
  /** Path prefixes Jira answers 403 to, as a site whose permissions refuse the app. */
  private forbidden: string[] = [];
  private seq = 100;
  private deployed = 0;
  /** The clock the emulator stamps its changes with. */
  now = () => new Date().toISOString();

  /** `scopes`: the manifest's permissions.scopes; a call none of them allows is refused. */
  constructor(readonly scopes: readonly string[]) {
    this.reset();
  }

  /** Back to an empty site with the default priorities, and the app's account. */
  reset(): void {
    for (const m of [this.issues, this.groups, this.users, this.projectTypes, this.organizationProperties, this.projectRoles, this.fields, this.projectIds, this.screenFields, this.components]) m.clear();
    this.prioritySchemes = [];
    this.defaultPriorityId = '3';
    this.siteGroups = [];
    this.requests = [];
    this.faults = [];
    this.flaky = null;
    this.currentUser = null;
    this.deployed = 0;
    this.forbidden = [];
    this.omitChangelogTotal = false;
    this.statuses = { ...DEFAULT_STATUSES };
    this.priorities = ['Highest', 'High', 'Medium', 'Low', 'Lowest'].map((name, i) => ({ id: String(i + 1), name }));
    // Forge's app user sits in atlassian-addons-admin, which holds Administer Jira on a default site.
    this.users.set(APP_ACCOUNT, { accountId: APP_ACCOUNT, displayName: 'SLA Desk', accountType: 'app', global: ['ADMINISTER'] });
  }

  /** The fields Forge creates from the manifest's jira:customField modules at deploy, with site-specific ids. */
  deployAppFields(modules: { key: string; name: string; type: string }[]): Record<string, string> {
    const ids: Record<string, string> = {};
    for (const m of modules) {
      if (!FORGE_FIELD_TYPES.includes(m.type)) throw new Error(`jira:customField ${m.key}: type "${m.type}" is not one of ${FORGE_FIELD_TYPES.join(', ')}`);
      const id = `customfield_${10500 + this.deployed++}`;
      this.fields.set(id, { name: m.name, type: `ari:cloud:ecosystem::extension/${APP_ID}/${ENV_ID}/static/${m.key}`, options: [], moduleKey: m.key, schemaType: m.type });
      ids[m.key] = id;
    }
    return ids;
  }

  /**
   * A single group picker custom field (type ...:grouppicker, schema type "group", as GET /field
   * describes one); its value on an issue is a GroupName {name, groupId}.
   */
  addGroupPickerField(id: string, name: string): void {
    this.fields.set(id, { name, type: 'com.atlassian.jira.plugin.system.customfieldtypes:grouppicker', options: [], schemaType: 'group' });
  }

  addUser(u: User, groups: string[] = []): void {
    this.users.set(u.accountId, u);
    this.groups.set(u.accountId, groups);
  }

  addIssue(issue: Omit<EmulatedIssue, 'histories' | 'comments'> & Partial<Pick<EmulatedIssue, 'histories' | 'comments'>>): EmulatedIssue {
    const full = { histories: [], comments: [], ...issue };
    this.issues.set(issue.key, full);
    return full;
  }

  /** Requests under this path prefix get 403 from now on. */
  forbid(prefix: string): void {
    this.forbidden.push(prefix);
  }

  /** The next `count` requests fail with `status` (and Retry-After, if given). */
  failNext(count: number, status: number, retryAfter?: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, retryAfter });
  }

  /**
   * From now on every `every`-th request fails with `status` (and Retry-After): a site under its
   * points-based rate limit, where a retry after Retry-After goes through ("Rate limiting", REST v3).
   */
  failEvery(every: number, status: number, retryAfter?: string): void {
    this.flaky = { every, status, retryAfter, seen: 0 };
  }

  /** Requests that change something (a JQL search is a POST that only reads). */
  writes(): { method: string; path: string; body?: unknown }[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/rest/api/3/search/'));
  }

  projectId(key: string): string {
    if (!this.projectIds.has(key)) this.projectIds.set(key, String(10000 + this.projectIds.size));
    return this.projectIds.get(key)!;
  }

  /** Every project the site knows: those of its issues, and those given a type or a scheme. */
  private projectKeys(): string[] {
    return [...new Set([...[...this.issues.values()].map((i) => i.key.split('-')[0]), ...this.projectTypes.keys(), ...this.prioritySchemes.flatMap((s) => s.projectKeys)])].sort();
  }

  /** The schemes as Jira lists them: the default first, with every priority. */
  private schemes(): { id: string; name: string; isDefault: boolean; priorityIds: string[]; projectKeys: string[]; defaultPriorityId: string }[] {
    const assigned = new Set(this.prioritySchemes.flatMap((s) => s.projectKeys));
    const def = { id: '1', name: 'Default Priority Scheme', isDefault: true, priorityIds: this.priorities.map((p) => p.id), projectKeys: this.projectKeys().filter((k) => !assigned.has(k)), defaultPriorityId: this.defaultPriorityId };
    // Every scheme has a default priority (Create priority scheme: defaultPriorityId is required).
    return [def, ...this.prioritySchemes.map((s) => ({ ...s, isDefault: false, defaultPriorityId: s.defaultPriorityId ?? s.priorityIds[0] }))];
  }

  /** The priorities an issue of this project may have: its scheme's. */
  private projectPriorities(projectKey: string): { id: string; name: string }[] {
    const scheme = this.schemes().find((s) => s.projectKeys.includes(projectKey)) ?? this.schemes()[0];
    return this.priorities.filter((p) => scheme.priorityIds.includes(p.id));
  }

  private isServiceProject(issue: EmulatedIssue): boolean {
    return this.projectTypes.get(issue.key.split('-')[0]) === 'service_desk';
  }

  /**
   * A comment as Jira returns it: jsdPublic only in service projects, and the author as a User
   * (accountId, displayName, accountType: "atlassian", "app" or "customer", as REST v3's User and
   * the recorded jira_issue_comments_jsdPublic.real-edited.json carry it).
   */
  private commentView(issue: EmulatedIssue, c: Comment) {
    const { jsdPublic, properties: _p, ...rest } = c;
    const person = (accountId: string, type?: string) => {
      const u = this.users.get(accountId);
      return { accountId, displayName: u?.displayName ?? accountId, accountType: u?.accountType ?? type ?? 'atlassian' };
    };
    const author = c.author ? person(c.author.accountId, c.author.accountType) : undefined;
    // updateAuthor and updated are on every comment: the author and created until someone edits it.
    const updateAuthor = c.updateAuthor ? person(c.updateAuthor.accountId) : author;
    return { ...rest, author, updateAuthor, updated: c.updated ?? c.created, ...(this.isServiceProject(issue) ? { jsdPublic: jsdPublic !== false } : {}) };
  }

  private fieldsView(issue: EmulatedIssue, wanted: string[] | null, commentCap: number) {
    const status = issue.fields.status as { name: string } | undefined;
    const st = status ? this.statuses[status.name] : undefined;
    const all: Record<string, unknown> = {
      ...issue.fields,
      status: status ? { name: status.name, id: st?.id, statusCategory: st ? { key: st.category } : undefined } : undefined,
      project: { id: this.projectId(issue.key.split('-')[0]), key: issue.key.split('-')[0], projectTypeKey: this.projectTypes.get(issue.key.split('-')[0]) ?? 'software' },
      // The embedded comment field pages like GET /comment: the oldest first, capped, with its total.
      comment: { comments: issue.comments.slice(0, commentCap).map((c) => this.commentView(issue, c)), startAt: 0, maxResults: commentCap, total: issue.comments.length },
    };
    if (!wanted || wanted.includes('*all')) return all;
    return Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]]));
  }

  private view(issue: EmulatedIssue, fields: string[] | null, changelogCap: number | null) {
    const latest = changelogCap === null ? undefined : issue.histories.slice(-changelogCap);
    return {
      id: issue.id,
      key: issue.key,
      // REST v3 Get issue: the issue's own REST URL, on the site's host.
      self: `https://site.atlassian.net/rest/api/3/issue/${issue.id}`,
      fields: this.fieldsView(issue, fields, EMBEDDED_COMMENT_CAP),
      changelog: latest ? { startAt: 0, maxResults: latest.length, ...(this.omitChangelogTotal ? {} : { total: issue.histories.length }), histories: latest } : undefined,
    };
  }

  private permissionsOf(accountId: string, projectKey?: string): Set<string> {
    const u = this.users.get(accountId);
    return new Set([...(u?.global ?? []), ...(projectKey ? (u?.projects?.[projectKey] ?? []) : Object.values(u?.projects ?? {}).flat())]);
  }

  private findField(idOrKey: string) {
    if (this.fields.has(idOrKey)) return idOrKey;
    // Forge fields are also addressed by key (REST v3, Update custom fields: "The ID or key of the custom field").
    return [...this.fields.entries()].find(([, f]) => f.moduleKey && `${APP_ID}__${ENV_ID}__${f.moduleKey}` === idOrKey)?.[0];
  }

  /** As @forge/api's requestJira: a route (from the real `route` tag), fetch-like options, and who calls. */
  async requestJira(route: { value: string }, init: { method?: string; body?: string } = {}, principal: Principal = { as: 'app' }) {
    const method = init.method ?? 'GET';
    const url = new URL(route.value, 'https://site.atlassian.net');
    const body = init.body ? JSON.parse(init.body) : undefined;
    const caller = principal.as === 'app' ? APP_ACCOUNT : principal.accountId;
    this.requests.push({ method, path: url.pathname + url.search, body, as: principal.as });
    const p = url.pathname;
    const known = routeOf(method, p);
    if (!known) return respond(404, { errorMessages: [`not emulated: ${method} ${p}`] });
    if (!allowed(known, this.scopes)) return respond(401, { code: 401, message: 'Unauthorized; scope does not match' });
    if (this.forbidden.some((f) => p.startsWith(f))) return respond(403, { errorMessages: ['You do not have permission to perform this operation.'] });
    const fault = this.faults.shift() ?? (this.flaky && ++this.flaky.seen % this.flaky.every === 0 ? this.flaky : undefined);
    if (fault) return respond(fault.status, { errorMessages: ['injected'] }, fault.retryAfter);
    return this.route(method, p, url.searchParams, body, caller);
  }

  /** Each route below follows the REST v3 reference page named for it in scopes.ts (ROUTE_SCOPES[].source). */
  private route(method: string, p: string, q: URLSearchParams, body: any, caller: string) {
    let m: RegExpExecArray | null;
    const issueOf = (k: string) => this.issues.get(decodeURIComponent(k)) ?? [...this.issues.values()].find((i) => i.id === k);
    // Get issue: fields (comma list), expand=changelog (latest 100 histories).
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const fields = q.get('fields')?.split(',') ?? null;
      return respond(200, this.view(issue, fields, q.get('expand')?.split(',').includes('changelog') ? ISSUE_CHANGELOG_CAP : null));
    }
    // Get edit issue metadata: {fields: {id: FieldMetadata}}, the edit screen's fields the caller may
    // edit; a field on no screen of the issue is absent.
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/editmeta$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const onScreen = ['summary', 'priority', 'description', 'labels', ...(this.screenFields.get(issue.key.split('-')[0]) ?? [])];
      return respond(200, { fields: Object.fromEntries(onScreen.map((id) => [id, { key: id, name: this.fields.get(id)?.name ?? id, required: false, operations: ['set'] }])) });
    }
    // Get changelogs: PageBeanChangelog (startAt, maxResults, total, isLast, values), oldest first
    // (shape: host-payloads/jira_issue_changelog.doc-example.json).
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/changelog$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      return respond(200, page(issue.histories, q, CHANGELOG_PAGE_CAP, 'values'));
    }
    // Get comments: PageOfComments (startAt, maxResults, total, comments), oldest first
    // (shape: host-payloads/jira_issue_comments.doc-example.json, jsdPublic as in the real-edited capture).
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const out = page(issue.comments, q, COMMENT_PAGE_CAP, 'comments');
      return respond(200, { ...out, comments: (out.comments as Comment[]).map((c) => this.commentView(issue, c)) });
    }
    // Edit issue: `fields` priority (by name or id), components (a list of {name} or {id}, the
    // project's), a group picker ({name} or {groupId}, or null); 400 with errors{} naming each bad
    // field, and then nothing is changed; 204, one history for the edit.
    if (method === 'PUT' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const edit = this.edit(issue, body?.fields ?? {});
      if ('errors' in edit) return respond(400, { errorMessages: [], errors: edit.errors });
      const update = this.updateLabels(issue, body?.update?.labels);
      if ('errors' in update) return respond(400, { errorMessages: [], errors: update.errors });
      Object.assign(issue.fields, edit.values, update.values);
      const items = [...edit.items, ...update.items];
      if (items.length) this.history(issue, caller, items);
      return respond(204, undefined);
    }
    // Update custom fields (apps): only the app's own fields; a changelog entry unless generateChangelog=false.
    if (method === 'POST' && p === '/rest/api/3/app/field/value') {
      const changelog = q.get('generateChangelog') !== 'false';
      for (const u of body?.updates ?? []) {
        const id = this.findField(String(u.customField));
        const field = id ? this.fields.get(id) : undefined;
        if (!id || !field) return respond(404, { errorMessages: [`The custom field ${u.customField} was not found.`] });
        if (!field.moduleKey || caller !== APP_ACCOUNT) return respond(403, { errorMessages: ['Only the app that owns the custom field can update its values.'] });
        if (field.schemaType === 'datetime' && u.value !== null && Number.isNaN(Date.parse(u.value))) return respond(400, { errorMessages: [`Invalid datetime for ${id}`] });
        // A datetime keeps whole seconds ("if milliseconds are provided, they are ignored", Forge
        // jira:customField docs) and reads back in Jira's own form, 2026-11-20T14:45:00.000+0000.
        const value = field.schemaType === 'datetime' && u.value !== null ? new Date(Math.floor(Date.parse(u.value) / 1000) * 1000).toISOString().replace('Z', '+0000') : u.value;
        for (const issueId of u.issueIds ?? []) {
          const issue = [...this.issues.values()].find((i) => Number(i.id) === issueId);
          if (!issue) return respond(404, { errorMessages: [`Issue ${issueId} not found`] });
          const before = issue.fields[id];
          issue.fields[id] = value;
          if (changelog) this.history(issue, caller, [{ field: field.name, fieldId: id, fieldtype: 'custom', from: null, fromString: before == null ? null : String(before), to: null, toString: value == null ? null : String(value) }]);
        }
      }
      return respond(204, undefined);
    }
    // Add comment: ADF body; properties sd.public.comment {internal:true} makes a JSM comment internal.
    if (method === 'POST' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      const internal = (body.properties ?? []).some((x: { key: string; value?: { internal?: boolean } }) => x.key === 'sd.public.comment' && x.value?.internal);
      // visibility {type: role | group, value} restricts the comment (REST v3, Add comment).
      const visibility = body.visibility && (body.visibility.type === 'role' || body.visibility.type === 'group') ? { type: body.visibility.type, value: String(body.visibility.value ?? body.visibility.identifier), ...(body.visibility.identifier ? { identifier: String(body.visibility.identifier) } : {}) } : undefined;
      const comment: Comment = { id: String(this.seq++), created: this.now(), author: { accountId: caller }, body: body.body, jsdPublic: !internal, properties: body.properties, ...(visibility ? { visibility } : {}) };
      issue.comments.push(comment);
      return respond(201, this.commentView(issue, comment));
    }
    // Create request comment (JSM REST API, Request: POST /rest/servicedeskapi/request/{issueIdOrKey}/comment):
    // {body, public}; the body is plain text, and public false makes the comment internal. 201 with
    // the CommentDTO (id, body, public, author, created {iso8601, ...}). Only a customer request has
    // it: another issue, even of a service project, is a 404. It needs "Add Comments": the emulator
    // lets the app and every site user comment, as a generous permission scheme does.
    if (method === 'POST' && (m = /^\/rest\/servicedeskapi\/request\/([^/]+)\/comment$/.exec(p))) {
      const issue = issueOf(m[1]);
      if (!issue || !this.isServiceProject(issue) || issue.notARequest) return respond(404, { errorMessage: "Either you don't have access to this request type, or it doesn't exist.", i18nErrorMessage: { i18nKey: 'sd.customerview.error.vpOriginMissing', parameters: [] } });
      if (typeof body?.body !== 'string' || !body.body.trim()) return respond(400, { errorMessage: 'The comment body is required.' });
      if (body.public !== undefined && typeof body.public !== 'boolean') return respond(400, { errorMessage: 'public: expected true or false' });
      const created = this.now();
      const comment: Comment = { id: String(this.seq++), created, author: { accountId: caller }, body: plainTextAdf(body.body), jsdPublic: body.public !== false, properties: [] };
      issue.comments.push(comment);
      const u = this.users.get(caller);
      return respond(201, { id: comment.id, body: body.body, public: comment.jsdPublic, author: { accountId: caller, displayName: u?.displayName ?? caller }, created: { iso8601: created, epochMillis: Date.parse(created) } });
    }
    // Set comment property (REST v3, Issue comment properties): the body is the property's value
    // (JSON); 200 when it replaced one, 201 when new; 404 for a comment the site does not have.
    if (method === 'PUT' && (m = /^\/rest\/api\/3\/comment\/([^/]+)\/properties\/([^/]+)$/.exec(p))) {
      const comment = [...this.issues.values()].flatMap((i) => i.comments).find((c) => c.id === m![1]);
      if (!comment) return respond(404, { errorMessages: ['Can not find a comment for the id.'] });
      const props = (comment.properties ??= []);
      const i = props.findIndex((x) => x.key === decodeURIComponent(m![2]));
      if (i >= 0) props[i] = { key: props[i].key, value: body };
      else props.push({ key: decodeURIComponent(m[2]), value: body });
      return respond(i >= 0 ? 200 : 201, {});
    }
    // Update comment: the body changes; updateAuthor becomes the caller. Needs "Edit all comments"
    // (or "Edit own comments" for one's own): the emulator lets any site user edit, as a generous scheme does.
    if (method === 'PUT' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment\/([^/]+)$/.exec(p))) {
      const issue = issueOf(m[1]);
      const comment = issue?.comments.find((c) => c.id === m![2]);
      if (!issue || !comment) return respond(404, { errorMessages: ['Can not find a comment for the id.'] });
      Object.assign(comment, { body: body.body, updateAuthor: { accountId: caller }, updated: this.now() });
      return respond(200, this.commentView(issue, comment));
    }
    // Search for issues using JQL (enhanced search, POST): nextPageToken paging, no total
    // (shape: host-payloads/jira_search_jql.real.json); expand=changelog gives the latest 40 histories.
    if (method === 'POST' && p === '/rest/api/3/search/jql') {
      let found: EmulatedIssue[];
      try {
        found = this.jql(String(body?.jql ?? ''));
      } catch (e) {
        return respond(400, { errorMessages: [(e as Error).message], errors: {} });
      }
      const start = Number(body.nextPageToken ?? 0);
      const size = Math.min(Number(body.maxResults ?? 50), SEARCH_PAGE_CAP);
      const slice = found.slice(start, start + size);
      const next = start + slice.length < found.length ? String(start + slice.length) : undefined;
      const expand = String(body.expand ?? '').split(',').includes('changelog');
      // "fields ... the default is id" (the enhanced search's reference): asked for no field, an
      // issue comes as its id alone, without even its key, so a client that relies on more fails here.
      const asked = Array.isArray(body.fields) ? (body.fields as string[]) : [];
      if (!asked.length) return respond(200, { issues: slice.map((i) => ({ id: i.id })), nextPageToken: next, isLast: !next });
      return respond(200, { issues: slice.map((i) => this.view(i, asked, expand ? SEARCH_CHANGELOG_CAP : null)), nextPageToken: next, isLast: !next });
    }
    // Get fields: id, key, name, custom, schema{type, custom, customId}; a Forge field's schema.custom
    // is its type, ari:cloud:ecosystem::extension/{app}/{env}/static/{module key} (Forge jira:customField docs).
    if (method === 'GET' && p === '/rest/api/3/field') {
      const system = ['summary', 'status', 'priority', 'created'].map((id) => ({ id, key: id, name: id, custom: false }));
      const custom = [...this.fields.entries()].map(([id, f]) => ({
        id,
        key: f.moduleKey ? `${APP_ID}__${ENV_ID}__${f.moduleKey}` : id,
        name: f.name,
        custom: true,
        schema: { type: f.schemaType ?? 'option', custom: f.type, customId: Number(id.replace('customfield_', '')) },
      }));
      return respond(200, [...system, ...custom]);
    }
    // Create custom field: Administer Jira; 201 with the new id.
    if (method === 'POST' && p === '/rest/api/3/field') {
      if (!this.permissionsOf(caller).has('ADMINISTER')) return respond(403, { errorMessages: ['You do not have permission to create custom fields.'] });
      const id = `customfield_${this.seq++}`;
      this.fields.set(id, { name: body.name, type: body.type, options: [] });
      return respond(201, { id, name: body.name });
    }
    // Create custom field context: 201 with the context id; 404 for an unknown field.
    if (method === 'POST' && (m = /^\/rest\/api\/3\/field\/([^/]+)\/context$/.exec(p))) {
      if (!this.fields.has(m[1])) return respond(404, {});
      return respond(201, { id: String(this.seq++), name: body.name });
    }
    // Create custom field options (context): 200 with the options.
    if (method === 'POST' && (m = /^\/rest\/api\/3\/field\/([^/]+)\/context\/[^/]+\/option$/.exec(p))) {
      const field = this.fields.get(m[1]);
      if (!field) return respond(404, {});
      field.options.push(...body.options.map((o: { value: string }) => o.value));
      return respond(200, { options: body.options });
    }
    // Get priority schemes: a PageBean of schemes (id, name, isDefault); the default scheme first
    // (shape: the REST v3 reference's example, "Default Priority Scheme", isDefault true).
    if (method === 'GET' && p === '/rest/api/3/priorityscheme') {
      const list = this.schemes().map(({ id, name, isDefault, defaultPriorityId }) => ({ id, name, isDefault, defaultPriorityId, description: isDefault ? 'This is the default scheme used by all new and unassigned projects' : '' }));
      return respond(200, pageBean(list, q, 50));
    }
    // Get priorities by priority scheme: a PageBean of priorities; 404 for an unknown scheme.
    if (method === 'GET' && (m = /^\/rest\/api\/3\/priorityscheme\/([^/]+)\/priorities$/.exec(p))) {
      const scheme = this.schemes().find((s) => s.id === m![1]);
      if (!scheme) return respond(404, { errorMessages: ['The priority scheme was not found.'] });
      // isDefault (PriorityWithSequence: "Whether this priority is the default"), taken as the site's
      // default; a scheme's own is its defaultPriorityId.
      return respond(200, pageBean(this.priorities.filter((x) => scheme.priorityIds.includes(x.id)).map((x) => ({ ...x, isDefault: x.id === this.defaultPriorityId })), q, 50));
    }
    // Get projects by priority scheme: a PageBean of projects, filtered by projectId (repeatable).
    if (method === 'GET' && (m = /^\/rest\/api\/3\/priorityscheme\/([^/]+)\/projects$/.exec(p))) {
      const scheme = this.schemes().find((s) => s.id === m![1]);
      if (!scheme) return respond(404, { errorMessages: ['The priority scheme was not found.'] });
      const only = q.getAll('projectId');
      const projects = scheme.projectKeys.map((key) => ({ id: this.projectId(key), key, name: key, projectTypeKey: this.projectTypes.get(key) ?? 'software' })).filter((x) => !only.length || only.includes(x.id));
      return respond(200, pageBean(projects, q, 50));
    }
    // Get all statuses: each with its statusCategory {key}.
    if (method === 'GET' && p === '/rest/api/3/status') {
      return respond(200, Object.entries(this.statuses).map(([name, s]) => ({ id: s.id, name, statusCategory: { key: s.category } })));
    }
    // Get user: needs "Browse users and groups"; every licensed user and the app have it here.
    // docs: Users API "Get user" (User: accountId, displayName, active, locale, timeZone "The time
    // zone specified in the user's profile. Depending on the user's privacy setting, this may be returned as null").
    if (method === 'GET' && p === '/rest/api/3/user') {
      const u = this.users.get(q.get('accountId') ?? '');
      if (!u) return respond(404, { errorMessages: ['Specified user does not exist or you do not have required permissions'] });
      return respond(200, { accountId: u.accountId, displayName: u.displayName, accountType: u.accountType ?? 'atlassian', active: true, ...(u.locale ? { locale: u.locale } : {}), ...('timeZone' in u ? { timeZone: u.timeZone ?? null } : {}) });
    }
    // Get current user: asApp, the app's own account (accountType "app").
    if (method === 'GET' && p === '/rest/api/3/myself') {
      const u = this.users.get(caller);
      return respond(200, { accountId: caller, displayName: u?.displayName ?? caller, accountType: u?.accountType ?? 'atlassian', active: true });
    }
    // Get user groups: the groups' names.
    if (method === 'GET' && p === '/rest/api/3/user/groups') {
      return respond(200, (this.groups.get(q.get('accountId') ?? '') ?? []).map((name) => ({ name })));
    }
    // Get my permissions: the permissions parameter is required (change notice, 2019).
    if (method === 'GET' && p === '/rest/api/3/mypermissions') {
      const keys = q.get('permissions')?.split(',').filter(Boolean);
      if (!keys?.length) return respond(400, { errorMessages: ['The permissions query parameter is required.'] });
      // A project or issue context asks about that project; none, about any project. "404 Returned
      // if the project or issue is not found" (Get my permissions).
      const byId = q.get('projectId');
      const idKey = byId === null ? undefined : [...this.projectIds.entries()].find(([, id]) => id === byId)?.[0];
      if (byId !== null && !idKey) return respond(404, { errorMessages: [`No project could be found with id '${byId}'.`] });
      const project = idKey ?? q.get('projectKey') ?? q.get('issueKey')?.split('-')[0];
      const have = this.permissionsOf(caller, project ?? undefined);
      return respond(200, { permissions: Object.fromEntries(keys.map((k) => [k, { key: k, type: k === 'ADMINISTER' ? 'GLOBAL' : 'PROJECT', havePermission: have.has(k) }])) });
    }
    // Get organization property (JSM): 404 when the property is missing.
    if (method === 'GET' && (m = /^\/rest\/servicedeskapi\/organization\/([^/]+)\/property\/([^/]+)$/.exec(p))) {
      const props = this.organizationProperties.get(m[1]);
      if (!props || !Object.hasOwn(props, m[2])) return respond(404, { errorMessage: 'The property was not found' });
      return respond(200, { key: m[2], value: props[m[2]] });
    }
    // Project roles: "Administer Projects project permission for the project or Administer Jira".
    if (method === 'GET' && (m = /^\/rest\/api\/3\/project\/([^/]+)\/role(?:\/(\d+))?$/.exec(p))) {
      const project = m[1];
      const perms = this.permissionsOf(caller, project);
      if (!perms.has('ADMINISTER') && !perms.has('ADMINISTER_PROJECTS')) return respond(403, { errorMessages: ['You cannot view the roles of this project.'] });
      const roles = this.projectRoles.get(project);
      if (!roles) return respond(404, {});
      if (!m[2]) return respond(200, Object.fromEntries(Object.entries(roles).map(([name, r]) => [name, `https://site.atlassian.net/rest/api/3/project/${project}/role/${r.id}`])));
      const role = Object.entries(roles).find(([, r]) => String(r.id) === m![2]);
      if (!role) return respond(404, {});
      const actors = [...role[1].accountIds.map((accountId) => ({ type: 'atlassian-user-role-actor', actorUser: { accountId } })), ...role[1].groups.map((name) => ({ type: 'atlassian-group-role-actor', actorGroup: { name } }))];
      return respond(200, { id: role[1].id, name: role[0], actors });
    }
    return respond(404, { errorMessages: [`not emulated: ${method} ${p}`] });
  }

  /**
   * What an edit sets and the changelog items it logs, or the errors Jira answers. The items are
   * Jira's changelog shape (field, fieldtype, fieldId, from, fromString, to, toString: the REST v3
   * reference's example, test/fixtures/host-payloads/jira_issue_changelog.doc-example.json).
   * Components are logged one item per component removed (from, fromString: its id and name) or
   * added (to, toString), field "Component", as public Jira Cloud captures show them (v2, without
   * fieldId); the fieldId "components" is v3's id of the system field (unverified on a capture).
   * No public payload shows a group picker's item: here from/to hold the groupId and
   * fromString/toString the name, as a user picker's hold the accountId and the display name
   * (unverified).
   */
  private edit(issue: EmulatedIssue, fields: Record<string, any>): { values: Record<string, unknown>; items: History['items'] } | { errors: Record<string, string> } {
    const values: Record<string, unknown> = {};
    const items: History['items'] = [];
    const errors: Record<string, string> = {};
    const project = issue.key.split('-')[0];
    for (const [id, want] of Object.entries(fields)) {
      if (id === 'priority') {
        // Only a priority of the project's priority scheme is a valid value (Manage priority schemes).
        const prio = this.projectPriorities(project).find((x) => x.name === want?.name || x.id === want?.id);
        if (!prio) {
          errors.priority = 'Specify a valid value for priority';
          continue;
        }
        const before = issue.fields.priority as { id: string; name: string } | null;
        values.priority = prio;
        items.push({ field: 'priority', fieldId: 'priority', fieldtype: 'jira', from: before?.id ?? null, fromString: before?.name ?? null, to: prio.id, toString: prio.name });
      } else if (id === 'components') {
        const known = this.components.get(project) ?? [];
        const next: { id: string; name: string }[] = [];
        for (const c of Array.isArray(want) ? want : []) {
          const hit = known.find((k) => (c?.id !== undefined && k.id === String(c.id)) || (c?.name !== undefined && k.name === c.name));
          if (!hit) errors.components = `Component name '${c?.name ?? c?.id}' is not valid`;
          else if (!next.some((x) => x.id === hit.id)) next.push(hit);
        }
        const before = (issue.fields.components as { id: string; name: string }[] | undefined) ?? [];
        for (const b of before) if (!next.some((x) => x.id === b.id)) items.push({ field: 'Component', fieldtype: 'jira', fieldId: 'components', from: b.id, fromString: b.name, to: null, toString: null });
        for (const n of next) if (!before.some((x) => x.id === n.id)) items.push({ field: 'Component', fieldtype: 'jira', fieldId: 'components', from: null, fromString: null, to: n.id, toString: n.name });
        values.components = next;
      } else if (this.fields.get(id)?.schemaType === 'group') {
        const group = want === null ? null : this.siteGroups.find((g) => (want?.groupId !== undefined && g.groupId === want.groupId) || (want?.name !== undefined && g.name === want.name));
        if (group === undefined) {
          errors[id] = `Group '${want?.name ?? want?.groupId}' does not exist.`;
          continue;
        }
        const before = (issue.fields[id] as { name: string; groupId: string } | null | undefined) ?? null;
        values[id] = group ? { name: group.name, groupId: group.groupId } : null;
        if ((before?.groupId ?? null) !== (group?.groupId ?? null)) items.push({ field: this.fields.get(id)!.name, fieldtype: 'custom', fieldId: id, from: before?.groupId ?? null, fromString: before?.name ?? null, to: group?.groupId ?? null, toString: group?.name ?? null });
      } else {
        errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
      }
    }
    return Object.keys(errors).length ? { errors } : { values, items };
  }

  /**
   * Edit issue's `update` verbs for labels (REST v3, Edit issue: `update` maps a field to a list of
   * operations; labels take add, remove and set): the other labels stay. A label holds no spaces.
   * One "labels" changelog item with the lists as space-separated text, as the REST v3 Get
   * changelogs example logs labels (host-payloads/jira_issue_changelog.doc-example.json: fromString
   * "label-1", toString "label-1 label-2"). Labels are on the default edit screen (editmeta above).
   */
  private updateLabels(issue: EmulatedIssue, ops: unknown): { values: Record<string, unknown>; items: History['items'] } | { errors: Record<string, string> } {
    if (ops === undefined) return { values: {}, items: [] };
    if (!Array.isArray(ops)) return { errors: { labels: 'Operation value must be an array' } };
    const before = Array.isArray(issue.fields.labels) ? (issue.fields.labels as string[]) : [];
    let next = [...before];
    for (const op of ops as Record<string, unknown>[]) {
      const [verb, value] = Object.entries(op ?? {})[0] ?? [];
      const labels = verb === 'set' ? (Array.isArray(value) ? value : []) : [value];
      if (labels.some((l) => typeof l !== 'string' || !l || /\s/.test(l))) return { errors: { labels: 'The label cannot contain spaces' } };
      if (verb === 'add') next = next.includes(value as string) ? next : [...next, value as string];
      else if (verb === 'remove') next = next.filter((l) => l !== value);
      else if (verb === 'set') next = [...new Set(labels as string[])];
      else return { errors: { labels: `Unsupported operation: ${String(verb)}` } };
    }
    if (next.join(' ') === before.join(' ')) return { values: {}, items: [] };
    return { values: { labels: next }, items: [{ field: 'labels', fieldtype: 'jira', fieldId: 'labels', from: null, fromString: before.join(' ') || null, to: null, toString: next.join(' ') || null }] };
  }

  private history(issue: EmulatedIssue, author: string, items: History['items']): void {
    issue.histories.push({ id: String(this.seq++), created: this.now(), author: { accountId: author }, items });
  }

  /**
   * The JQL the app sends, interpreted: clauses joined by AND (statusCategory = / != key,
   * created >= "<relative>" or "<yyyy-MM-dd HH:mm>", project = KEY, cf[N] <= "<relative>" or "<yyyy-MM-dd HH:mm>", cf[N] is not EMPTY), and ORDER BY
   * created or cf[N]. Anything else is a 400, as Jira answers JQL it cannot parse.
   */
  jql(text: string): EmulatedIssue[] {
    const [where, order] = text.split(/\s+ORDER\s+BY\s+/i);
    const tests: ((i: EmulatedIssue) => boolean)[] = [];
    for (const clause of where.trim() ? where.split(/\s+AND\s+/i) : []) {
      let m: RegExpExecArray | null;
      if ((m = /^statusCategory\s*(!?=)\s*"?(\w+)"?$/i.exec(clause.trim()))) {
        const [op, key] = [m[1], m[2].toLowerCase()];
        tests.push((i) => ((this.statuses[(i.fields.status as { name: string })?.name]?.category ?? 'new') === key) === (op === '='));
      } else if ((m = /^created\s*>=\s*"([^"]+)"$/i.exec(clause.trim()))) {
        const from = this.instantOf(m[1]);
        tests.push((i) => typeof i.fields.created === 'string' && Date.parse(i.fields.created as string) >= from);
      } else if ((m = /^project\s*=\s*"?([A-Z0-9]+)"?$/i.exec(clause.trim()))) {
        const key = m[1];
        tests.push((i) => i.key.split('-')[0] === key);
      } else if ((m = /^cf\[(\d+)\]\s*<=\s*"([^"]+)"$/i.exec(clause.trim()))) {
        const [id, limit] = [`customfield_${m[1]}`, this.instantOf(m[2])];
        tests.push((i) => typeof i.fields[id] === 'string' && Date.parse(i.fields[id] as string) <= limit);
      } else if ((m = /^cf\[(\d+)\]\s+is\s+not\s+EMPTY$/i.exec(clause.trim()))) {
        const id = `customfield_${m[1]}`;
        tests.push((i) => i.fields[id] != null);
      } else {
        throw new Error(`Error in the JQL Query: '${clause.trim()}' is not understood here`);
      }
    }
    const found = [...this.issues.values()].filter((i) => tests.every((t) => t(i)));
    const om = order ? /^(created|cf\[(\d+)\])\s*(ASC|DESC)?$/i.exec(order.trim()) : null;
    if (order && !om) throw new Error(`Error in the JQL Query: cannot order by '${order.trim()}' here`);
    if (om) {
      const field = om[2] ? `customfield_${om[2]}` : 'created';
      const sign = (om[3] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
      const at = (i: EmulatedIssue) => (typeof i.fields[field] === 'string' ? Date.parse(i.fields[field] as string) : Infinity);
      found.sort((a, b) => sign * (at(a) - at(b)) || Number(a.id) - Number(b.id));
    }
    return found;
  }

  /** A JQL date: relative ("5m", "-1h", "2d", "1w") from now, or an absolute "yyyy-MM-dd HH:mm" in UTC. */
  private instantOf(text: string): number {
    const now = Date.parse(this.now());
    const rel = /^(-?\d+)([wdhm])$/.exec(text.trim());
    if (rel) return now + Number(rel[1]) * { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'w' | 'd' | 'h' | 'm'];
    const abs = /^(\d{4})[-/](\d\d)[-/](\d\d) (\d\d):(\d\d)$/.exec(text.trim());
    if (abs) return Date.UTC(+abs[1], +abs[2] - 1, +abs[3], +abs[4], +abs[5]);
    throw new Error(`Date value '${text}' for field is invalid`);
  }
}

/**
 * A JSM plain-text comment as REST v3 reads it back: every body comes in ADF there. Jira publishes
 * no rule for the conversion (JSM renders bodies as wiki markup); the emulator keeps the text as
 * written, one paragraph with a hard break per line. Whether markup characters survive is for a
 * real site to confirm (README).
 */
function plainTextAdf(text: string) {
  const content = text.split('\n').flatMap((line, i) => [...(i ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]);
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content }] };
}

/** startAt/maxResults paging as Jira's PageBean (startAt, maxResults, total, isLast, values). */
function pageBean<T>(list: T[], q: URLSearchParams, cap: number) {
  return page(list, q, cap, 'values');
}

/** startAt/maxResults paging over a list, oldest first, as Jira's PageBean. */
function page<T>(list: T[], q: URLSearchParams, cap: number, key: 'values' | 'comments') {
  const startAt = Math.max(0, Number(q.get('startAt') ?? 0));
  const maxResults = Math.min(Math.max(1, Number(q.get('maxResults') ?? cap)), cap);
  const values = list.slice(startAt, startAt + maxResults);
  return { startAt, maxResults, total: list.length, isLast: startAt + values.length >= list.length, [key]: values };
}

function respond(status: number, body: unknown, retryAfter?: string) {
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (h: string) => (h.toLowerCase() === 'retry-after' ? (retryAfter ?? null) : null) },
    json: async () => body,
    text: async () => JSON.stringify(body),
  };
}

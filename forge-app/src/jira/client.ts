import api, { route } from '@forge/api';
import { retryAfterMs } from '@sla-desk/core';
import { isServiceProject } from './timeline';

/**
 * The one Jira REST client of the Forge app. Every call goes through `route` (which encodes values
 * and refuses path tricks) as the app or as the user, and a 429 or 5xx is retried, honouring
 * Retry-After, as long as the invocation's time allows.
 */
export type As = 'app' | 'user';

export interface JiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown> & {
    created: string;
    status?: { name: string; id?: string; statusCategory?: { key: string } };
    priority?: { id: string; name: string } | null;
    comment?: { comments: JiraComment[]; total?: number };
    project?: { id?: string; key: string; projectTypeKey?: string };
  };
  changelog?: { histories: JiraHistory[]; total?: number };
}

export interface JiraComment {
  id: string;
  created: string;
  /** accountType: atlassian (a user), app, or customer (a JSM customer account); REST v3 User. */
  author?: { accountId: string; displayName?: string; accountType?: string };
  /** Who last edited the comment (the author, when nobody else did). */
  updateAuthor?: { accountId: string };
  body?: unknown;
  /** Present on service projects only: whether the customer sees the comment. */
  jsdPublic?: boolean;
  /** A comment restricted to a role or a group (e.g. {type: 'role', value: 'Administrators'}). */
  visibility?: { type?: string; value?: string; identifier?: string } | null;
}

export interface JiraHistory {
  id: string;
  created: string;
  author?: { accountId: string };
  items: { field: string; fieldId?: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }[];
}

export interface PriorityScheme {
  id: string;
  name: string;
  /** The default scheme: every priority of the site, for every project no other scheme holds. */
  isDefault?: boolean;
  /** The priority the scheme gives new issues (REST v3 PriorityScheme*: "The ID of the default issue priority"). */
  defaultPriorityId?: string;
}

/** A project's priority scheme: its name, the priorities its issues may have, and the one new issues get. */
export interface ProjectPriorities {
  scheme: string;
  names: string[];
  default: string | null;
}

export class JiraError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RetryOptions {
  /** Give up on a call once this much time has passed (ms): Forge ends a trigger at 55 s by default. */
  budgetMs: number;
  maxAttempts: number;
  sleep: (ms: number) => Promise<void>;
  /**
   * Retry no call past this long after the client was made (ms): the whole invocation's budget,
   * shared by every call of the client. Unset: only each call's own budget.
   */
  invocationBudgetMs?: number;
  /** The clock the budgets are measured with. */
  now: () => number;
}

const DEFAULTS: RetryOptions = { budgetMs: 20_000, maxAttempts: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: () => Date.now() };

/**
 * UI resolvers get 25 s in all (Forge's invocation limit), and an override makes several Jira calls
 * in one invocation: each call may retry for 3 s at most, and no retry starts that would end more
 * than 12 s after the invocation began, so the calls' own time still fits before Forge ends it. A
 * resolver that runs out answers with an error the page can show, instead of being cut off.
 */
export const RESOLVER_RETRY: Pick<RetryOptions, 'budgetMs' | 'maxAttempts' | 'invocationBudgetMs'> = { budgetMs: 3_000, maxAttempts: 3, invocationBudgetMs: 12_000 };
/** Forge's time limit for a UI resolver invocation. */
export const RESOLVER_LIMIT_MS = 25_000;

/** A client with the resolvers' budget, for one invocation (its budget starts now). */
export function resolverClient(as: As = 'app', opts: Partial<RetryOptions> = {}): JiraClient {
  return new JiraClient(as, { ...RESOLVER_RETRY, ...opts });
}

type Route = ReturnType<typeof route>;

export class JiraClient {
  private readonly opts: RetryOptions;
  /** No retry may end after this instant (the invocation's budget), or never when unset. */
  private readonly deadline: number;
  /** Requests made, for the benchmark and the loop-guard tests. */
  requests = 0;

  constructor(
    private readonly as: As = 'app',
    opts: Partial<RetryOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    this.deadline = this.opts.invocationBudgetMs === undefined ? Infinity : this.opts.now() + this.opts.invocationBudgetMs;
  }

  private async call<T>(path: Route, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const started = this.opts.now();
    const requester = this.as === 'app' ? api.asApp() : api.asUser();
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      const res = await requester.requestJira(path, {
        method: init.method ?? 'GET',
        headers: { Accept: 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
      const retryable = res.status === 429 || res.status >= 500;
      const wait = retryAfterMs(res.headers.get('Retry-After')) ?? Math.min(8000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const now = this.opts.now();
      if (!retryable || attempt >= this.opts.maxAttempts || now - started + wait > this.opts.budgetMs || now + wait > this.deadline) {
        throw new JiraError(res.status, `Jira answered ${res.status} to ${init.method ?? 'GET'} ${pathOf(path)}`);
      }
      await this.opts.sleep(wait);
    }
  }

  /**
   * The issue with the fields SLA Desk reads, its whole changelog and all its comments. One request
   * when the embedded history is complete; Jira embeds only the latest 100 histories and a capped
   * page of comments, so a busy issue's history is paged from /changelog and /comment.
   */
  async getIssue(key: string, fieldIds: readonly string[]): Promise<JiraIssue> {
    const fields = [...ISSUE_FIELDS, ...fieldIds].join(',');
    const issue = await this.call<JiraIssue>(route`/rest/api/3/issue/${key}?fields=${fields}&expand=changelog`);
    return this.complete(issue);
  }

  /** A page of issues matching JQL, each completed as getIssue does (search embeds only 40 histories). */
  async searchIssues(jql: string, fieldIds: readonly string[], nextPageToken?: string, maxResults = 50): Promise<{ issues: JiraIssue[]; nextPageToken?: string }> {
    const fields = [...ISSUE_FIELDS, ...fieldIds];
    const page = await this.call<{ issues: JiraIssue[]; nextPageToken?: string }>(route`/rest/api/3/search/jql`, { method: 'POST', body: { jql, fields, expand: 'changelog', maxResults, nextPageToken } });
    const issues: JiraIssue[] = [];
    for (const issue of page.issues) issues.push(await this.complete(issue));
    return { issues, nextPageToken: page.nextPageToken };
  }

  /** Keys only, for the transition finder: no history needed to know which issues are due. */
  async searchKeys(jql: string, fields: readonly string[], nextPageToken?: string, maxResults = 100): Promise<{ issues: { id: string; key: string; fields: Record<string, unknown> }[]; nextPageToken?: string }> {
    return this.call(route`/rest/api/3/search/jql`, { method: 'POST', body: { jql, fields, maxResults, nextPageToken } });
  }

  private async complete(issue: JiraIssue): Promise<JiraIssue> {
    const log = issue.changelog;
    // Page when Jira says there is more, or says nothing and returned as many as its caps allow.
    const capped = (n: number, total: number | undefined) => (typeof total === 'number' ? total > n : n >= EMBEDDED_HISTORY_CAP);
    if (log && capped(log.histories.length, log.total)) {
      issue.changelog = { histories: await this.pages<JiraHistory>((startAt) => route`/rest/api/3/issue/${issue.key}/changelog?startAt=${startAt}&maxResults=100`, 'values'), total: log.total };
    }
    const c = issue.fields.comment;
    if (c && (typeof c.total === 'number' ? c.total > c.comments.length : c.comments.length >= EMBEDDED_COMMENT_MIN_CAP)) {
      issue.fields.comment = { comments: await this.pages<JiraComment>((startAt) => route`/rest/api/3/issue/${issue.key}/comment?startAt=${startAt}&maxResults=100&orderBy=created`, 'comments'), total: c.total };
    }
    return issue;
  }

  /** Every item of a startAt/maxResults paged list. */
  private async pages<T>(at: (startAt: number) => Route, key: 'values' | 'comments'): Promise<T[]> {
    const out: T[] = [];
    for (;;) {
      const page = await this.call<{ total?: number; isLast?: boolean } & Record<string, unknown>>(at(out.length));
      const items = (page[key] as T[] | undefined) ?? [];
      out.push(...items);
      if (!items.length || page.isLast === true || (typeof page.total === 'number' && out.length >= page.total)) return out;
    }
  }

  /**
   * The ids of the fields on the issue's edit screen (REST v3, Get edit issue metadata: "the edit
   * screen fields for an issue that are visible to and editable by the user"), or null when Jira
   * will not say. A field missing there cannot be set on the issue: Jira refuses its value.
   */
  async editScreenFields(key: string): Promise<Set<string> | null> {
    const meta = await orNull(this.call<{ fields?: Record<string, unknown> }>(route`/rest/api/3/issue/${key}/editmeta`), [403, 404]);
    return meta ? new Set(Object.keys(meta.fields ?? {})) : null;
  }

  setPriority(key: string, priorityName: string): Promise<void> {
    return this.call(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: { fields: { priority: { name: priorityName } } } });
  }

  /**
   * Adds one label and keeps the others (REST v3 Edit issue, `update.labels: [{add}]`): a ladder's
   * tag must not replace labels that people or other apps set.
   */
  addLabel(key: string, label: string): Promise<void> {
    return this.call(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: { update: { labels: [{ add: label }] } } });
  }

  /**
   * The app's own (read-only) custom fields: one request for every field of the issue. No changelog
   * entry: the app's writes would otherwise push the issue's real history out of Jira's capped views.
   */
  setAppFieldValues(issueId: string, values: { fieldId: string; value: unknown }[]): Promise<void> {
    return this.call(route`/rest/api/3/app/field/value?generateChangelog=false`, {
      method: 'POST',
      body: { updates: values.map((v) => ({ issueIds: [Number(issueId)], customField: v.fieldId, value: v.value })) },
    });
  }

  /**
   * A comment; `properties` are kept with it (the override audit). Outside a service project, and
   * for a public comment, it is the platform's Add comment. An internal comment on a service project
   * goes through JSM's documented Create request comment ({body, public: false}, plain text): REST
   * v3's Comment.jsdPublic says to use that operation "to create a comment with its visibility in
   * Jira Service Desk set to false". That operation takes no properties, so they are set after it
   * (Set comment property; a JSM comment is the issue's Jira comment, with the same id).
   */
  async addComment(issue: CommentTarget, text: string, internal: boolean, properties: { key: string; value: unknown }[] = []): Promise<void> {
    if (internal && isServiceProject(issue)) {
      const id = await this.addRequestComment(issue.key, text);
      if (id !== null) {
        for (const p of properties) await this.call(route`/rest/api/3/comment/${id}/properties/${p.key}`, { method: 'PUT', body: p.value });
        return;
      }
    }
    const body = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
    // Where the JSM operation cannot be used, the sd.public.comment property is the one way left to
    // keep a service project's comment from the customer; elsewhere it is harmless.
    const props = [...(internal ? [{ key: 'sd.public.comment', value: { internal: true } }] : []), ...properties];
    await this.call(route`/rest/api/3/issue/${issue.key}/comment`, { method: 'POST', body: props.length ? { body, properties: props } : { body } });
  }

  /**
   * An internal comment through JSM (Create request comment), and its id; null when JSM will not
   * take it: a 404 for an issue of a service project that is no customer request (an agent's Task,
   * with no request type), or a 403 for an app account JSM does not let comment.
   */
  private async addRequestComment(key: string, text: string): Promise<string | null> {
    try {
      const made = await this.call<{ id: string | number }>(route`/rest/servicedeskapi/request/${key}/comment`, { method: 'POST', body: { body: text, public: false } });
      return String(made.id);
    } catch (e) {
      if (!(e instanceof JiraError) || (e.status !== 404 && e.status !== 403)) throw e;
      // Which refusal, never the comment: no ticket content in logs.
      console.warn(JSON.stringify({ level: 'warn', msg: 'JSM request comment refused: internal comment written with sd.public.comment', status: e.status }));
      return null;
    }
  }

  /** A single-select custom field with these options, in a global context: three requests. */
  async createSelectField(name: string, options: string[]): Promise<string> {
    const field = await this.call<{ id: string }>(route`/rest/api/3/field`, {
      method: 'POST',
      body: { name, type: 'com.atlassian.jira.plugin.system.customfieldtypes:select', searcherKey: 'com.atlassian.jira.plugin.system.customfieldtypes:multiselectsearcher' },
    });
    const context = await this.call<{ id: string }>(route`/rest/api/3/field/${field.id}/context`, { method: 'POST', body: { name: `${name} (SLA Desk)`, issueTypeIds: [], projectIds: [] } });
    await this.call(route`/rest/api/3/field/${field.id}/context/${context.id}/option`, { method: 'POST', body: { options: options.map((value) => ({ value })) } });
    return field.id;
  }

  /**
   * The site's priority schemes (REST v3, Get priority schemes: a PageBean of values). GET
   * /rest/api/3/priority, the site-wide list, is deprecated: a project may use a scheme that holds
   * only some of the site's priorities, and Jira refuses any other on its issues.
   */
  prioritySchemes(): Promise<PriorityScheme[]> {
    return this.pages<PriorityScheme>((startAt) => route`/rest/api/3/priorityscheme?startAt=${startAt}&maxResults=50`, 'values');
  }

  /** A scheme's priorities (REST v3, Get priorities by priority scheme). */
  schemePriorities(schemeId: string): Promise<{ id: string; name: string; isDefault?: boolean }[]> {
    return this.pages((startAt) => route`/rest/api/3/priorityscheme/${schemeId}/priorities?startAt=${startAt}&maxResults=50`, 'values');
  }

  /**
   * A scheme's projects (REST v3, Get projects by priority scheme), or only whether it holds this
   * project (`projectId` filters). One page: its `total` says how many there are.
   */
  async schemeProjects(schemeId: string, projectId?: string): Promise<{ total: number; keys: string[] }> {
    const path = projectId ? route`/rest/api/3/priorityscheme/${schemeId}/projects?projectId=${projectId}&maxResults=50` : route`/rest/api/3/priorityscheme/${schemeId}/projects?maxResults=50`;
    const page = await this.call<{ total?: number; values?: { id: string; key: string }[] }>(path);
    const values = page.values ?? [];
    return { total: typeof page.total === 'number' ? page.total : values.length, keys: values.map((v) => v.key) };
  }

  /**
   * The priorities a project's issues may have: those of the scheme that holds the project, or of
   * the default scheme, which "new and unassigned projects" use (Manage priority schemes). `default`
   * is the one the scheme gives every new issue (its defaultPriorityId, else the priority marked
   * isDefault in Get priorities by priority scheme), or null when Jira names none.
   */
  async projectPriorities(projectId: string): Promise<ProjectPriorities> {
    const schemes = await this.prioritySchemes();
    let chosen = schemes.find((s) => s.isDefault);
    for (const s of schemes) {
      if (s.isDefault) continue;
      if ((await this.schemeProjects(s.id, projectId)).total > 0) {
        chosen = s;
        break;
      }
    }
    if (!chosen) throw new JiraError(404, 'Jira answered no default priority scheme');
    const priorities = await this.schemePriorities(chosen.id);
    // The scheme's own default first: a priority's isDefault may be the site's, not this scheme's.
    const byScheme = priorities.find((p) => chosen.defaultPriorityId !== undefined && String(p.id) === String(chosen.defaultPriorityId));
    return { scheme: chosen.name, names: priorities.map((p) => p.name), default: (byScheme ?? priorities.find((p) => p.isDefault === true))?.name ?? null };
  }

  /** Every field of the site: the app finds its own by their module key in schema.custom. */
  getFields(): Promise<{ id: string; key?: string; name: string; schema?: { custom?: string } }[]> {
    return this.call(route`/rest/api/3/field`);
  }

  /** Every workflow status with its category key: changelog items name a status, not its category. */
  getStatuses(): Promise<{ id: string; name: string; statusCategory?: { key: string } }[]> {
    return this.call(route`/rest/api/3/status`);
  }

  /** Who this client acts as: the app's own account when asApp. */
  myself(): Promise<{ accountId: string; displayName?: string; accountType?: string }> {
    return this.call(route`/rest/api/3/myself`);
  }

  /** A user's display name and language (Jira's locale, e.g. fr_FR), or null when Jira will not say (deleted, or hidden by privacy). */
  user(accountId: string): Promise<{ displayName?: string; locale?: string; timeZone?: string | null } | null> {
    return orNull(this.call<{ displayName?: string; locale?: string; timeZone?: string | null }>(route`/rest/api/3/user?accountId=${accountId}`), [403, 404]);
  }

  /** Does the caller hold these permissions (global, or on an issue)? Ask asUser, so it is the caller's. */
  async hasPermissions(keys: string[], issueKey?: string): Promise<Record<string, boolean>> {
    const perms = keys.join(',');
    const path = issueKey ? route`/rest/api/3/mypermissions?permissions=${perms}&issueKey=${issueKey}` : route`/rest/api/3/mypermissions?permissions=${perms}`;
    const r = await this.call<{ permissions: Record<string, { havePermission?: boolean }> }>(path);
    return Object.fromEntries(keys.map((k) => [k, r.permissions?.[k]?.havePermission === true]));
  }

  /** Does the caller hold Browse projects on this project? Ask asUser, so it is the caller's. */
  /** By the project's id: a renamed project's key may still be an old one where the app kept it. */
  async canBrowseProject(projectId: string): Promise<boolean> {
    const r = await this.call<{ permissions: Record<string, { havePermission?: boolean }> }>(route`/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS&projectId=${projectId}`);
    return r.permissions?.BROWSE_PROJECTS?.havePermission === true;
  }

  /** Group names of a user: the server-side check of who is a triage lead. */
  async userGroups(accountId: string): Promise<string[]> {
    const groups = await this.call<{ name: string }[]>(route`/rest/api/3/user/groups?accountId=${accountId}`);
    return groups.map((g) => g.name);
  }

  /**
   * A JSM organization's property value, or null when the organization has none, or when the app may
   * not read it (403: the site has not granted the organization-property scope). The tier is then
   * the policy's default, and the panel still renders.
   */
  async organizationProperty(organizationId: string, key: string): Promise<unknown> {
    const r = await orNull(this.call<{ value: unknown }>(route`/rest/servicedeskapi/organization/${organizationId}/property/${key}`), [403, 404]);
    return r ? r.value : null;
  }

  /**
   * Members of a project role, by the role's name: account ids and group names. Null when the role
   * is missing, or when reading it is refused: it needs Administer Projects, and a 403 must not
   * break the panel for every viewer.
   */
  async projectRoleActors(projectKey: string, roleName: string): Promise<{ accountIds: string[]; groups: string[] } | null> {
    // The project's roles come as name -> URL, and the role's id ends that URL.
    const roles = await orNull(this.call<Record<string, string>>(route`/rest/api/3/project/${projectKey}/role`), [403, 404]);
    const url = roles && Object.entries(roles).find(([name]) => name.toLowerCase() === roleName.toLowerCase())?.[1];
    const id = url ? /\/(\d+)$/.exec(url)?.[1] : undefined;
    if (!id) return null;
    const role = await orNull(this.call<{ actors?: { actorUser?: { accountId: string }; actorGroup?: { name: string } }[] }>(route`/rest/api/3/project/${projectKey}/role/${id}`), [403, 404]);
    const actors = role?.actors ?? [];
    return {
      accountIds: actors.flatMap((a) => (a.actorUser ? [a.actorUser.accountId] : [])),
      groups: actors.flatMap((a) => (a.actorGroup ? [a.actorGroup.name] : [])),
    };
  }
}

/** The smaller of Jira's embedded-history caps (40 in the JQL search, 100 in GET issue). */
const EMBEDDED_HISTORY_CAP = 40;
/** Jira publishes no cap for embedded comments: with no total, any sizeable page is paged to be sure. */
const EMBEDDED_COMMENT_MIN_CAP = 20;

/** What addComment needs of an issue: its key, and its project's type. */
export type CommentTarget = { key: string; fields: { project?: { projectTypeKey?: string } } };

/** Fields every evaluation reads: project tells a service project, where jsdPublic means something. */
// The assignee for their zone only: the app's notes give instants in it (core's noteZone).
const ISSUE_FIELDS = ['created', 'status', 'priority', 'comment', 'reporter', 'assignee', 'project', 'labels'];

/** The assignee's IANA zone, as Jira's User gives it (null where their privacy setting hides it). */
export function assigneeZone(issue: Pick<JiraIssue, 'fields'>): string | null {
  const z = (issue.fields.assignee as { timeZone?: unknown } | null | undefined)?.timeZone;
  return typeof z === 'string' ? z : null;
}

/** These statuses as null: a missing or forbidden optional read is an answer, not a failure. */
async function orNull<T>(p: Promise<T>, statuses: number[] = [404]): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof JiraError && statuses.includes(e.status)) {
      // Which read was refused, never what it was about: no ticket content in logs.
      if (e.status === 403) console.warn(JSON.stringify({ level: 'warn', msg: 'optional Jira read refused', status: 403 }));
      return null;
    }
    throw e;
  }
}


function pathOf(r: Route): string {
  return (r as unknown as { value?: string }).value ?? String(r);
}

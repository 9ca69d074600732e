import api, { route } from '@forge/api';
import { retryAfterMs } from '@sla-desk/core';

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
    status?: { name: string };
    priority?: { id: string; name: string } | null;
    comment?: { comments: JiraComment[] };
  };
  changelog?: { histories: JiraHistory[] };
}

export interface JiraComment {
  id: string;
  created: string;
  author?: { accountId: string };
  body?: unknown;
  jsdPublic?: boolean;
}

export interface JiraHistory {
  id: string;
  created: string;
  author?: { accountId: string };
  items: { field: string; fieldId?: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }[];
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
  /** Give up once this much time has passed (ms): Forge ends a trigger at 55 s by default. */
  budgetMs: number;
  maxAttempts: number;
  sleep: (ms: number) => Promise<void>;
}

const DEFAULTS: RetryOptions = { budgetMs: 20_000, maxAttempts: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

type Route = ReturnType<typeof route>;

export class JiraClient {
  private readonly opts: RetryOptions;
  /** Requests made, for the benchmark and the loop-guard tests. */
  requests = 0;

  constructor(
    private readonly as: As = 'app',
    opts: Partial<RetryOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  private async call<T>(path: Route, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const started = Date.now();
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
      if (!retryable || attempt >= this.opts.maxAttempts || Date.now() - started + wait > this.opts.budgetMs) {
        throw new JiraError(res.status, `Jira answered ${res.status} to ${init.method ?? 'GET'} ${pathOf(path)}`);
      }
      await this.opts.sleep(wait);
    }
  }

  /** The issue with the fields SLA Desk reads, its changelog and its comments: one request. */
  getIssue(key: string, fieldIds: readonly string[]): Promise<JiraIssue> {
    const fields = ['created', 'status', 'priority', 'comment', 'reporter', ...fieldIds].join(',');
    return this.call(route`/rest/api/3/issue/${key}?fields=${fields}&expand=changelog`);
  }

  /** A page of issues matching JQL, with the same fields, changelog and comments as getIssue. */
  searchIssues(jql: string, fieldIds: readonly string[], nextPageToken?: string): Promise<{ issues: JiraIssue[]; nextPageToken?: string }> {
    const fields = ['created', 'status', 'priority', 'comment', 'reporter', ...fieldIds];
    return this.call(route`/rest/api/3/search/jql`, { method: 'POST', body: { jql, fields, expand: 'changelog', maxResults: 50, nextPageToken } });
  }

  setPriority(key: string, priorityName: string): Promise<void> {
    return this.call(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: { fields: { priority: { name: priorityName } } } });
  }

  /** The app's own (read-only) custom fields: one request for every field of the issue. */
  setAppFieldValues(issueId: string, values: { fieldId: string; value: unknown }[]): Promise<void> {
    return this.call(route`/rest/api/3/app/field/value`, {
      method: 'POST',
      body: { updates: values.map((v) => ({ issueIds: [Number(issueId)], customField: v.fieldId, value: v.value })) },
    });
  }

  addComment(key: string, text: string, internal: boolean): Promise<void> {
    const body = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
    return this.call(route`/rest/api/3/issue/${key}/comment`, {
      method: 'POST',
      body: internal ? { body, properties: [{ key: 'sd.public.comment', value: { internal: true } }] } : { body },
    });
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

  getPriorities(): Promise<{ id: string; name: string }[]> {
    return this.call(route`/rest/api/3/priority`);
  }

  /** Group names of a user: the server-side check of who is a triage lead. */
  async userGroups(accountId: string): Promise<string[]> {
    const groups = await this.call<{ name: string }[]>(route`/rest/api/3/user/groups?accountId=${accountId}`);
    return groups.map((g) => g.name);
  }

  /** A JSM organization's property value, or null when the organization has no such property. */
  async organizationProperty(organizationId: string, key: string): Promise<unknown> {
    const r = await orNull(this.call<{ value: unknown }>(route`/rest/servicedeskapi/organization/${organizationId}/property/${key}`));
    return r ? r.value : null;
  }

  /** Members of a project role, by the role's name: account ids and group names. */
  async projectRoleActors(projectKey: string, roleName: string): Promise<{ accountIds: string[]; groups: string[] } | null> {
    // The project's roles come as name -> URL, and the role's id ends that URL.
    const roles = await orNull(this.call<Record<string, string>>(route`/rest/api/3/project/${projectKey}/role`));
    const url = roles && Object.entries(roles).find(([name]) => name.toLowerCase() === roleName.toLowerCase())?.[1];
    const id = url ? /\/(\d+)$/.exec(url)?.[1] : undefined;
    if (!id) return null;
    const role = await this.call<{ actors?: { actorUser?: { accountId: string }; actorGroup?: { name: string } }[] }>(route`/rest/api/3/project/${projectKey}/role/${id}`);
    const actors = role.actors ?? [];
    return {
      accountIds: actors.flatMap((a) => (a.actorUser ? [a.actorUser.accountId] : [])),
      groups: actors.flatMap((a) => (a.actorGroup ? [a.actorGroup.name] : [])),
    };
  }
}

/** A 404 as null: a missing property or role is an answer, not a failure. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof JiraError && e.status === 404) return null;
    throw e;
  }
}


function pathOf(r: Route): string {
  return (r as unknown as { value?: string }).value ?? String(r);
}

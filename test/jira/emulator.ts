/**
 * A Jira Cloud REST emulator for the Forge app's tests: stateful issues with changelogs, comments,
 * priorities, app field values and user groups. It stands in for @forge/api's requestJira, counts
 * every request, and can be told to answer the next requests with 429 or 500.
 */
export interface EmulatedIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  histories: { id: string; created: string; author?: { accountId: string }; items: { field: string; fieldId?: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }[] }[];
  comments: { id: string; created: string; author?: { accountId: string }; body: unknown; jsdPublic?: boolean }[];
}

interface Fault {
  status: number;
  retryAfter?: string;
}

export const APP_ACCOUNT = 'app-sla-desk';

export class JiraEmulator {
  issues = new Map<string, EmulatedIssue>();
  priorities: { id: string; name: string }[] = [];
  groups = new Map<string, string[]>();
  /** JSM organization id -> its properties. */
  organizationProperties = new Map<string, Record<string, unknown>>();
  /** Project key -> role name -> role id and actors. */
  projectRoles = new Map<string, Record<string, { id: number; accountIds: string[]; groups: string[] }>>();
  /** Custom fields created through the API: id -> name, type and options. */
  fields = new Map<string, { name: string; type: string; options: string[] }>();
  requests: { method: string; path: string; body?: unknown }[] = [];
  private faults: Fault[] = [];
  private seq = 100;
  /** The clock the emulator stamps its changes with. */
  now = () => new Date().toISOString();

  constructor() {
    this.reset();
  }

  /** Back to an empty site with the default priorities. */
  reset(): void {
    this.issues.clear();
    this.groups.clear();
    this.organizationProperties.clear();
    this.projectRoles.clear();
    this.fields.clear();
    this.requests = [];
    this.faults = [];
    this.priorities = ['Highest', 'High', 'Medium', 'Low', 'Lowest'].map((name, i) => ({ id: String(i + 1), name }));
  }

  addIssue(issue: Omit<EmulatedIssue, 'histories' | 'comments'> & Partial<Pick<EmulatedIssue, 'histories' | 'comments'>>): EmulatedIssue {
    const full = { histories: [], comments: [], ...issue };
    this.issues.set(issue.key, full);
    return full;
  }

  /** The next `count` requests fail with `status` (and Retry-After, if given). */
  failNext(count: number, status: number, retryAfter?: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, retryAfter });
  }

  /** Requests that change something (a JQL search is a POST that only reads). */
  writes(): { method: string; path: string; body?: unknown }[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/rest/api/3/search/'));
  }

  private view(issue: EmulatedIssue, changelog: boolean) {
    return {
      id: issue.id,
      key: issue.key,
      fields: { ...issue.fields, comment: { comments: issue.comments } },
      changelog: changelog ? { histories: issue.histories } : undefined,
    };
  }

  /** As @forge/api's requestJira: a route (from the real `route` tag) and fetch-like options. */
  async requestJira(route: { value: string }, init: { method?: string; body?: string } = {}) {
    const method = init.method ?? 'GET';
    const url = new URL(route.value, 'https://site.atlassian.net');
    const body = init.body ? JSON.parse(init.body) : undefined;
    this.requests.push({ method, path: url.pathname + url.search, body });
    const fault = this.faults.shift();
    if (fault) return respond(fault.status, { errorMessages: ['injected'] }, fault.retryAfter);
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
      const issue = this.issues.get(decodeURIComponent(m[1]));
      if (!issue) return respond(404, { errorMessages: ['Issue does not exist'] });
      return respond(200, this.view(issue, url.searchParams.get('expand')?.includes('changelog') ?? false));
    }
    if (method === 'PUT' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
      const issue = this.issues.get(decodeURIComponent(m[1]));
      if (!issue) return respond(404, {});
      const name = body?.fields?.priority?.name;
      const prio = this.priorities.find((x) => x.name === name);
      if (!prio) return respond(400, { errors: { priority: `Priority name '${name}' is not valid` } });
      const before = issue.fields.priority as { name: string } | null;
      issue.fields.priority = prio;
      issue.histories.push({ id: String(this.seq++), created: this.now(), author: { accountId: APP_ACCOUNT }, items: [{ field: 'priority', fieldId: 'priority', from: null, fromString: before?.name ?? null, to: prio.id, toString: prio.name }] });
      return respond(204, undefined);
    }
    if (method === 'POST' && p === '/rest/api/3/app/field/value') {
      for (const u of body.updates ?? []) {
        for (const id of u.issueIds) {
          const issue = [...this.issues.values()].find((i) => Number(i.id) === id);
          if (issue) issue.fields[u.customField] = u.value;
        }
      }
      return respond(204, undefined);
    }
    if (method === 'POST' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(p))) {
      const issue = this.issues.get(decodeURIComponent(m[1]));
      if (!issue) return respond(404, {});
      const internal = (body.properties ?? []).some((x: { key: string; value?: { internal?: boolean } }) => x.key === 'sd.public.comment' && x.value?.internal);
      const comment = { id: String(this.seq++), created: this.now(), author: { accountId: APP_ACCOUNT }, body: body.body, jsdPublic: !internal };
      issue.comments.push(comment);
      return respond(201, comment);
    }
    if (method === 'POST' && p === '/rest/api/3/search/jql') {
      // JQL is not interpreted: every issue matches. Pages follow nextPageToken.
      const all = [...this.issues.values()];
      const start = Number(body.nextPageToken ?? 0);
      const page = all.slice(start, start + (body.maxResults ?? 50));
      const next = start + page.length < all.length ? String(start + page.length) : undefined;
      return respond(200, { issues: page.map((i) => this.view(i, true)), nextPageToken: next });
    }
    if (method === 'POST' && p === '/rest/api/3/field') {
      const id = `customfield_${this.seq++}`;
      this.fields.set(id, { name: body.name, type: body.type, options: [] });
      return respond(201, { id, name: body.name });
    }
    if (method === 'POST' && (m = /^\/rest\/api\/3\/field\/([^/]+)\/context$/.exec(p))) {
      if (!this.fields.has(m[1])) return respond(404, {});
      return respond(201, { id: String(this.seq++), name: body.name });
    }
    if (method === 'POST' && (m = /^\/rest\/api\/3\/field\/([^/]+)\/context\/[^/]+\/option$/.exec(p))) {
      const field = this.fields.get(m[1]);
      if (!field) return respond(404, {});
      field.options.push(...body.options.map((o: { value: string }) => o.value));
      return respond(200, { options: body.options });
    }
    if (method === 'GET' && p === '/rest/api/3/priority') return respond(200, this.priorities);
    if (method === 'GET' && p === '/rest/api/3/user/groups') {
      return respond(200, (this.groups.get(url.searchParams.get('accountId') ?? '') ?? []).map((name) => ({ name })));
    }
    if (method === 'GET' && (m = /^\/rest\/servicedeskapi\/organization\/([^/]+)\/property\/([^/]+)$/.exec(p))) {
      const props = this.organizationProperties.get(m[1]);
      if (!props || !(m[2] in props)) return respond(404, { errorMessage: 'The property was not found' });
      return respond(200, { key: m[2], value: props[m[2]] });
    }
    if (method === 'GET' && (m = /^\/rest\/api\/3\/project\/([^/]+)\/role$/.exec(p))) {
      const roles = this.projectRoles.get(m[1]);
      if (!roles) return respond(404, {});
      return respond(200, Object.fromEntries(Object.entries(roles).map(([name, r]) => [name, `https://site.atlassian.net/rest/api/3/project/${m![1]}/role/${r.id}`])));
    }
    if (method === 'GET' && (m = /^\/rest\/api\/3\/project\/([^/]+)\/role\/(\d+)$/.exec(p))) {
      const role = Object.entries(this.projectRoles.get(m[1]) ?? {}).find(([, r]) => String(r.id) === m![2]);
      if (!role) return respond(404, {});
      const actors = [...role[1].accountIds.map((accountId) => ({ type: 'atlassian-user-role-actor', actorUser: { accountId } })), ...role[1].groups.map((name) => ({ type: 'atlassian-group-role-actor', actorGroup: { name } }))];
      return respond(200, { id: role[1].id, name: role[0], actors });
    }
    return respond(404, { errorMessages: [`not emulated: ${method} ${p}`] });
  }
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

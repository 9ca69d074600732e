"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JiraEmulator = exports.APP_ACCOUNT = void 0;
exports.APP_ACCOUNT = 'app-sla-desk';
class JiraEmulator {
    issues = new Map();
    priorities = [];
    groups = new Map();
    requests = [];
    faults = [];
    seq = 100;
    /** The clock the emulator stamps its changes with. */
    now = () => new Date().toISOString();
    constructor() {
        this.reset();
    }
    /** Back to an empty site with the default priorities. */
    reset() {
        this.issues.clear();
        this.groups.clear();
        this.requests = [];
        this.faults = [];
        this.priorities = ['Highest', 'High', 'Medium', 'Low', 'Lowest'].map((name, i) => ({ id: String(i + 1), name }));
    }
    addIssue(issue) {
        const full = { histories: [], comments: [], ...issue };
        this.issues.set(issue.key, full);
        return full;
    }
    /** The next `count` requests fail with `status` (and Retry-After, if given). */
    failNext(count, status, retryAfter) {
        for (let i = 0; i < count; i++)
            this.faults.push({ status, retryAfter });
    }
    /** Requests that change something (a JQL search is a POST that only reads). */
    writes() {
        return this.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/rest/api/3/search/'));
    }
    view(issue, changelog) {
        return {
            id: issue.id,
            key: issue.key,
            fields: { ...issue.fields, comment: { comments: issue.comments } },
            changelog: changelog ? { histories: issue.histories } : undefined,
        };
    }
    /** As @forge/api's requestJira: a route (from the real `route` tag) and fetch-like options. */
    async requestJira(route, init = {}) {
        const method = init.method ?? 'GET';
        const url = new URL(route.value, 'https://site.atlassian.net');
        const body = init.body ? JSON.parse(init.body) : undefined;
        this.requests.push({ method, path: url.pathname + url.search, body });
        const fault = this.faults.shift();
        if (fault)
            return respond(fault.status, { errorMessages: ['injected'] }, fault.retryAfter);
        const p = url.pathname;
        let m;
        if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
            const issue = this.issues.get(decodeURIComponent(m[1]));
            if (!issue)
                return respond(404, { errorMessages: ['Issue does not exist'] });
            return respond(200, this.view(issue, url.searchParams.get('expand')?.includes('changelog') ?? false));
        }
        if (method === 'PUT' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(p))) {
            const issue = this.issues.get(decodeURIComponent(m[1]));
            if (!issue)
                return respond(404, {});
            const name = body?.fields?.priority?.name;
            const prio = this.priorities.find((x) => x.name === name);
            if (!prio)
                return respond(400, { errors: { priority: `Priority name '${name}' is not valid` } });
            const before = issue.fields.priority;
            issue.fields.priority = prio;
            issue.histories.push({ id: String(this.seq++), created: this.now(), author: { accountId: exports.APP_ACCOUNT }, items: [{ field: 'priority', fieldId: 'priority', from: null, fromString: before?.name ?? null, to: prio.id, toString: prio.name }] });
            return respond(204, undefined);
        }
        if (method === 'POST' && p === '/rest/api/3/app/field/value') {
            for (const u of body.updates ?? []) {
                for (const id of u.issueIds) {
                    const issue = [...this.issues.values()].find((i) => Number(i.id) === id);
                    if (issue)
                        issue.fields[u.customField] = u.value;
                }
            }
            return respond(204, undefined);
        }
        if (method === 'POST' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(p))) {
            const issue = this.issues.get(decodeURIComponent(m[1]));
            if (!issue)
                return respond(404, {});
            const internal = (body.properties ?? []).some((x) => x.key === 'sd.public.comment' && x.value?.internal);
            const comment = { id: String(this.seq++), created: this.now(), author: { accountId: exports.APP_ACCOUNT }, body: body.body, jsdPublic: !internal };
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
        if (method === 'GET' && p === '/rest/api/3/priority')
            return respond(200, this.priorities);
        if (method === 'GET' && p === '/rest/api/3/user/groups') {
            return respond(200, (this.groups.get(url.searchParams.get('accountId') ?? '') ?? []).map((name) => ({ name })));
        }
        return respond(404, { errorMessages: [`not emulated: ${method} ${p}`] });
    }
}
exports.JiraEmulator = JiraEmulator;
function respond(status, body, retryAfter) {
    return {
        ok: status >= 200 && status < 300,
        status,
        headers: { get: (h) => (h.toLowerCase() === 'retry-after' ? (retryAfter ?? null) : null) },
        json: async () => body,
        text: async () => JSON.stringify(body),
    };
}
//# sourceMappingURL=emulator.js.map
"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.JiraClient = exports.JiraError = void 0;
const api_1 = __importStar(require("@forge/api"));
class JiraError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}
exports.JiraError = JiraError;
const DEFAULTS = { budgetMs: 20_000, maxAttempts: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
class JiraClient {
    as;
    opts;
    /** Requests made, for the benchmark and the loop-guard tests. */
    requests = 0;
    constructor(as = 'app', opts = {}) {
        this.as = as;
        this.opts = { ...DEFAULTS, ...opts };
    }
    async call(path, init = {}) {
        const started = Date.now();
        const requester = this.as === 'app' ? api_1.default.asApp() : api_1.default.asUser();
        for (let attempt = 1;; attempt++) {
            this.requests++;
            const res = await requester.requestJira(path, {
                method: init.method ?? 'GET',
                headers: { Accept: 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
                body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
            });
            if (res.ok)
                return (res.status === 204 ? undefined : await res.json());
            const retryable = res.status === 429 || res.status >= 500;
            const wait = retryAfterMs(res.headers.get('Retry-After')) ?? Math.min(8000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
            if (!retryable || attempt >= this.opts.maxAttempts || Date.now() - started + wait > this.opts.budgetMs) {
                throw new JiraError(res.status, `Jira answered ${res.status} to ${init.method ?? 'GET'} ${pathOf(path)}`);
            }
            await this.opts.sleep(wait);
        }
    }
    /** The issue with the fields SLA Desk reads, its changelog and its comments: one request. */
    getIssue(key, fieldIds) {
        const fields = ['created', 'status', 'priority', 'comment', 'reporter', ...fieldIds].join(',');
        return this.call((0, api_1.route) `/rest/api/3/issue/${key}?fields=${fields}&expand=changelog`);
    }
    /** A page of issues matching JQL, with the same fields, changelog and comments as getIssue. */
    searchIssues(jql, fieldIds, nextPageToken) {
        const fields = ['created', 'status', 'priority', 'comment', 'reporter', ...fieldIds];
        return this.call((0, api_1.route) `/rest/api/3/search/jql`, { method: 'POST', body: { jql, fields, expand: 'changelog', maxResults: 50, nextPageToken } });
    }
    setPriority(key, priorityName) {
        return this.call((0, api_1.route) `/rest/api/3/issue/${key}`, { method: 'PUT', body: { fields: { priority: { name: priorityName } } } });
    }
    /** The app's own (read-only) custom fields: one request for every field of the issue. */
    setAppFieldValues(issueId, values) {
        return this.call((0, api_1.route) `/rest/api/3/app/field/value`, {
            method: 'POST',
            body: { updates: values.map((v) => ({ issueIds: [Number(issueId)], customField: v.fieldId, value: v.value })) },
        });
    }
    addComment(key, text, internal) {
        const body = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
        return this.call((0, api_1.route) `/rest/api/3/issue/${key}/comment`, {
            method: 'POST',
            body: internal ? { body, properties: [{ key: 'sd.public.comment', value: { internal: true } }] } : { body },
        });
    }
    getPriorities() {
        return this.call((0, api_1.route) `/rest/api/3/priority`);
    }
    /** Group names of a user: the server-side check of who is a triage lead. */
    async userGroups(accountId) {
        const groups = await this.call((0, api_1.route) `/rest/api/3/user/groups?accountId=${accountId}`);
        return groups.map((g) => g.name);
    }
}
exports.JiraClient = JiraClient;
function retryAfterMs(header) {
    if (!header)
        return null;
    const s = Number(header);
    if (Number.isFinite(s) && s >= 0)
        return s * 1000;
    const t = Date.parse(header);
    return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}
function pathOf(r) {
    return r.value ?? String(r);
}
//# sourceMappingURL=client.js.map
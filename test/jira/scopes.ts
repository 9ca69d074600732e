/**
 * The OAuth scopes each Jira route the Forge app calls needs, as Atlassian's REST reference states
 * them ("Scopes" box of each operation, developer.atlassian.com/cloud/jira/platform/rest/v3/...).
 * A route is allowed when the manifest holds every scope of one of its alternatives (classic or
 * granular). The emulator refuses a call whose scope the manifest lacks, and a test checks the
 * manifest against this table, because @forge/lint's permission linter cannot run offline.
 */
export interface RouteScopes {
  method: string;
  /** A path pattern; `{x}` stands for one path segment. */
  path: string;
  /** Alternatives: the manifest needs all scopes of at least one. */
  anyOf: string[][];
  /** Where the scopes come from. */
  source: string;
  /** Scopes the docs call optional today but recommend (they become mandatory later). */
  recommended?: string[];
}

const V3 = 'https://developer.atlassian.com/cloud/jira/platform/rest/v3';
const JSM = 'https://developer.atlassian.com/cloud/jira/service-desk/rest';

export const ROUTE_SCOPES: RouteScopes[] = [
  { method: 'GET', path: '/rest/api/3/issue/{key}', anyOf: [['read:jira-work']], source: `${V3}/api-group-issues/#api-rest-api-3-issue-issueidorkey-get` },
  { method: 'PUT', path: '/rest/api/3/issue/{key}', anyOf: [['write:jira-work']], source: `${V3}/api-group-issues/#api-rest-api-3-issue-issueidorkey-put` },
  { method: 'GET', path: '/rest/api/3/issue/{key}/editmeta', anyOf: [['read:jira-work']], source: `${V3}/api-group-issues/#api-rest-api-3-issue-issueidorkey-editmeta-get` },
  { method: 'GET', path: '/rest/api/3/issue/{key}/changelog', anyOf: [['read:jira-work']], source: `${V3}/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get` },
  { method: 'GET', path: '/rest/api/3/issue/{key}/comment', anyOf: [['read:jira-work']], source: `${V3}/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get` },
  { method: 'POST', path: '/rest/api/3/issue/{key}/comment', anyOf: [['write:jira-work']], source: `${V3}/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post` },
  { method: 'PUT', path: '/rest/api/3/issue/{key}/comment/{id}', anyOf: [['write:jira-work']], source: `${V3}/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-id-put` },
  { method: 'PUT', path: '/rest/api/3/comment/{id}/properties/{key}', anyOf: [['write:jira-work']], source: `${V3}/api-group-issue-comment-properties/#api-rest-api-3-comment-commentid-properties-propertykey-put` },
  { method: 'POST', path: '/rest/api/3/search/jql', anyOf: [['read:jira-work']], source: `${V3}/api-group-issue-search/#api-rest-api-3-search-jql-post` },
  {
    method: 'POST',
    path: '/rest/api/3/app/field/value',
    // "The new write:app-data:jira OAuth scope is 100% optional now ... we will eventually make it mandatory."
    anyOf: [[]],
    recommended: ['write:app-data:jira'],
    source: `${V3}/api-group-issue-custom-field-values--apps-/#api-rest-api-3-app-field-value-post`,
  },
  { method: 'GET', path: '/rest/api/3/field', anyOf: [['read:jira-work']], source: `${V3}/api-group-issue-fields/#api-rest-api-3-field-get` },
  { method: 'POST', path: '/rest/api/3/field', anyOf: [['manage:jira-configuration']], source: `${V3}/api-group-issue-fields/#api-rest-api-3-field-post` },
  { method: 'POST', path: '/rest/api/3/field/{id}/context', anyOf: [['manage:jira-configuration']], source: `${V3}/api-group-issue-custom-field-contexts/#api-rest-api-3-field-fieldid-context-post` },
  { method: 'POST', path: '/rest/api/3/field/{id}/context/{ctx}/option', anyOf: [['manage:jira-configuration']], source: `${V3}/api-group-issue-custom-field-options/#api-rest-api-3-field-fieldid-context-contextid-option-post` },
  // Priority schemes (GET /rest/api/3/priority, the site-wide list, is deprecated): classic
  // manage:jira-configuration, or the granular read:priority-scheme:jira (beta).
  { method: 'GET', path: '/rest/api/3/priorityscheme', anyOf: [['manage:jira-configuration'], ['read:priority-scheme:jira']], source: `${V3}/api-group-priority-schemes/#api-rest-api-3-priorityscheme-get` },
  { method: 'GET', path: '/rest/api/3/priorityscheme/{id}/priorities', anyOf: [['manage:jira-configuration'], ['read:priority-scheme:jira']], source: `${V3}/api-group-priority-schemes/#api-rest-api-3-priorityscheme-schemeid-priorities-get` },
  { method: 'GET', path: '/rest/api/3/priorityscheme/{id}/projects', anyOf: [['manage:jira-configuration'], ['read:priority-scheme:jira']], source: `${V3}/api-group-priority-schemes/#api-rest-api-3-priorityscheme-schemeid-projects-get` },
  { method: 'GET', path: '/rest/api/3/status', anyOf: [['read:jira-work']], source: `${V3}/api-group-workflow-statuses/#api-rest-api-3-status-get` },
  { method: 'GET', path: '/rest/api/3/user', anyOf: [['read:jira-user']], source: `${V3}/api-group-users/#api-rest-api-3-user-get` },
  { method: 'GET', path: '/rest/api/3/user/groups', anyOf: [['read:jira-user']], source: `${V3}/api-group-users/#api-rest-api-3-user-groups-get` },
  { method: 'GET', path: '/rest/api/3/myself', anyOf: [['read:jira-user']], source: `${V3}/api-group-myself/#api-rest-api-3-myself-get` },
  { method: 'GET', path: '/rest/api/3/mypermissions', anyOf: [['read:jira-work']], source: `${V3}/api-group-permissions/#api-rest-api-3-mypermissions-get` },
  { method: 'GET', path: '/rest/api/3/project/{key}/role', anyOf: [['manage:jira-configuration']], source: `${V3}/api-group-project-roles/#api-rest-api-3-project-projectidorkey-role-get` },
  { method: 'GET', path: '/rest/api/3/project/{key}/role/{id}', anyOf: [['manage:jira-configuration']], source: `${V3}/api-group-project-roles/#api-rest-api-3-project-projectidorkey-role-id-get` },
  {
    // JSM's own operation for an internal comment (public: false), with its classic scope; the
    // granular alternative is not claimed here, as it was not checked against the reference.
    method: 'POST',
    path: '/rest/servicedeskapi/request/{key}/comment',
    anyOf: [['write:servicedesk-request']],
    source: `${JSM}/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-post`,
  },
  {
    method: 'GET',
    path: '/rest/servicedeskapi/organization/{id}/property/{key}',
    anyOf: [['read:organization.property:jira-service-management'], ['manage:servicedesk-customer']],
    source: `${JSM}/api-group-organization/#api-rest-servicedeskapi-organization-organizationid-property-propertykey-get`,
  },
];

function matches(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((seg, i) => (seg.startsWith('{') ? b[i].length > 0 : seg === b[i]));
}

export function routeOf(method: string, path: string): RouteScopes | undefined {
  return ROUTE_SCOPES.find((r) => r.method === method && matches(r.path, path));
}

/** Does a manifest with these scopes allow the route? */
export function allowed(route: RouteScopes, scopes: readonly string[]): boolean {
  return route.anyOf.some((set) => set.every((s) => scopes.includes(s)));
}

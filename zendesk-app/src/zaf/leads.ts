import type { ZendeskUser } from './types';

/**
 * Who is a triage lead, decided from the account's own data, never from a note's text: the user's
 * role (the users sideload of the audits, or users/show_many) and the user's groups
 * (GET /api/v2/users/{id}/groups, Zendesk's Groups API "List Groups" for a user). The sidebar and
 * the service both decide with these functions, so they agree on which overrides count.
 */
export interface Group {
  id: number;
  name?: string;
}

/** Admins, and members of a lead group named by id or by name. */
export function isLeadOf(role: string | undefined, groups: readonly Group[], leadGroups: readonly string[]): boolean {
  if (role === 'admin') return true;
  if (role !== 'agent') return false;
  return groups.some((g) => leadGroups.includes(String(g.id)) || (g.name !== undefined && leadGroups.includes(g.name)));
}

export interface TrustRule {
  leadGroups: readonly string[];
  /** The app's own API user (the service's identity): it writes notes only on a lead's behalf. */
  serviceUserId?: number | null;
}

/**
 * Of `candidates`, the users whose override notes count. Only agents cost a request (their
 * groups); end users and unknown users never count, admins and the API user always do.
 */
export async function trustedUsers(candidates: readonly number[], users: readonly ZendeskUser[], rule: TrustRule, groupsOf: (userId: number) => Promise<readonly Group[]>): Promise<Set<number>> {
  const roles = new Map(users.map((u) => [u.id, u.role]));
  const out = new Set<number>();
  for (const id of new Set(candidates)) {
    if (rule.serviceUserId != null && id === rule.serviceUserId) out.add(id);
    else if (roles.get(id) === 'admin') out.add(id);
    else if (roles.get(id) === 'agent' && rule.leadGroups.length && isLeadOf('agent', await groupsOf(id), rule.leadGroups)) out.add(id);
  }
  return out;
}

/** GET /api/v2/users/{id}/groups.json through the host's request function. */
export async function userGroups(get: (path: string) => Promise<unknown>, userId: number): Promise<Group[]> {
  const data = (await get(`/api/v2/users/${userId}/groups.json`)) as { groups?: Group[] } | null;
  return Array.isArray(data?.groups) ? data.groups : [];
}

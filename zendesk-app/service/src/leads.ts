import type { AxiosInstance } from 'axios';
import { trustedUsers, userGroups } from '../../src/zaf/leads';
import type { ZendeskUser } from '../../src/zaf/types';
import type { ServiceConfig } from './config';

/**
 * Which users may override or change a locked priority: the same rule as the sidebar's (leads.ts),
 * against the account's data. Each agent's groups are read once per delivery.
 */
export function leadLookup(http: AxiosInstance, cfg: ServiceConfig, users: readonly ZendeskUser[]): (ids: readonly number[]) => Promise<Set<number>> {
  const groups = new Map<number, ReturnType<typeof userGroups>>();
  const get = async (path: string) => (await http.get(path)).data as unknown;
  const rule = { leadGroups: cfg.leadGroupIds.map(String), serviceUserId: cfg.serviceUserId };
  return (ids) =>
    trustedUsers(ids, users, rule, (id) => {
      if (!groups.has(id)) groups.set(id, userGroups(get, id));
      return groups.get(id)!;
    });
}

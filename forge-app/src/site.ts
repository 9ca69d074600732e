import { getAppContext } from '@forge/api';
import { kvs } from '@forge/kvs';
import type { JiraClient } from './jira/client';
import type { AppFields } from './sla';

/**
 * Facts about the Jira site that every evaluation needs and that change rarely: the app's own
 * account (whose comments alone may carry an override note), each status's category, and the ids
 * Forge gave the app's own custom fields at deploy. Kept in storage for an hour, so an issue event
 * still costs one Jira read.
 */
export interface Site {
  appAccountId: string | null;
  statusCategories: Record<string, string>;
  appFields: AppFields;
  at: number;
}

export const SITE_KEY = 'sla-desk-site';
export const SITE_TTL_MS = 60 * 60_000;

/**
 * The app's custom fields by module key (manifest.yml jira:customField). Forge gives each a
 * site-specific id at deploy; its type (schema.custom) ends in /static/<module key>.
 */
export const APP_FIELD_MODULES: Record<string, (f: AppFields, id: string) => void> = {
  'sla-due-first-response': (f, id) => void (f.due.first_response = id),
  'sla-due-resolution': (f, id) => void (f.due.resolution = id),
  'sla-state': (f, id) => void (f.state = id),
  'sla-tier': (f, id) => void (f.tier = id),
  'sla-next-transition': (f, id) => void (f.next = id),
};

/**
 * The type prefix of this app's own fields in this environment. Another app, or another environment
 * of this one (development beside production), may declare the same module keys.
 */
function ownFieldPrefix(): string | null {
  try {
    const ctx = getAppContext();
    return `ari:cloud:ecosystem::extension/${ctx.appAri.appId}/${ctx.environmentAri.environmentId}/static/`;
  } catch {
    return null; // outside the Forge runtime (tests give one)
  }
}

export async function siteFacts(client: JiraClient, now: number, refresh = false): Promise<Site> {
  const cached = (await kvs.get(SITE_KEY).catch(() => undefined)) as Site | undefined;
  if (!refresh && cached && now - cached.at < SITE_TTL_MS && cached.appAccountId) return cached;
  const [me, statuses, fields] = await Promise.all([client.myself(), client.getStatuses(), client.getFields()]);
  // Only the app's own account may carry override notes: never cache a person as "the app".
  if (me.accountType !== 'app') throw new Error('siteFacts needs an asApp client: /myself did not answer with the app account');
  const statusCategories: Record<string, string> = {};
  for (const s of statuses) {
    if (!s.statusCategory?.key) continue;
    statusCategories[s.name.toLowerCase()] = s.statusCategory.key;
    statusCategories[String(s.id).toLowerCase()] = s.statusCategory.key;
  }
  const appFields: AppFields = { due: {} };
  const prefix = ownFieldPrefix();
  for (const f of fields) {
    const type = f.schema?.custom ?? '';
    if (prefix && !type.startsWith(prefix)) continue;
    const module = /\/static\/([A-Za-z0-9_-]+)$/.exec(type)?.[1];
    if (module && Object.hasOwn(APP_FIELD_MODULES, module)) APP_FIELD_MODULES[module](appFields, f.id);
  }
  const site: Site = { appAccountId: me.accountId, statusCategories, appFields, at: now };
  await kvs.set(SITE_KEY, site);
  return site;
}

/** The app's fields as Forge created them, with any the admin mapped by hand taking precedence. */
export function effectiveFields(site: Site, configured: AppFields): AppFields {
  return {
    due: { ...site.appFields.due, ...configured.due },
    state: configured.state ?? site.appFields.state,
    tier: configured.tier ?? site.appFields.tier,
    next: configured.next ?? site.appFields.next,
  };
}

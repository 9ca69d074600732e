import { getAppContext } from '@forge/api';
import { kvs } from '@forge/kvs';
import type { JiraClient } from './jira/client';
import { clockWords, matcherFor, type Policy } from '@sla-desk/core';
import type { AppFields } from './sla';

/**
 * Facts about the Jira site that every evaluation needs and that change rarely: the app's own
 * account (whose comments alone may carry an override note), each status's category, and the ids
 * Forge gave the app's own custom fields at deploy. Kept in storage for an hour, so an issue event
 * still costs one Jira read.
 */
export interface Site {
  appAccountId: string | null;
  /** Status id, and status name in lower case, -> its category key (new, indeterminate, done). */
  statusCategories: Record<string, string>;
  appFields: AppFields;
  /**
   * JSM's "Customer Request Type" field (schema.custom com.atlassian.servicedesk:vp-origin), whose
   * value's requestType.name is what rules call `form` and `requestType` attributes; null on a site
   * without Jira Service Management.
   */
  requestTypeField: string | null;
  at: number;
}

/** The schema.custom of JSM's Customer Request Type field (GET /rest/api/3/field). */
export const REQUEST_TYPE_FIELD_TYPE = 'com.atlassian.servicedesk:vp-origin';

/**
 * A @forge/kvs value holds at most 240 KiB (Forge storage limits; a larger one is refused with
 * MAX_SIZE), and a large site has tens of thousands of statuses (every team-managed project brings
 * its own). So the facts are stored small: the statuses grouped by category, a name shared by
 * statuses of two categories left to their ids, and the list split into parts that each stay well
 * under the limit. Most sites need one value; the main value keeps the first part inline.
 */
export const STORAGE_VALUE_LIMIT = 240 * 1024;
/** Each stored part's budget (JSON, UTF-8 bytes), with room to spare under the limit. */
export const STATUS_PART_BUDGET = 96 * 1024;

/** One part of the status list: category key -> status ids and lower-case names. */
export interface StatusPart {
  at: number;
  categories: Record<string, string[]>;
}

/** What SITE_KEY holds. */
interface StoredSite {
  appAccountId: string | null;
  appFields: AppFields;
  requestTypeField: string | null;
  at: number;
  /** The categories whose statuses were kept (the policy's), or null for all of them. */
  kept: string[] | null;
  /** How many parts the status list has: the first is `statuses`, the others under statusPartKey(i). */
  parts: number;
  statuses: StatusPart;
}

export const SITE_KEY = 'sla-desk-site';
export const SITE_TTL_MS = 60 * 60_000;
export const statusPartKey = (i: number) => `sla-desk-site-statuses-${i}`;

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
  // Recurring Metrics (the zendesk-parity preset's ids): the open cycle's due, empty between cycles.
  'sla-due-next-reply': (f, id) => void (f.due.next_reply = id),
  'sla-due-periodic-update': (f, id) => void (f.due.periodic_update = id),
  // Group SLAs (group_ownership Metrics, one per group): the owning group's open cycle.
  'sla-due-group-ownership': (f, id) => void (f.ownership = id),
  // The escalation ladder's level (a number), so JQL can select "SLA level" >= 2.
  'sla-level': (f, id) => void (f.level = id),
  // The next breach (a datetime), the field the admin page's queue filter orders by.
  'sla-next-breach': (f, id) => void (f.nextBreach = id),
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

/**
 * The status categories a policy tells statuses apart by on Jira (its clock.hosts.jira, or the
 * Done category for its solved words): only those statuses need storing. A status of another
 * category counts by its name or id, or runs the clock, exactly as if its category were known.
 */
export function policyCategories(policy: Policy): string[] {
  const out = new Set<string>();
  for (const w of clockWords(policy)) for (const c of matcherFor(policy, 'jira', w.word, w.kind).categories ?? []) out.add(String(c).toLowerCase());
  return [...out].sort();
}

/**
 * The site's facts, from storage when fresh. `categories`: the status categories the caller's
 * policy needs (policyCategories), or null for every status; facts stored for fewer categories
 * than asked for are read again.
 */
export async function siteFacts(client: JiraClient, now: number, refresh = false, categories: readonly string[] | null = null): Promise<Site> {
  if (!refresh) {
    const cached = await readSite(now, categories);
    if (cached) return cached;
  }
  const [me, statuses, fields] = await Promise.all([client.myself(), client.getStatuses(), client.getFields()]);
  // Only the app's own account may carry override notes: never cache a person as "the app".
  if (me.accountType !== 'app') throw new Error('siteFacts needs an asApp client: /myself did not answer with the app account');
  const kept = categories ? [...categories].sort() : null;
  const all = categoriesOf(statuses);
  const statusCategories = kept ? Object.fromEntries(Object.entries(all).filter(([, c]) => kept.includes(c))) : all;
  const appFields: AppFields = { due: {} };
  const prefix = ownFieldPrefix();
  let requestTypeField: string | null = null;
  for (const f of fields) {
    const type = f.schema?.custom ?? '';
    if (type === REQUEST_TYPE_FIELD_TYPE && requestTypeField === null) requestTypeField = f.id;
    if (prefix && !type.startsWith(prefix)) continue;
    const module = /\/static\/([A-Za-z0-9_-]+)$/.exec(type)?.[1];
    if (module && Object.hasOwn(APP_FIELD_MODULES, module)) APP_FIELD_MODULES[module](appFields, f.id);
  }
  const site: Site = { appAccountId: me.accountId, statusCategories, appFields, requestTypeField, at: now };
  await writeSite(site, kept);
  return site;
}

/**
 * Id and lower-case name -> category. A name that statuses of different categories share (two
 * workflows' "Review") says nothing on its own: it is left out, and their ids decide.
 */
export function categoriesOf(statuses: { id: string; name: string; statusCategory?: { key: string } }[]): Record<string, string> {
  const out: Record<string, string> = {};
  const ambiguous = new Set<string>();
  for (const s of statuses) {
    const category = s.statusCategory?.key;
    if (!category) continue;
    out[String(s.id).toLowerCase()] = category;
    const name = s.name.toLowerCase();
    if (ambiguous.has(name)) continue;
    if (Object.hasOwn(out, name) && out[name] !== category) {
      ambiguous.add(name);
      delete out[name];
    } else out[name] = category;
  }
  return out;
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/** The status map in parts of at most STATUS_PART_BUDGET bytes each, grouped by category. */
export function statusParts(categories: Record<string, string>, at: number, budget = STATUS_PART_BUDGET): StatusPart[] {
  const parts: StatusPart[] = [];
  let part: StatusPart = { at, categories: {} };
  // A part's size, counted as it grows: each entry is its JSON string and a comma; each category
  // adds its key, brackets and a comma. The envelope ({"at":…,"categories":{}}) is counted once.
  let size = bytes(part);
  for (const [key, category] of Object.entries(categories)) {
    const entry = bytes(key) + 1;
    let opens = Object.hasOwn(part.categories, category) ? 0 : bytes(category) + 4;
    if (size + entry + opens > budget && Object.keys(part.categories).length) {
      parts.push(part);
      part = { at, categories: {} };
      size = bytes(part);
      opens = bytes(category) + 4;
    }
    (part.categories[category] ??= []).push(key);
    size += entry + opens;
  }
  parts.push(part);
  return parts;
}

/** Writes the facts: the other parts first, then the main value that names them (readers check `at`). */
async function writeSite(site: Site, kept: string[] | null): Promise<void> {
  const parts = statusParts(site.statusCategories, site.at);
  for (let i = 1; i < parts.length; i++) await kvs.set(statusPartKey(i), parts[i]);
  const stored: StoredSite = { appAccountId: site.appAccountId, appFields: site.appFields, requestTypeField: site.requestTypeField, at: site.at, kept, parts: parts.length, statuses: parts[0] };
  await kvs.set(SITE_KEY, stored);
}

/**
 * The stored facts, or null when they are missing, stale, from an older version of the app, or
 * half rewritten by a concurrent refresh (a part of another `at`): then they are read from Jira again.
 * A storage error here only costs that Jira read.
 */
async function readSite(now: number, categories: readonly string[] | null): Promise<Site | null> {
  const stored = (await kvs.get(SITE_KEY).catch(() => undefined)) as StoredSite | undefined;
  if (!stored || typeof stored !== 'object' || !stored.appAccountId || typeof stored.parts !== 'number' || !stored.statuses?.categories) return null;
  // Stored by a version that did not look for the request type field: read again.
  if (stored.requestTypeField === undefined) return null;
  if (now - stored.at >= SITE_TTL_MS) return null;
  // Kept for fewer categories than this policy tells apart (the admin changed it): read again.
  if (stored.kept !== null && stored.kept !== undefined && (categories === null || categories.some((c) => !stored.kept!.includes(c)))) return null;
  const parts: StatusPart[] = [stored.statuses];
  for (let i = 1; i < stored.parts; i++) {
    const part = (await kvs.get(statusPartKey(i)).catch(() => undefined)) as StatusPart | undefined;
    if (!part || part.at !== stored.at || !part.categories) return null;
    parts.push(part);
  }
  const statusCategories: Record<string, string> = {};
  for (const part of parts) for (const [category, keys] of Object.entries(part.categories)) for (const key of keys) statusCategories[key] = category;
  return { appAccountId: stored.appAccountId, statusCategories, appFields: stored.appFields, requestTypeField: stored.requestTypeField, at: stored.at };
}

/** The app's fields as Forge created them, with any the admin mapped by hand taking precedence. */
export function effectiveFields(site: Site, configured: AppFields): AppFields {
  return {
    due: { ...site.appFields.due, ...configured.due },
    state: configured.state ?? site.appFields.state,
    tier: configured.tier ?? site.appFields.tier,
    next: configured.next ?? site.appFields.next,
    ...(configured.level ?? site.appFields.level ? { level: configured.level ?? site.appFields.level } : {}),
    ...(configured.ownership ?? site.appFields.ownership ? { ownership: configured.ownership ?? site.appFields.ownership } : {}),
    ...(configured.nextBreach ?? site.appFields.nextBreach ? { nextBreach: configured.nextBreach ?? site.appFields.nextBreach } : {}),
  };
}

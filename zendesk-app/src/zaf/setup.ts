import { DUE_FIELD_DESCRIPTION, dueFieldTitle, type Policy } from '@sla-desk/core';
import { fieldIdsSetting } from './fields';

/**
 * The due fields a policy needs beyond what the install created. requirements.json is read at
 * install, before any policy is chosen, so it creates the default policy's due fields only; a
 * policy with other Metrics gets theirs here, as an admin: by the hosted service when it sets
 * itself up or follows a settings change, or by the app's admin page. Their ids go into the app's
 * `field_ids` setting, which the sidebar and the service both read, so that they agree.
 */

/** The REST calls the setup makes, as an admin: the service's HTTP client, or the app's ZAF client. */
export interface AdminApi {
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  put(path: string, body: unknown): Promise<unknown>;
}

export interface DueFieldSetup {
  /** metric id -> field id, for every Metric of the policy that has a due field now. */
  due: Record<string, number>;
  created: string[];
  /** Metrics whose field was there already (a field of that title, made before): adopted, not made twice. */
  adopted: string[];
  /** The field_ids setting to save, or null when nothing changed. */
  setting: string | null;
}

/** The policy's Metrics with no due field among `known` (metric id -> field id). */
export function metricsWithoutDueField(policy: Policy, known: Readonly<Record<string, number>>): string[] {
  return Object.keys(policy.metrics).filter((m) => typeof known[m] !== 'number');
}

interface TicketFieldJson {
  id: number;
  type: string;
  title: string;
  active?: boolean;
}

/**
 * Finds or creates the missing due fields (Ticket Fields API: List Ticket Fields, Create Ticket
 * Field; both as an admin) and says what the field_ids setting becomes. A field already titled
 * as ours is adopted, so that running the setup again, or from both places, makes no duplicate.
 */
export async function ensureDueFields(api: AdminApi, policy: Policy, known: Readonly<Record<string, number>>, setting: unknown): Promise<DueFieldSetup> {
  const due: Record<string, number> = {};
  for (const m of Object.keys(policy.metrics)) if (typeof known[m] === 'number') due[m] = known[m];
  const missing = metricsWithoutDueField(policy, due);
  const out: DueFieldSetup = { due, created: [], adopted: [], setting: null };
  if (!missing.length) return out;
  const existing = await listTicketFields(api);
  for (const m of missing) {
    const title = dueFieldTitle(policy.metrics[m].label);
    const found = existing.find((f) => f.type === 'text' && f.active !== false && f.title === title);
    if (found) {
      due[m] = found.id;
      out.adopted.push(m);
      continue;
    }
    const made = (await api.post('/api/v2/ticket_fields.json', { ticket_field: { type: 'text', title, description: DUE_FIELD_DESCRIPTION } })) as { ticket_field?: { id?: unknown } };
    const id = made?.ticket_field?.id;
    if (typeof id !== 'number') throw new Error(`Zendesk did not say which field it created for ${title}`);
    due[m] = id;
    out.created.push(m);
  }
  const s = fieldIdsSetting(setting);
  for (const m of [...out.created, ...out.adopted]) s[`due_${m}`] = due[m];
  out.setting = JSON.stringify(s);
  return out;
}

async function listTicketFields(api: AdminApi): Promise<TicketFieldJson[]> {
  const all: TicketFieldJson[] = [];
  let path: string | null = '/api/v2/ticket_fields.json';
  // Zendesk pages ticket fields 100 at a time; an account has a few hundred at most.
  for (let page = 0; path && page < 50; page++) {
    const r = (await api.get(path)) as { ticket_fields?: TicketFieldJson[]; next_page?: string | null };
    all.push(...(r?.ticket_fields ?? []));
    path = r?.next_page ? pathOf(r.next_page) : null;
  }
  return all;
}

/** next_page is an absolute URL on the account's host; both clients take a path. */
function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

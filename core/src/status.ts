import type { Policy } from './schema';

/**
 * Which of a host's statuses mean which of the policy's clock states.
 *
 * The policy speaks its own words ("pending", "hold", "solved"); the hosts do not agree on theirs.
 * Zendesk sends one of six fixed status names, plus a custom status id and its category on accounts
 * with custom ticket statuses. Jira sends a site-specific workflow status and its category
 * (new, indeterminate, done). Core maps them here once, so both adapters and `sla check` agree.
 */
export const HOSTS = ['zendesk', 'jira'] as const;
export type Host = (typeof HOSTS)[number];

/** What a host says about a status, as much as it tells. */
export interface HostStatus {
  name?: string | null;
  category?: string | null;
  /** Zendesk's custom_status_id, or Jira's status id. */
  id?: string | number | null;
}

export interface StatusMatcher {
  names?: readonly string[];
  categories?: readonly string[];
  ids?: readonly (string | number)[];
}

/** Zendesk's status values (Tickets API) and its status categories (Custom Ticket Statuses API). */
export const ZENDESK_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export const ZENDESK_STATUS_CATEGORIES = ['new', 'open', 'pending', 'hold', 'solved'] as const;
/** Jira's status category keys (GET /rest/api/3/statuscategory). */
export const JIRA_STATUS_CATEGORIES = ['new', 'indeterminate', 'done'] as const;

/** The word a status falls to when it neither pauses nor solves: the clock runs. */
export const RUNNING = 'open';

/** Every clock word the policy uses, with where it is declared (for paths in problems). */
export function clockWords(policy: Policy): { word: string; path: string; kind: 'pause' | 'solved' }[] {
  const out: { word: string; path: string; kind: 'pause' | 'solved' }[] = [];
  policy.clock.pauseStatuses.forEach((word, i) => out.push({ word, path: `clock.pauseStatuses[${i}]`, kind: 'pause' }));
  for (const [id, m] of Object.entries(policy.metrics)) {
    (m.pauseStatuses ?? []).forEach((word, i) => out.push({ word, path: `metrics.${id}.pauseStatuses[${i}]`, kind: 'pause' }));
  }
  policy.clock.solvedStatuses.forEach((word, i) => out.push({ word, path: `clock.solvedStatuses[${i}]`, kind: 'solved' }));
  return out;
}

/**
 * The host statuses a clock word stands for: the policy's own mapping, or else a default. On
 * Zendesk a word that is one of its statuses means that status and its category. On Jira a solved
 * word means the Done category; a pause word has no default, because pause statuses are a
 * workflow's own names.
 */
export function matcherFor(policy: Policy, host: Host, word: string, kind: 'pause' | 'solved'): StatusMatcher {
  const mapped = policy.clock.hosts?.[host];
  if (mapped && Object.hasOwn(mapped, word)) return mapped[word];
  if (host === 'zendesk') return { names: [word], categories: [word] };
  return kind === 'solved' ? { categories: ['done'] } : {};
}

const lower = (s: string | number) => String(s).toLowerCase();

/**
 * The policy word for a host's status: a pause or solved word when one matches, else "open".
 * An id match wins over a name match, and a name over a category, so one custom status can pause
 * while others of its category do not.
 */
export function statusWord(policy: Policy, host: Host, status: HostStatus | null | undefined): string | null {
  if (!status || (status.name == null && status.category == null && status.id == null)) return null;
  const words = clockWords(policy).map((w) => ({ ...w, m: matcherFor(policy, host, w.word, w.kind) }));
  const tests: [keyof StatusMatcher, string | number | null | undefined][] = [
    ['ids', status.id],
    ['names', status.name],
    ['categories', status.category],
  ];
  for (const [key, value] of tests) {
    if (value == null || value === '') continue;
    const hit = words.find((w) => (w.m[key] ?? []).some((x) => lower(x) === lower(value)));
    if (hit) return hit.word;
  }
  return RUNNING;
}

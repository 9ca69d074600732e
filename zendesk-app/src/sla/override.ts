import { makeOverride, noticeLanguage, noticeLanguageText, overrideNote, overridePreview, requesterNotice, resolutionBeforeResponse, localeOf, type PreviewRow } from '@sla-desk/core';
import type { ZafClient } from '../zaf/types';
import { setPriority } from '../zaf/host';
import { twice, type Loaded } from './load';
import { agentZone, withForm } from './session';

// Only triage leads override: this loads, with the override form, after the countdown shows.

/** What an override to `to` would do to the due times, and what is wrong with their order, before the lead confirms it. */
export function previewOf(data: Loaded, now: number, to: string): { rows: PreviewRow[]; dueOrder: string | null } {
  const locale = localeOf(data.user.locale);
  const rows = overridePreview(data.policy, withForm(data, now), to, now, locale, agentZone(data.user));
  return { rows, dueOrder: resolutionBeforeResponse(data.policy, rows, locale) };
}

/** The notice the requester gets by default: in their language, without the internal reason. */
export function defaultNotice(data: Loaded, to: string): string {
  return requesterNotice(data.policy, to, noticeLanguage(data.requesterLocale, data.policy.locale).locale);
}

/** Which language that notice is in, and why, in the lead's words. */
export function noticeLanguageOf(data: Loaded): string {
  return noticeLanguageText(noticeLanguage(data.requesterLocale, data.policy.locale), 'zendesk', localeOf(data.user.locale));
}

/** An override: the internal note (and the optional public notice) go through the REST API at once. */
export async function submitOverride(client: ZafClient, data: Loaded, from: string | null, to: string, reason: string, notify: boolean, now: number, notice?: string) {
  const { override, problems } = makeOverride(data.policy, { by: data.user.name, from, to, reason, notify }, now);
  if (!override) return { ok: false as const, problems: problems.map((p) => `${p.path}: ${p.message}`) };
  const text = notify ? (notice ?? '').trim() || defaultNotice(data, to) : '';
  // The notice is marked in its audit's metadata, so that the timeline does not take it for the
  // first public reply: telling the requester their priority changed answers nothing they asked.
  const updates: { comment: { body: string; public: boolean }; metadata?: Record<string, string> }[] = [{ comment: { body: overrideNote(data.policy, override, data.user.zone), public: false } }];
  if (text) updates.push({ comment: { body: text, public: true }, metadata: { sla_desk: 'override-notice' } });
  for (const ticket of updates) {
    await twice(() => client.request({ url: `/api/v2/tickets/${data.ticketId}.json`, type: 'PUT', contentType: 'application/json', data: JSON.stringify({ ticket }) }));
  }
  data.history = { ...data.history, events: [...(data.history.events ?? []), override] };
  const zendesk = data.policy.priorities[to]?.zendesk;
  if (zendesk) await setPriority(client, zendesk);
  return { ok: true as const, override };
}

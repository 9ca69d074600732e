import type { Loaded } from '../sla/load';
import type { Strings } from './i18n';

export interface Notice {
  kind: 'warning' | 'error' | 'info';
  text: string;
  details?: string[];
}

/** What the sidebar has to say about its load, its settings and the form, whichever renders it. */
export interface NoticeFacts {
  /** The policy setting's problems, when it is invalid. */
  problems?: string[];
  /** Why the load failed. */
  failed?: string;
  data: Loaded | null;
  saveFailed: boolean;
  /** The metrics a tier changed in the form would breach at once. */
  tierBreaches: string[];
}

export function noticesOf(t: Strings, { problems, failed, data, saveFailed, tierBreaches }: NoticeFacts): Notice[] {
  const notices: Notice[] = [];
  if (problems) notices.push({ kind: 'error', text: t.policyError, details: problems });
  if (failed !== undefined) notices.push({ kind: 'error', text: failed });
  if (data?.stale) notices.push({ kind: 'warning', text: t.stale });
  if (data && data.fieldIds.missing.length) notices.push({ kind: 'warning', text: t.missingFields(data.fieldIds.missing.join(', ')) });
  if (data && data.fieldIds.source === 'settings') notices.push({ kind: 'info', text: t.settingsFallback });
  if (data && data.settings.problems.length) notices.push({ kind: 'warning', text: data.settings.problems.join('; ') });
  if (saveFailed) notices.push({ kind: 'error', text: t.saveError });
  if (tierBreaches.length) notices.push({ kind: 'warning', text: t.tierBreach(tierBreaches.join(', ')) });
  return notices;
}

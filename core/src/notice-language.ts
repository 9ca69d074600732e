import { localeOf, type Locale } from './view';

/**
 * Which language an Override's notice to the requester is written in, and why: the lead sees it in
 * the form before applying, since the requester reads it and the lead may not share their language.
 * The rule is requesterNotice's: French for a French locale, English for any other.
 */
export interface NoticeLanguage {
  locale: Locale;
  /** requester: their own language on the host; unsupported: theirs has no notice text; policy: the host gives none. */
  source: 'requester' | 'unsupported' | 'policy';
  /** The locale tag the choice was made from ("fr-CA", "de"). */
  tag: string;
}

export function noticeLanguage(requesterLocale: string | null | undefined, policyLocale: string): NoticeLanguage {
  const given = typeof requesterLocale === 'string' && requesterLocale.trim() !== '';
  const tag = given ? requesterLocale!.trim() : policyLocale;
  const locale = localeOf(tag);
  const source = !given ? 'policy' : locale === 'en' && !tag.toLowerCase().startsWith('en') ? 'unsupported' : 'requester';
  return { locale, source, tag };
}

const NAMES: Record<Locale, Record<Locale, string>> = {
  en: { en: 'English', fr: 'French' },
  fr: { en: 'anglais', fr: 'français' },
};
const HOST_NAME = { zendesk: 'Zendesk', jira: 'Jira' } as const;

/** "The requester is told in French (their Zendesk language).", in the lead's `ui` language. */
export function noticeLanguageText(l: NoticeLanguage, host: 'zendesk' | 'jira', ui: Locale): string {
  const name = NAMES[ui][l.locale];
  const h = HOST_NAME[host];
  if (ui === 'fr') {
    const why = l.source === 'requester' ? `sa langue dans ${h}` : l.source === 'unsupported' ? `sa langue dans ${h}, « ${l.tag} », n’a pas de texte d’avis` : `la langue de la politique : ${h} ne donne pas celle du demandeur`;
    return `Le demandeur est informé en ${name} (${why}).`;
  }
  const why = l.source === 'requester' ? `their ${h} language` : l.source === 'unsupported' ? `their ${h} language, "${l.tag}", has no notice text` : `the policy's language: ${h} does not give the requester's`;
  return `The requester is told in ${name} (${why}).`;
}

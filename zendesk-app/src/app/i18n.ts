import type { Locale } from '@sla-desk/core';

/** The sidebar's own words; the SLA texts themselves come from core's view model. */
const STRINGS = {
  en: {
    priority: 'Priority',
    tier: 'Tier',
    fillIn: 'Fill in Impact and Urgency to set the priority.',
    override: 'Override priority',
    overrideTo: 'New priority',
    reason: 'Reason (required)',
    notify: 'Tell the requester',
    apply: 'Apply override',
    cancel: 'Cancel',
    stale: 'Zendesk did not answer: the data shown may be out of date.',
    missingFields: (f: string) => `These SLA Desk fields are missing: ${f}. Reinstall the app, or set field_ids.`,
    settingsFallback: 'Field ids come from the field_ids setting (no installed requirements).',
    policyError: 'The SLA policy setting is invalid; nothing is written until an admin fixes it:',
    saveError: 'SLA Desk could not update the SLA fields; the ticket is saved without them.',
    due: 'Due',
    why: 'Why this due time?',
    markMet: (label: string) => `Mark as met: ${label}`,
    policy: 'Policy',
    preview: 'New due times',
    breachesNow: 'breached at once',
    noticeLabel: 'Message to the requester (they see this, not the reason)',
  },
  fr: {
    priority: 'Priorité',
    tier: 'Niveau',
    fillIn: 'Renseignez l’impact et l’urgence pour fixer la priorité.',
    override: 'Modifier la priorité',
    overrideTo: 'Nouvelle priorité',
    reason: 'Raison (obligatoire)',
    notify: 'Informer le demandeur',
    apply: 'Appliquer',
    cancel: 'Annuler',
    stale: 'Zendesk n’a pas répondu : les données affichées peuvent être périmées.',
    missingFields: (f: string) => `Ces champs SLA Desk manquent : ${f}. Réinstallez l’application ou renseignez field_ids.`,
    settingsFallback: 'Les identifiants de champs viennent du paramètre field_ids (aucune exigence installée).',
    policyError: 'Le paramètre de politique SLA est invalide ; rien n’est écrit tant qu’un administrateur ne l’a pas corrigé :',
    saveError: 'SLA Desk n’a pas pu mettre à jour les champs SLA ; le billet est enregistré sans eux.',
    due: 'Échéance',
    why: 'Pourquoi cette échéance ?',
    markMet: (label: string) => `Marquer comme respecté : ${label}`,
    policy: 'Politique',
    preview: 'Nouvelles échéances',
    breachesNow: 'dépassé dès maintenant',
    noticeLabel: 'Message au demandeur (il voit ceci, pas la raison)',
  },
};

export type Strings = (typeof STRINGS)['en'];
export const stringsFor = (locale: Locale): Strings => STRINGS[locale];

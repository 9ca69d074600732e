/**
 * The words of the fields a host keeps a Metric's due instant in. Agents read these titles in
 * views, JQL and the ticket form, so they are words ("SLA: first response due"), never keys; both
 * hosts' installers use this one formula so that a field reads the same wherever it shows.
 */
export function dueFieldTitle(metricLabel: string): string {
  const label = metricLabel.trim();
  // "First response" -> "first response", but "RCA findings" keeps its capitals.
  const lower = /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
  return `SLA: ${lower} due`;
}

/** What a due field says of itself, for the admin who finds it in the field list. */
export const DUE_FIELD_DESCRIPTION = 'When the promise is due (ISO-8601 UTC), written by SLA Desk';

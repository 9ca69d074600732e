// Text from tickets and policies goes to terminals and spreadsheets: neither may run it.

const NAMED = new Map([['\n', '\\n'], ['\r', '\\r'], ['\t', '\\t']]);

/** Control characters as visible escapes, so a ticket id cannot move the cursor or split a row. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => NAMED.get(c) ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A CSV cell that a spreadsheet shows as text: one starting with = + - @ would be run as a formula
 * (OWASP's "CSV injection"), so it gets a leading apostrophe. That includes an overdue "-1h 05m".
 */
export function csvCell(raw: string): string {
  let s = printable(raw);
  // A lone "-" (our "no value") is not a formula.
  if (s.length > 1 && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

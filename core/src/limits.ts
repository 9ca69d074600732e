/**
 * What SLA Desk accepts, so that any policy the schema accepts checks and evaluates quickly, and
 * no input can make a process grow without bound. docs/policy.md lists them for admins.
 */

/** A policy file or pasted policy, in UTF-8 bytes: the CLI, the Zendesk setting and setConfig. */
export const MAX_POLICY_BYTES = 1 << 20;

/** One timeline record of `sla evaluate`/`sla report` input, in bytes. */
export const MAX_RECORD_BYTES = 1 << 20;

/**
 * An id's length (a tier's, a Priority's, a Metric's, ...): ids become tags, field values and the
 * Forge report's SQL columns (VARCHAR(64)), so one of unbounded length could be kept nowhere.
 */
export const MAX_ID_LENGTH = 64;

/** The longest Target: 10 years of working time, or as many business days. */
export const MAX_TARGET_MS = 10 * 365 * 24 * 3_600_000;
export const MAX_BUSINESS_DAYS = 10 * 365;

/** Counts: each bounds a loop in lint or in building a calendar's year. */
export const LIMITS = {
  tiers: 20,
  priorities: 10,
  metrics: 10,
  categories: 20,
  calendars: 10,
  levels: 10,
  /** Working windows on one day key (mon, weekdays, ...) and on holidays. */
  windowsPerDay: 24,
  holidaysPerCalendar: 500,
  holidayYears: 50,
  coverageCalendars: 10,
  maintenance: 10,
  assumptions: 500,
  notes: 100,
  designatedContacts: 100_000,
  supportedVersionMonths: 1200,
  claimFactor: 1000,
  /** Ordered rules that choose a ticket's tier, Targets or Calendar. */
  rules: 200,
  attributes: 20,
  /** Keys in one rule's `when`, and values under one key. */
  conditionKeys: 10,
  conditionValues: 100,
  ladderLevels: 10,
  ladderActions: 5,
} as const;

/** UTF-8 length without Buffer (the Zendesk sidebar runs this in a browser), stopping past `limit`. */
export function utf8Length(text: string, limit = Infinity): number {
  let n = 0;
  for (let i = 0; i < text.length && n <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** "1 MB" for the limits above, which are whole mebibytes. */
export function formatBytes(n: number): string {
  return n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20} MB` : `${n} bytes`;
}

/** Own keys only: a policy's ids are the admin's, and "constructor" or "toString" must not find Object.prototype's. */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string | null | undefined): T | undefined {
  return record !== undefined && key !== null && key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

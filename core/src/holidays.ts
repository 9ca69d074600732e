import Holidays from 'date-holidays';

/**
 * Generates a calendar's holidays from a date-holidays region (e.g. "CA-QC", "US", "GB-ENG").
 * The result is meant to be written into the policy file, where admins see and edit it: the
 * engine itself never consults date-holidays, so a policy means the same thing on every machine.
 */
export interface GeneratedHoliday {
  date: string;
  name: string;
}

export function generateHolidays(region: string, years: number[]): GeneratedHoliday[] {
  const [country, state, sub] = region.split('-');
  const hd = new Holidays();
  const known = hd.getCountries()[country] && (!state || hd.getStates(country)?.[state]) && (!sub || hd.getRegions(country, state)?.[sub]);
  if (known) hd.init(country, state, sub, { types: ['public', 'bank'] });
  if (!known) {
    throw new Error(`unknown holiday region "${region}" (expected a date-holidays code like US, CA-QC, GB-ENG)`);
  }
  const out: GeneratedHoliday[] = [];
  for (const y of years) {
    for (const h of hd.getHolidays(y)) {
      if (h.type !== 'public' && h.type !== 'bank') continue;
      // date-holidays gives "YYYY-MM-DD hh:mm:ss" in the region's local time; the day is what counts.
      const date = h.date.slice(0, 10);
      if (!out.some((o) => o.date === date)) out.push({ date, name: h.name });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

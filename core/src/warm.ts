import { getCompiled } from './policy';
import type { Policy } from './schema';
import { SUPPORTED_YEARS, warmZoneYear } from './zone';

/**
 * What an evaluation of a ticket created at `createdAt`, evaluated at `at`, reads of its policy's
 * Calendars, as small steps: each zone's offsets for every year from the creation to `at`, then
 * each Calendar's tables for the years around both ends and its working totals for the years
 * between. A host adapter that serves many accounts on one event loop runs a few steps between
 * turns (warmSome), so that a ticket imported with a creation date in 1901, on a policy of ten
 * zones, never holds the loop for its whole history: the evaluation then finds it all cached.
 * Each step returns false when it found its part cached already.
 */
export function warmPlan(policy: Policy, createdAt: number, at: number): (() => boolean)[] {
  const cp = getCompiled(policy);
  const first = Math.max(SUPPORTED_YEARS.min, new Date(Math.min(createdAt, at)).getUTCFullYear() - 1);
  const last = Math.min(SUPPORTED_YEARS.max, new Date(at).getUTCFullYear() + 1);
  const ends = (y: number) => y <= first + 2 || y >= last - 2;
  const steps: (() => boolean)[] = [];
  const zones = new Set([...cp.calendars.values()].map((c) => c.zone));
  for (const zone of zones) for (let y = first; y <= last; y++) steps.push(() => warmZoneYear(zone, y));
  for (const c of new Set(cp.calendars.values())) for (let y = first; y <= last; y++) steps.push(() => c.warmYear(y, ends(y)));
  // warmSome takes from the end: the zones' offsets first, which the Calendars' steps read.
  return steps.reverse();
}

/** Runs steps until `budget` of them did work (cached ones cost nothing); the rest wait for the next call. */
export function warmSome(steps: (() => boolean)[], budget: number): number {
  let done = 0;
  while (steps.length && done < budget) if (steps.pop()!()) done++;
  return done;
}

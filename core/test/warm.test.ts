import { decisionToJSON, evaluate } from '../src/evaluate';
import { validatePolicyText } from '../src/lint';
import { getCompiled, type Policy } from '../src/policy';
import { TimelineSchema } from '../src/timeline';
import { warmPlan, warmSome } from '../src/warm';
import { offsetLookups } from '../src/zone';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { hostilePolicy1901, ticket1901 } = require('./fixtures/old-ticket.cjs') as { hostilePolicy1901(): object; ticket1901: Record<string, unknown> };

/**
 * Issue 17, point 10, on a shared event loop: what an evaluation of a ticket from 1901 reads of
 * ten Calendars can be filled ahead, a step at a time, so that the host adapter gives the loop a
 * turn between steps and the evaluation itself finds everything cached. Work is counted here
 * (years built, zone offsets read), never timed; `npm run bench` times the service's stall.
 */
const NOW = Date.parse('2026-11-20T15:00:00Z');
const TEXT = JSON.stringify(hostilePolicy1901());
const fresh = (): Policy => validatePolicyText(TEXT).policy!;
const yearsBuilt = (p: Policy) => [...new Set(getCompiled(p).calendars.values())].reduce((n, c) => n + c.compiledYears().length, 0);

test('after the warm-up, the evaluation reads no zone offset and builds no year, and decides the same', () => {
  const timeline = TimelineSchema.parse(ticket1901);
  // First in this file (each test file has its own module registry): no zone is cached yet.
  const p = fresh();
  const steps = warmPlan(p, Date.parse(String(ticket1901.createdAt)), NOW);
  expect(steps.length).toBeGreaterThan(100);
  while (steps.length) warmSome(steps, 4);
  const before = { offsets: offsetLookups(), years: yearsBuilt(p) };
  const warm = decisionToJSON(evaluate(p, timeline, NOW));
  expect({ offsets: offsetLookups(), years: yearsBuilt(p) }).toEqual(before);
  // The same decision as a policy compiled afresh and evaluated without a warm-up.
  expect(warm).toEqual(decisionToJSON(evaluate(fresh(), timeline, NOW)));
});

test('each step does one small part: one year table at most, and a call stops at its budget', () => {
  const p = fresh();
  const steps = warmPlan(p, Date.parse('1950-06-01T00:00:00Z'), NOW);
  const total = steps.length;
  let calls = 0;
  for (let last = yearsBuilt(p); steps.length; calls++) {
    const did = warmSome(steps, 1);
    expect(did).toBeLessThanOrEqual(1);
    const now = yearsBuilt(p);
    expect(now - last).toBeLessThanOrEqual(1);
    last = now;
  }
  expect(calls).toBeGreaterThan(1);
  expect(calls).toBeLessThanOrEqual(total);
  // Once done, a new plan finds everything cached: no step does work.
  const again = warmPlan(p, Date.parse('1950-06-01T00:00:00Z'), NOW);
  expect(warmSome(again, again.length)).toBe(0);
});

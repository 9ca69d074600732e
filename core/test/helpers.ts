import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { buildCalendar } from '../src/policy';
import { validatePolicyText } from '../src/lint';
import { parsePolicy } from '../src/parse';
import { Policy } from '../src/policy';
import { CalendarSchema, PolicyInput } from '../src/schema';
import { TimelineInput, TimelineSchema, Timeline } from '../src/timeline';

export const T = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t) || !/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`bad test instant ${iso}`);
  return t;
};
export const iso = (t: number): string => new Date(t).toISOString();
export const MIN = 60_000;
export const HOUR = 3_600_000;

/** A calendar from its policy form, validated like a policy would be. */
export function cal(spec: unknown, name = 'test') {
  return buildCalendar(name, CalendarSchema.parse(spec));
}

export function presetText(id: string): string {
  return readFileSync(join(__dirname, '..', 'presets', `${id}.yaml`), 'utf8');
}

export function preset(id: string): Policy {
  const { policy, problems } = parsePolicy(presetText(id));
  if (!policy) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return policy;
}

export function presetRaw(id: string): PolicyInput {
  return parse(presetText(id));
}

/** A preset's text with a change applied to its raw form, as an admin would paste it. */
export function variantText(id: string, change: (p: PolicyInput & Record<string, any>) => void): string {
  const raw = presetRaw(id) as PolicyInput & Record<string, any>;
  change(raw);
  return JSON.stringify(raw);
}

/** A policy from a preset with a change applied to its raw form. */
export function variant(id: string, change: (p: PolicyInput & Record<string, any>) => void): Policy {
  const { policy, problems } = parsePolicy(variantText(id, change));
  if (!policy) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return policy;
}

/** The errors a check finds in a policy's text, each as "path: message". */
export function errorsOf(text: string): string[] {
  return validatePolicyText(text).problems.filter((p) => p.level === 'error').map((p) => `${p.path}: ${p.message}`);
}

export function timeline(t: TimelineInput): Timeline {
  return TimelineSchema.parse(t);
}

/** The union of [from, to) spans as sorted disjoint flat pairs, touching ones joined: the plain way, to check the engine's. */
export function unionOf(spans: readonly (readonly [number, number] | number[])[]): number[] {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [a, b] of sorted) {
    if (out.length && a <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], b);
    else out.push(a, b);
  }
  return out;
}

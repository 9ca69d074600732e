import { z } from 'zod';
import { parseDuration } from './duration';
import { isValidZone } from './zone';
import { localDayOf, parseWindow, WEEKDAYS } from './calendar';

export { WEEKDAYS };

/**
 * The policy file format. Field names are what an admin writes; ids (tiers, priorities, metrics,
 * calendars) are the admin's own. docs/policy.md is the reference for every field here.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected an id: letters, digits, _ . -' });

const duration = z.union([z.string(), z.number()], { error: 'expected a duration' }).superRefine((v, ctx) => {
  if (!parseDuration(v)) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 30m, 4h, 1h30m, 2d, none or agreement; got "${v}"` });
  }
});

const calendarRef = z.union([id, z.array(id).min(1)], { error: 'expected a calendar name or a list of names' });

export const TargetSchema = z.union(
  [
    duration,
    z.strictObject({
      in: duration,
      calendar: calendarRef.optional(),
      assumed: z.string().min(1).optional(),
    }),
  ],
  { error: 'expected a duration' },
);

const window = z.string({ error: 'expected a window like "09:00-17:00"' }).superRefine((v, ctx) => {
  try {
    parseWindow(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const localDate = z.string({ error: 'expected a date like 2026-12-25' }).superRefine((v, ctx) => {
  try {
    localDayOf(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const holiday = z.union([localDate, z.strictObject({ date: localDate, name: z.string().optional() })]);

const dayKeys = [...WEEKDAYS, 'weekdays', 'weekend', 'daily'] as const;

export const CalendarSchema = z.union([
  z.literal('24x7'),
  z.strictObject({
    zone: z.string().refine(isValidZone, { error: 'expected an IANA time zone like Europe/Berlin' }),
    hours: z.union([
      z.literal('24x7'),
      z.partialRecord(z.enum(dayKeys, { error: `expected a day: ${dayKeys.join(', ')}` }), z.array(window)),
    ]),
    holidays: z.array(holiday).default([]),
    holidayHours: z.array(window).default([]),
    holidaysFrom: z
      .strictObject({ region: z.string(), years: z.array(z.number().int()).optional() })
      .optional(),
    label: z.string().optional(),
  }),
]);

const level = z.strictObject({ id: z.union([id, z.number().transform(String)]), label: z.string(), description: z.string().optional() });

export const ClassificationSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({
      method: z.literal('matrix'),
      impact: z.array(level).min(1),
      urgency: z.array(level).min(1),
      matrix: z.record(z.string(), z.record(z.string(), id)),
    }),
    z.strictObject({ method: z.literal('requester'), reclassify: z.boolean().default(true) }),
    z.strictObject({ method: z.literal('severity') }),
  ],
  { error: 'expected method: matrix, requester or severity' },
);

export const ZENDESK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

const priority = z.strictObject({
  label: z.string(),
  description: z.string().optional(),
  zendesk: z.enum(ZENDESK_PRIORITIES, { error: 'expected a Zendesk priority: low, normal, high or urgent' }),
  jira: z.string().min(1),
});

export const METRIC_STOPS = ['first_public_reply', 'solved', 'met_event'] as const;

const metric = z.strictObject({
  label: z.string(),
  stopsAt: z.enum(METRIC_STOPS, { error: `expected one of ${METRIC_STOPS.join(', ')}` }),
  pauseStatuses: z.array(z.string()).optional(),
  description: z.string().optional(),
});

const targetsByMetric = z.record(id, TargetSchema);

const tier = z.strictObject({
  label: z.string(),
  calendar: id.optional(),
  entitlements: z
    .strictObject({
      designatedContacts: z.number().int().positive().optional(),
      supportedVersionMonths: z.number().int().positive().optional(),
      notes: z.array(z.string()).optional(),
    })
    .optional(),
  claims: z.strictObject({ fasterThan: id, factor: z.number().positive() }).optional(),
  targets: z.record(id, targetsByMetric).default({}),
});

const category = z.strictObject({
  label: z.string(),
  sla: z.boolean().default(true),
  targets: targetsByMetric.optional(),
  description: z.string().optional(),
});

const atRisk = z.union(
  [
    z.strictObject({ percentElapsed: z.number().gt(0).lt(100) }),
    z.strictObject({ remaining: duration }),
  ],
  { error: 'expected { percentElapsed: 75 } or { remaining: 1h }' },
);

/** Which of a host's statuses mean one of the policy's clock words (see status.ts). */
const hostStatus = z.strictObject({
  names: z.array(z.string().min(1)).max(100).optional(),
  categories: z.array(z.string().min(1)).max(10).optional(),
  ids: z.array(z.union([z.string().min(1), z.number().int().positive()])).max(100).optional(),
});

export const PolicySchema = z.strictObject({
  sla: z.literal(1, { error: 'expected sla: 1 (the policy format version)' }),
  id,
  name: z.string(),
  source: z.string().optional(),
  locale: z.string().default('en'),
  classification: ClassificationSchema,
  priorities: z.record(id, priority).refine((r) => Object.keys(r).length > 0, { error: 'expected at least one priority' }),
  metrics: z.record(id, metric).refine((r) => Object.keys(r).length > 0, { error: 'expected at least one metric' }),
  calendars: z.record(id, CalendarSchema).default({}),
  calendar: id.default('24x7'),
  categories: z.record(id, category).default({ incident: { label: 'Incident', sla: true } }),
  defaultCategory: id.optional(),
  tiers: z.record(id, tier).refine((r) => Object.keys(r).length > 0, { error: 'expected at least one tier' }),
  defaultTier: id.optional(),
  coverage: z.record(id, z.array(id).min(1)).default({}),
  clock: z
    .strictObject({
      // Zendesk's own word is "hold"; "on-hold" is kept only as a word a policy may still map.
      pauseStatuses: z.array(z.string()).default(['pending', 'hold']),
      solvedStatuses: z.array(z.string()).default(['solved', 'closed']),
      reopen: z.enum(['resume', 'restart'], { error: 'expected resume or restart' }).default('resume'),
      priorityChange: z.enum(['recompute', 'restart'], { error: 'expected recompute or restart' }).default('recompute'),
      atRisk: atRisk.default({ percentElapsed: 75 }),
      hosts: z
        .strictObject({
          zendesk: z.record(z.string(), hostStatus).optional(),
          jira: z.record(z.string(), hostStatus).optional(),
        })
        .optional(),
    })
    .prefault({}),
  maintenance: z.array(z.strictObject({ label: z.string(), calendar: id })).default([]),
  assumptions: z.array(z.strictObject({ path: z.string(), note: z.string() })).default([]),
});

export type PolicyInput = z.input<typeof PolicySchema>;
export type Policy = z.output<typeof PolicySchema>;
export type CalendarSpec = z.output<typeof CalendarSchema>;
export type TargetSpec = z.output<typeof TargetSchema>;

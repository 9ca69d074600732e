import { z } from 'zod';
import { durationProblem } from './duration';
import { LIMITS, MAX_ID_LENGTH } from './limits';
import { isValidZone } from './zone';
import { localDayOf, parseWindow, WEEKDAYS } from './calendar';

export { WEEKDAYS };

/**
 * The policy file format. Field names are what an admin writes; ids (tiers, priorities, metrics,
 * calendars) are the admin's own. docs/policy.md is the reference for every field here.
 */

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected an id: letters, digits, _ . -' })
  .max(MAX_ID_LENGTH, { error: `expected an id of at most ${MAX_ID_LENGTH} characters` });

/**
 * A record keyed by the admin's ids, as a null-prototype object: "constructor" or "toString" as
 * an id then finds only what the admin wrote, never Object.prototype's, wherever it is looked up.
 */
function ownRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, max?: number, what?: string) {
  const r = z.record(key, value);
  const capped = max === undefined ? r : r.refine((o) => Object.keys(o).length <= max, { error: `at most ${max} ${what ?? 'entries'}` });
  return capped.transform((o) => Object.assign(Object.create(null) as typeof o, o));
}

const duration = z.union([z.string(), z.number()], { error: 'expected a duration' }).superRefine((v, ctx) => {
  const problem = durationProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const calendarRef = z.union([id, z.array(id).min(1).max(LIMITS.coverageCalendars)], { error: 'expected a calendar name or a list of names' });

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

// Each window is a loop in building a calendar's year: bounded, so every calendar builds fast.
const windows = z.array(window).max(LIMITS.windowsPerDay, { error: `at most ${LIMITS.windowsPerDay} windows a day` });

const holiday = z.union([localDate, z.strictObject({ date: localDate, name: z.string().optional() })]);

const dayKeys = [...WEEKDAYS, 'weekdays', 'weekend', 'daily'] as const;

export const CalendarSchema = z.union([
  z.literal('24x7'),
  z.strictObject({
    zone: z.string().refine(isValidZone, { error: 'expected an IANA time zone like Europe/Berlin' }),
    hours: z.union([
      z.literal('24x7'),
      z.partialRecord(z.enum(dayKeys, { error: `expected a day: ${dayKeys.join(', ')}` }), windows),
    ]),
    holidays: z.array(holiday).max(LIMITS.holidaysPerCalendar, { error: `at most ${LIMITS.holidaysPerCalendar} holidays in one calendar` }).default([]),
    holidayHours: windows.default([]),
    holidaysFrom: z
      .strictObject({ region: z.string(), years: z.array(z.number().int().min(1901).max(2200)).max(LIMITS.holidayYears).optional() })
      .optional(),
    label: z.string().optional(),
  }).superRefine((c, ctx) => {
    // The keys stack (mon, weekdays and daily all fall on a Monday): the cap is on the day's total.
    if (c.hours === '24x7') return;
    for (const day of WEEKDAYS) {
      const keys = dayKeys.filter((k) => k === day || k === 'daily' || (k === 'weekdays' ? !['sat', 'sun'].includes(day) : k === 'weekend' && ['sat', 'sun'].includes(day)));
      const count = keys.reduce((n, k) => n + ((c.hours as Record<string, string[] | undefined>)[k]?.length ?? 0), 0);
      if (count > LIMITS.windowsPerDay) {
        ctx.addIssue({ code: 'custom', path: ['hours'], message: `at most ${LIMITS.windowsPerDay} windows a day; ${day} has ${count} (from ${keys.filter((k) => (c.hours as Record<string, unknown>)[k]).join(', ')})` });
        return;
      }
    }
  }),
]);

const level = z.strictObject({ id: z.union([id, z.number().transform(String)]), label: z.string(), description: z.string().optional() });

export const ClassificationSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({
      method: z.literal('matrix'),
      impact: z.array(level).min(1).max(LIMITS.levels),
      urgency: z.array(level).min(1).max(LIMITS.levels),
      matrix: ownRecord(z.string(), ownRecord(z.string(), id)),
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

/**
 * A condition on the ticket: each key (tag, organization, brand, form, group, status, priority,
 * tier, category, or one of the policy's attributes) lists the values it accepts; every key must
 * hold. `tag` holds when the ticket has any of the tags.
 */
const conditionValue = z.union([z.string().trim().min(1), z.number().transform(String)], { error: 'expected a value (text)' });
export const ConditionSchema = ownRecord(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'expected a condition key: tag, organization, brand, form, group, status, priority, tier, category or an attribute' }),
  z.union([conditionValue.transform((v) => [v]), z.array(conditionValue).min(1).max(LIMITS.conditionValues)]),
).refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= LIMITS.conditionKeys, { error: `expected 1 to ${LIMITS.conditionKeys} condition keys` });

/** A ladder threshold: a share of the Target, working time left, the breach, or time after it. */
const threshold = z.union(
  [
    z.strictObject({ percent: z.number().gt(0).lt(100) }),
    z.strictObject({ remaining: duration }),
    z.strictObject({ breached: z.literal(true) }),
    z.strictObject({ afterBreach: duration }),
  ],
  { error: 'expected { percent: 50 }, { remaining: 1h }, { breached: true } or { afterBreach: 1h }' },
);

/** The fixed, safe set of things a ladder level may do; each host runs them once per cycle. */
const action = z.union(
  [
    z.strictObject({ note: z.literal(true) }),
    z.strictObject({ tag: z.string().regex(/^[a-z0-9_]{1,80}$/, { error: 'expected a tag: lower-case letters, digits and _' }) }),
    z.strictObject({ notify: z.url({ protocol: /^https$/, error: 'expected an https URL' }) }),
    z.strictObject({ raisePriority: z.literal(true) }),
    z.strictObject({ assignGroup: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]) }),
  ],
  { error: 'expected an action: { note: true }, { tag: … }, { notify: https://… }, { raisePriority: true } or { assignGroup: … }' },
);

const ladderLevel = z.strictObject({
  at: threshold,
  label: z.string().optional(),
  actions: z.array(action).max(LIMITS.ladderActions).default([]),
});


export const METRIC_STOPS = ['first_public_reply', 'solved', 'met_event', 'next_public_reply', 'periodic_update', 'group_ownership', 'condition'] as const;
/** Where a periodic update's first cycle starts. */
export const PERIODIC_STARTS = ['created', 'first_public_reply'] as const;

const metric = z
  .strictObject({
    label: z.string(),
    stopsAt: z.enum(METRIC_STOPS, { error: `expected one of ${METRIC_STOPS.join(', ')}` }),
    pauseStatuses: z.array(z.string()).optional(),
    startsAt: z.enum(PERIODIC_STARTS, { error: `expected one of ${PERIODIC_STARTS.join(', ')}` }).optional(),
    /** A group_ownership Metric's group: its id or name, as the host adapter reads the ticket's group. */
    // A Zendesk group id written unquoted is a number in YAML: it means the same id.
    group: z.union([z.string().trim().min(1, { error: 'expected the group\'s id or name' }), z.number().int().nonnegative().transform(String)], { error: 'expected the group\'s id or name' }).optional(),
    /** Escalation levels, in the order they are reached. */
    ladder: z.array(ladderLevel).max(LIMITS.ladderLevels).optional(),
    /** Pause while any of these holds (a tag, a field's value, a status), besides pauseStatuses. */
    pauseWhen: z.array(ConditionSchema).max(LIMITS.conditionKeys).optional(),
    /** stopsAt: condition: the Clock stops the first time this holds. */
    stopWhen: ConditionSchema.optional(),
    description: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.stopsAt === 'group_ownership' && m.group === undefined) ctx.addIssue({ code: 'custom', path: ['group'], message: 'a group_ownership metric names its group (the id or name the host gives)' });
    if (m.stopsAt !== 'group_ownership' && m.group !== undefined) ctx.addIssue({ code: 'custom', path: ['group'], message: 'only a group_ownership metric has a group' });
    if (m.stopsAt === 'condition' && m.stopWhen === undefined) ctx.addIssue({ code: 'custom', path: ['stopWhen'], message: 'a metric that stops at a condition names it in stopWhen' });
    if (m.stopsAt !== 'condition' && m.stopWhen !== undefined) ctx.addIssue({ code: 'custom', path: ['stopWhen'], message: 'only a metric with stopsAt: condition has stopWhen' });
    // Only a periodic update chooses where it starts; elsewhere the word would be silently ignored.
    if (m.startsAt !== undefined && m.stopsAt !== 'periodic_update') ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'only a periodic_update metric has startsAt (created or first_public_reply)' });
  });

const targetsByMetric = ownRecord(id, TargetSchema);

const tier = z.strictObject({
  label: z.string(),
  calendar: id.optional(),
  entitlements: z
    .strictObject({
      designatedContacts: z.number().int().positive().max(LIMITS.designatedContacts).optional(),
      supportedVersionMonths: z.number().int().positive().max(LIMITS.supportedVersionMonths).optional(),
      notes: z.array(z.string()).max(LIMITS.notes).optional(),
    })
    .optional(),
  claims: z.strictObject({ fasterThan: id, factor: z.number().positive().max(LIMITS.claimFactor) }).optional(),
  targets: ownRecord(id, targetsByMetric).prefault({}),
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
  priorities: ownRecord(id, priority, LIMITS.priorities, 'priorities').refine((r) => Object.keys(r).length > 0, { error: 'expected at least one priority' }),
  metrics: ownRecord(id, metric, LIMITS.metrics, 'metrics').refine((r) => Object.keys(r).length > 0, { error: 'expected at least one metric' }),
  calendars: ownRecord(id, CalendarSchema, LIMITS.calendars, 'calendars').prefault({}),
  calendar: id.default('24x7'),
  categories: ownRecord(id, category, LIMITS.categories, 'categories').prefault({ incident: { label: 'Incident', sla: true } }),
  defaultCategory: id.optional(),
  tiers: ownRecord(id, tier, LIMITS.tiers, 'tiers').refine((r) => Object.keys(r).length > 0, { error: 'expected at least one tier' }),
  defaultTier: id.optional(),
  coverage: ownRecord(id, z.array(id).min(1).max(LIMITS.coverageCalendars)).prefault({}),
  clock: z
    .strictObject({
      // Zendesk's own word is "hold"; "on-hold" is kept only as a word a policy may still map.
      pauseStatuses: z.array(z.string()).default(['pending', 'hold']),
      solvedStatuses: z.array(z.string()).default(['solved', 'closed']),
      reopen: z.enum(['resume', 'restart'], { error: 'expected resume or restart' }).default('resume'),
      priorityChange: z.enum(['recompute', 'restart'], { error: 'expected recompute or restart' }).default('recompute'),
      atRisk: atRisk.default({ percentElapsed: 75 }),
      /** Pause every Metric while any of these holds (a Metric's own pauseWhen replaces it). */
      pauseWhen: z.array(ConditionSchema).max(LIMITS.conditionKeys).default([]),
      hosts: z
        .strictObject({
          zendesk: z.record(z.string(), hostStatus).optional(),
          jira: z.record(z.string(), hostStatus).optional(),
        })
        .optional(),
    })
    .prefault({}),
  // A ticket with no Priority yet (no Impact or Urgency) is still on a clock: this one, until it has one.
  triage: z
    .strictObject({ in: duration, calendar: calendarRef.optional(), label: z.string().default('Triage') })
    .optional(),
  maintenance: z.array(z.strictObject({ label: z.string(), calendar: id })).max(LIMITS.maintenance).default([]),
  /** Named ticket attributes that rules read, each mapped per host (hosts read them; core only names them). */
  attributes: ownRecord(
    id,
    z.strictObject({
      label: z.string().optional(),
      zendesk: z.strictObject({ ticketField: z.number().int().positive().optional(), userField: z.string().min(1).optional(), organizationField: z.string().min(1).optional() }).optional(),
      jira: z.strictObject({ field: z.string().regex(/^customfield_\d+$/, { error: 'expected a custom field id like customfield_10070' }).optional(), component: z.literal(true).optional(), requestType: z.literal(true).optional() }).optional(),
    }),
    LIMITS.attributes,
    'attributes',
  ).prefault({}),
  /**
   * Ordered rules, as Zendesk's policies and JSM's goals: the first whose `when` holds chooses the
   * ticket's tier, Targets of its own (over its tier x priority row), or the Calendar they count on.
   */
  rules: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        when: ConditionSchema,
        tier: id.optional(),
        targets: targetsByMetric.optional(),
        calendar: calendarRef.optional(),
      }),
    )
    .max(LIMITS.rules, { error: `at most ${LIMITS.rules} rules` })
    .default([]),
  assumptions: z.array(z.strictObject({ path: z.string(), note: z.string() })).max(LIMITS.assumptions).default([]),
});

export type PolicyInput = z.input<typeof PolicySchema>;
export type Policy = z.output<typeof PolicySchema>;
export type CalendarSpec = z.output<typeof CalendarSchema>;
export type TargetSpec = z.output<typeof TargetSchema>;

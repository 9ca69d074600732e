import { z } from 'zod';
import { isRealInstant } from './instant';

/**
 * The host-neutral ticket timeline: what a host adapter reads from Zendesk or Jira, and all that
 * evaluate() needs. docs/timeline.md is its reference.
 */

// An instant must carry its offset: a bare local time would be read in the machine's zone.
const instant = z
  .string({ error: 'expected an ISO-8601 instant' })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, {
    error: 'expected an ISO-8601 instant with a zone offset, like 2026-03-02T09:30:00Z',
  })
  .refine(isRealInstant, { error: 'not a real date and time' });

export const FIELDS = ['impact', 'urgency', 'priority', 'tier', 'category', 'status', 'group', 'organization', 'brand', 'form'] as const;
export type FieldName = (typeof FIELDS)[number];

const value = z.union([z.string(), z.number().transform(String), z.null()]);
const tagList = z.array(z.string().min(1).max(200)).max(1000);

export const EventSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('field'), at: instant, field: z.enum(FIELDS, { error: `expected a field: ${FIELDS.join(', ')}` }), value }),
    z.strictObject({ type: z.literal('reply'), at: instant, public: z.boolean(), author: z.enum(['agent', 'requester']) }),
    z.strictObject({ type: z.literal('solved'), at: instant }),
    z.strictObject({ type: z.literal('reopened'), at: instant }),
    z.strictObject({
      type: z.literal('override'),
      at: instant,
      by: z.string().min(1),
      from: z.string().nullable().optional(),
      to: z.string().min(1),
      reason: z.string().trim().min(1, { error: 'an override needs a reason' }),
      notify: z.boolean().default(false),
    }),
    z.strictObject({ type: z.literal('met'), at: instant, metric: z.string().min(1) }),
    // The whole list after a change, as Zendesk's tags Change and Jira's labels item give it.
    z.strictObject({ type: z.literal('tags'), at: instant, tags: tagList }),
    z.strictObject({ type: z.literal('attribute'), at: instant, name: z.string().min(1).max(64), value }),
  ],
  { error: 'expected an event type: field, reply, solved, reopened, override, met, tags or attribute' },
);

export const TimelineSchema = z.strictObject({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  createdAt: instant,
  fields: z.partialRecord(z.enum(FIELDS, { error: `expected a field: ${FIELDS.join(', ')}` }), value).default({}),
  requester: z.strictObject({ designated: z.boolean().optional() }).optional(),
  organization: z.strictObject({ designatedContacts: z.number().int().nonnegative().optional() }).optional(),
  product: z.strictObject({ version: z.string().optional(), releasedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}/, { error: 'expected a date like 2025-06-30' }).optional() }).optional(),
  /** The ticket's tags (Zendesk) or labels (Jira) at creation. */
  tags: tagList.default([]),
  /** The policy's named attributes at creation (attributes:), as each host maps them. */
  attributes: z.record(z.string().min(1).max(64), value).default({}),
  events: z.array(EventSchema).default([]),
});

export type TimelineInput = z.input<typeof TimelineSchema>;
export type Timeline = z.output<typeof TimelineSchema>;
export type TimelineEvent = z.output<typeof EventSchema>;
export type OverrideEvent = Extract<TimelineEvent, { type: 'override' }>;

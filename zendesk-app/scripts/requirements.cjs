'use strict';
/**
 * requirements.json for the Zendesk package: what installing the app creates. Zendesk reads it at
 * install time, before any setting is chosen, so the tagger options and the due fields come from the
 * default policy.
 *
 * Tag values are the contract with the sidebar (src/zaf/fields.ts reads them back):
 *   Impact  option -> sla_impact_<level id>
 *   Urgency option -> sla_urgency_<level id>
 *   Tier    option -> sla_tier_<tier id>   (the same tag as the tier badge)
 */

// The same tag formula as core's tier badge: the tagger values and the badge must agree.
const { tagPart, dueFieldTitle, DUE_FIELD_DESCRIPTION } = require('@sla-desk/core');

function options(levels, prefix) {
  return levels.map((l) => ({ name: `${l.id}. ${l.label}`, value: `${prefix}${tagPart(l.id)}` }));
}

/** @param defaultPolicy a validated policy; @param allPolicies every bundled preset */
function requirementsFor(defaultPolicy, allPolicies) {
  const c = defaultPolicy.classification;
  const ticketFields = {};
  if (c.method === 'matrix') {
    ticketFields.sla_impact = { type: 'tagger', title: 'Impact', custom_field_options: options(c.impact, 'sla_impact_') };
    ticketFields.sla_urgency = { type: 'tagger', title: 'Urgency', custom_field_options: options(c.urgency, 'sla_urgency_') };
  }
  ticketFields.sla_tier = {
    type: 'tagger',
    title: 'Tier',
    custom_field_options: Object.entries(defaultPolicy.tiers).map(([id, t]) => ({ name: t.label, value: `sla_tier_${tagPart(id)}` })),
  };
  // The default policy's due fields only: an install makes no field its policy does not use. A
  // policy chosen later gets its own from the setup (src/zaf/setup.ts: the hosted service, or the
  // app's admin page), by the same title.
  for (const [id, m] of Object.entries(defaultPolicy.metrics)) {
    // Text, not date: a date field holds no time of day. ISO-8601 UTC text sorts in views.
    ticketFields[`sla_due_${tagPart(id)}`] = { type: 'text', title: dueFieldTitle(m.label), description: DUE_FIELD_DESCRIPTION };
  }
  // The policy priority in a field of its own: policies can have more priorities than Zendesk's
  // four (S3 and S4 are both "normal"). Options for the priorities of every bundled preset; a
  // pasted policy with other ids needs its options added by hand (value sla_priority_<id>).
  const priorities = new Map();
  // Keyed by the option's tag: ids that differ only in case (zendesk-parity's "high", jsm-parity's
  // "High") are one option, since Zendesk refuses two options with one value.
  for (const p of [defaultPolicy, ...allPolicies]) for (const [id, pr] of Object.entries(p.priorities)) if (!priorities.has(tagPart(id))) priorities.set(tagPart(id), [id, pr.label]);
  ticketFields.sla_priority = {
    type: 'tagger',
    title: 'SLA priority',
    description: 'The policy priority; SLA Desk maps the native priority from it',
    custom_field_options: [...priorities.values()].map(([id, label]) => ({ name: label.startsWith(id) ? label : `${id}. ${label}`, value: `sla_priority_${tagPart(id)}` })),
  };
  ticketFields.sla_state = { type: 'text', title: 'SLA state', description: 'The most urgent SLA state of the ticket, written by SLA Desk' };
  // The escalation ladder's level, a number so that a view can select "SLA level greater than 1".
  ticketFields.sla_level = { type: 'integer', title: 'SLA level', description: 'The highest escalation level the ticket reached, written by SLA Desk' };
  // Entitlements (seed 003): the product version's release date on the ticket, whether the
  // requester is a designated contact, and how many designated contacts an organization has.
  ticketFields.sla_version_released = { type: 'date', title: 'Version released on', description: 'Release date of the version the requester uses' };
  // The next breach (core's nextBreach): the earliest due of a running Metric, a breached one's
  // breach instant, empty while no clock runs. Last in the list, so the ids of the fields above do
  // not move. Which type a view can sort on (Zendesk's docs, checked 2026-12):
  //  - Views API, Create View, "View columns" and "View sorting": `output.sort_by` and `group_by`
  //    take a column of the View columns table, and "for custom fields, specify the id of the
  //    custom field in the columns array"; only description (Subject), submitter and
  //    custom_status_id cannot sort (developer.zendesk.com/api-reference/ticketing/business-rules/views/;
  //    the same text in Zendesk's OpenAPI file). So a custom field of any type can order a view.
  //  - Help Center, "Understanding custom ticket fields in business rules and views"
  //    (support.zendesk.com/hc/articles/4408834953114): custom field columns sort by their value
  //    as text, drop-downs by their options' tags, alphabetically.
  //  - Date fields hold no time of day (HOSTS.md), an integer of epoch seconds is unreadable in a
  //    column. ISO-8601 UTC text ("2026-11-20T15:30:00.000Z") is fixed-width in one zone, so its
  //    text order is its time order, and an agent can read it.
  ticketFields.sla_next_breach = { type: 'text', title: 'SLA next breach', description: 'When the ticket next breaches (ISO-8601 UTC; in the past once breached), written by SLA Desk' };
  return {
    ticket_fields: ticketFields,
    user_fields: { sla_designated_contact: { type: 'checkbox', key: 'sla_designated_contact', title: 'Designated contact' } },
    organization_fields: { sla_designated_contacts: { type: 'integer', key: 'sla_designated_contacts', title: 'Designated contacts' } },
    // The service (zendesk-app/service) gives tickets nobody opens their priority and SLA fields.
    // Zendesk generates the webhook's signing secret at install: the admin copies it into the
    // service's SLA_WEBHOOK_SECRET, sets the endpoint to where the service runs, and activates it.
    // It is installed inactive because the endpoint is not known at install: an active webhook on a
    // placeholder would send every ticket event nowhere and trip Zendesk's circuit breaker.
    // A webhook has no `title` (Webhooks API; zendesk_apps_support's validator checks name,
    // status, endpoint, http_method and request_format for webhooks instead).
    webhooks: {
      sla_desk_service: {
        name: 'SLA Desk service',
        description: 'Set the endpoint to https://<your SLA Desk service>/webhook, then activate it.',
        status: 'inactive',
        endpoint: 'https://sla-desk.invalid/webhook',
        http_method: 'POST',
        request_format: 'json',
        subscriptions: ['conditional_ticket_events'],
      },
    },
    // The triage lead's queue: unsolved tickets with a clock running, the next breach first (a
    // breached ticket's is in the past, so those lead). Views API, Create View: `all` needs a
    // condition on status, type, group_id, assignee_id or requester_id; `output` holds at most 10
    // columns and the sort. A requirement names another requirement by its identifier, as the
    // trigger below names the webhook: here the next-breach field, in the condition, the columns
    // and the sort. That Zendesk resolves a field's identifier inside a view is unverified (the
    // requirements guide shows it for targets and webhooks); README says how to set the column by
    // hand if an install leaves it out.
    views: {
      sla_next_breach_first: {
        title: 'SLA: next breach first',
        description: 'Unsolved tickets with an SLA clock running, the soonest breach first (breached tickets lead). Created by SLA Desk.',
        active: true,
        all: [
          { field: 'status', operator: 'less_than', value: 'solved' },
          { field: 'custom_fields_sla_next_breach', operator: 'present', value: null },
        ],
        output: {
          columns: ['nice_id', 'description', 'sla_next_breach', 'sla_state', 'priority', 'group', 'assignee', 'updated'],
          sort_by: 'sla_next_breach',
          sort_order: 'asc',
        },
      },
    },
    triggers: {
      sla_desk_evaluate: {
        title: 'SLA Desk: evaluate the ticket',
        conditions: {
          all: [],
          any: [
            { field: 'update_type', operator: 'is', value: 'Create' },
            { field: 'update_type', operator: 'is', value: 'Change' },
          ],
        },
        actions: [{ field: 'notification_webhook', value: ['sla_desk_service', '{"ticket_id": "{{ticket.id}}"}'] }],
      },
    },
  };
}

module.exports = { requirementsFor, tagPart, options, dueFieldTitle };

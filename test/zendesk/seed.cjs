'use strict';
// A seeded Zendesk ticket for the ZAF emulator: a KIWI STAGE+ ticket with the app's fields
// installed and its creation audit. Shared by the browser tests and npm run bench.

const ids = { impact: 11, urgency: 12, tier: 13, state: 14, first_response: 15, resolution: 16 };
const requirements = Object.fromEntries(
  [
    ['sla_impact', ids.impact],
    ['sla_urgency', ids.urgency],
    ['sla_tier', ids.tier],
    ['sla_state', ids.state],
    ['sla_due_first_response', ids.first_response],
    ['sla_due_resolution', ids.resolution],
  ].map(([k, v]) => [`requirement:${k}`, { requirement_id: v, requirement_type: 'ticket_fields' }]),
);

function seedOf(s) {
  return {
    settings: { policy_preset: 'kiwi-stage-plus', lead_groups: 'Triage' },
    values: {
      'ticket.id': 42,
      'ticket.createdAt': s.createdAt,
      'ticket.status': 'open',
      'ticket.priority': 'normal',
      'ticket.tags': [],
      'ticket.organization': null,
      currentUser: { id: 2, name: 'Lea', role: s.role ?? 'agent', groups: s.groups ?? [], locale: 'en-US' },
      ...requirements,
      [`ticket.customField:custom_field_${ids.impact}`]: s.impact && `sla_impact_${s.impact}`,
      [`ticket.customField:custom_field_${ids.urgency}`]: s.urgency && `sla_urgency_${s.urgency}`,
      [`ticket.customField:custom_field_${ids.tier}`]: `sla_tier_${s.tier ?? 'basic'}`,
    },
    users: [
      { id: 1, role: 'end-user' },
      { id: 2, role: 'agent' },
    ],
    audits: [
      {
        id: 1,
        created_at: s.createdAt,
        author_id: 1,
        events: [
          { type: 'Create', field_name: 'status', value: 'open' },
          ...(s.impact ? [{ type: 'Create', field_name: String(ids.impact), value: `sla_impact_${s.impact}` }] : []),
          ...(s.urgency ? [{ type: 'Create', field_name: String(ids.urgency), value: `sla_urgency_${s.urgency}` }] : []),
          { type: 'Create', field_name: String(ids.tier), value: `sla_tier_${s.tier ?? 'basic'}` },
        ],
      },
      ...(s.events ?? []),
    ],
  };
}

module.exports = { ids, requirements, seedOf };

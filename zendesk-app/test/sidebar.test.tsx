/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { overrideNote } from '@sla-desk/core';
import { ThemeProvider } from '@zendeskgarden/react-theming';
import { App } from '../src/app/App';
import { TicketSidebar } from '../src/app/locations/TicketSidebar';
import { ClientProvider } from '../src/app/ClientProvider';
import { preset, stubClient } from './helpers';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const requirements = {
  'requirement:sla_impact': { requirement_id: 11 },
  'requirement:sla_urgency': { requirement_id: 12 },
  'requirement:sla_tier': { requirement_id: 13 },
  'requirement:sla_state': { requirement_id: 14 },
  'requirement:sla_due_first_response': { requirement_id: 15 },
  'requirement:sla_due_resolution': { requirement_id: 16 },
};

function ticket(opts: { role?: string; groups?: { id: number; name: string }[]; settings?: Record<string, unknown>; audits?: unknown[]; impact?: string | null; urgency?: string | null; requirementsInstalled?: boolean; failAudits?: boolean; users?: unknown[]; requests?: Record<string, unknown> } = {}) {
  const handlers: Record<string, ((...a: unknown[]) => unknown)[]> = {};
  const values: Record<string, unknown> = {
    __settings: { policy_preset: 'kiwi-stage-plus', lead_groups: 'Triage', ...opts.settings },
    'ticket.id': 42,
    'ticket.createdAt': '2026-11-20T14:00:00Z',
    'ticket.status': 'open',
    'ticket.priority': 'normal',
    'ticket.tags': ['vip'],
    currentUser: { id: 2, name: 'Lea', role: opts.role ?? 'agent', groups: opts.groups ?? [], locale: 'en-US' },
    ...(opts.requirementsInstalled === false ? {} : requirements),
    'ticket.customField:custom_field_11': opts.impact === undefined ? 'sla_impact_2' : opts.impact,
    'ticket.customField:custom_field_12': opts.urgency === undefined ? 'sla_urgency_2' : opts.urgency,
    'ticket.customField:custom_field_13': 'sla_tier_basic',
  };
  const audits = opts.audits ?? [
    { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'open' }] },
  ];
  const stub = stubClient(values, opts.failAudits ? { '/api/v2/tickets/42/audits.json?include=users': new Error('503') } : { '/api/v2/tickets/42/audits.json?include=users': { audits, users: opts.users ?? [{ id: 1, role: 'end-user' }, { id: 2, role: 'agent' }] }, '/api/v2/tickets/42.json': {}, ...opts.requests });
  stub.client.on = (event, handler) => {
    stub.calls.push({ method: 'on', args: [event] });
    (handlers[event] ??= []).push(handler);
  };
  const fire = async (event: string, ...args: unknown[]) => {
    let result: unknown;
    await act(async () => {
      for (const h of handlers[event] ?? []) result = await h(...args);
    });
    return result;
  };
  return { ...stub, fire };
}

const mount = (client: ReturnType<typeof ticket>['client']) =>
  render(
    <ThemeProvider>
      <ClientProvider client={client}>
        <TicketSidebar now={() => NOW} />
      </ClientProvider>
    </ThemeProvider>,
  );

test('shows the priority from the matrix with its reason, the tier badge and the countdowns', async () => {
  const t = ticket();
  mount(t.client);
  expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', 'Important × High → P2');
  expect(screen.getByTestId('tier-badge').textContent).toBe('Basic');
  // P2 Basic: 2 business hours from 09:00 Toronto; at 10:00 one hour is left.
  expect(screen.getByTestId('countdown-first_response').textContent).toBe('1h 00m business time left');
  expect(screen.getByTestId('countdown-first_response').getAttribute('role')).toBe('timer');
  expect(screen.getByTestId('clock-first_response').textContent).toBe('KIWI business hours, Toronto');
  expect(screen.getByTestId('policy-context').textContent).toBe('KIWI STAGE+ · Basic');
  expect(screen.getByTestId('announce').getAttribute('aria-live')).toBe('polite');
  expect(screen.getByTestId('metric-first_response').getAttribute('data-tone')).toBe('success');
  // "Why this due time?" is worked out when opened: the counted span makes the 2h Target.
  const why = screen.getByTestId('why-first_response') as HTMLDetailsElement;
  await act(async () => {
    why.open = true;
    fireEvent(why, new Event('toggle'));
  });
  const lines = screen.getByTestId('why-lines-first_response').textContent!;
  expect(lines).toContain('Target 2h of business time, counted on KIWI business hours, Toronto.');
  expect(lines).toContain('Counted 2h 00m = the Target 2h.');
});

/** Wraps a client so each call takes a little while, and counts waves of overlapping calls. */
function withLatency(client: ReturnType<typeof ticket>['client']) {
  let inFlight = 0;
  const waves = { count: 0 };
  const slow = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    if (inFlight++ === 0) waves.count++;
    try {
      await new Promise((r) => setTimeout(r, 5));
      return await fn(...a);
    } finally {
      inFlight--;
    }
  };
  client.get = slow(client.get.bind(client));
  client.request = slow(client.request.bind(client)) as typeof client.request;
  client.metadata = slow(client.metadata.bind(client));
  return waves;
}

test('loads in two round trips: settings with one batched get, then the custom fields and the audits together', async () => {
  const t = ticket();
  const waves = withLatency(t.client);
  mount(t.client);
  await screen.findByTestId('priority-reason');
  expect(waves.count).toBe(2);
  const gets = t.calls.filter((c) => c.method === 'get');
  expect(gets).toHaveLength(2);
  expect(gets[0].args[0]).toEqual(expect.arrayContaining(['ticket.id', 'currentUser', 'requirement:sla_impact']));
  expect(t.calls.filter((c) => c.method === 'request')).toHaveLength(1);
});

test('a change of Urgency sets the native priority at once', async () => {
  const t = ticket();
  mount(t.client);
  await screen.findByTestId('priority-reason');
  await t.fire('ticket.custom_field_12.changed', 'sla_urgency_1');
  expect(t.calls).toContainEqual({ method: 'set', args: ['ticket.priority', 'high'] });
  await waitFor(() => expect(screen.getByTestId('priority-reason').textContent).toBe('Important × Critical → P2'));
  await t.fire('ticket.custom_field_11.changed', 'sla_impact_1');
  expect(t.calls).toContainEqual({ method: 'set', args: ['ticket.priority', 'urgent'] });
});

test('with no urgency yet it says what to fill in and leaves the priority alone', async () => {
  const t = ticket({ urgency: null });
  mount(t.client);
  expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', 'Fill in Urgency');
  await t.fire('ticket.custom_field_11.changed', 'sla_impact_3');
  expect(t.calls.filter((c) => c.method === 'set' && c.args[0] === 'ticket.priority')).toEqual([]);
});

test('on save it writes the due instants, the state and the tier tag, and lets the save through', async () => {
  const t = ticket();
  mount(t.client);
  await screen.findByTestId('priority-reason');
  const result = await t.fire('ticket.save');
  expect(result).toBe(true);
  expect(t.values['ticket.customField:custom_field_15']).toBe('2026-11-20T16:00:00.000Z');
  expect(t.values['ticket.customField:custom_field_16']).toBe('2026-11-24T14:00:00.000Z');
  expect(t.values['ticket.customField:custom_field_14']).toBe('running');
  expect(t.values['ticket.tags']).toEqual(['vip', 'sla_tier_basic']);
  // The tier tag is added by itself; the list is never set whole (it would drop tags added since).
  expect(t.calls).toContainEqual({ method: 'invoke', args: ['ticket.tags.add', ['sla_tier_basic']] });
  expect(t.calls.filter((c) => c.method === 'set' && c.args[0] === 'ticket.tags')).toEqual([]);
});

test('a failing write on save is shown and never blocks the save', async () => {
  const t = ticket();
  t.client.set = async () => {
    throw new Error('form is gone');
  };
  mount(t.client);
  await screen.findByTestId('priority-reason');
  expect(await t.fire('ticket.save')).toBe(true);
  expect(await screen.findByText(/could not update the SLA fields/)).toBeTruthy();
});

test('triage leads see the override; agents do not', async () => {
  const lead = ticket({ groups: [{ id: 7, name: 'Triage' }] });
  const { unmount } = mount(lead.client);
  expect(await screen.findByTestId('override-open')).toBeTruthy();
  unmount();
  const agent = ticket({ groups: [{ id: 8, name: 'Support' }] });
  mount(agent.client);
  await screen.findByTestId('priority-reason');
  expect(screen.queryByTestId('override-open')).toBeNull();
});

test("the override note gives its instant in the lead's own zone (ZAF's currentUser.timeZone), the policy's words kept", async () => {
  const t = ticket({ role: 'admin' });
  t.values.currentUser = { ...(t.values.currentUser as object), timeZone: { ianaName: 'Asia/Tokyo' } };
  mount(t.client);
  fireEvent.click(await screen.findByTestId('override-open'));
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P1' } });
  fireEvent.change(screen.getByTestId('override-reason'), { target: { value: 'Production is down' } });
  await act(async () => {
    fireEvent.click(screen.getByTestId('override-apply'));
  });
  const put = t.calls.find((c) => c.method === 'request' && (c.args[0] as { type?: string }).type === 'PUT')!.args[0] as { data: string };
  expect(JSON.parse(put.data).ticket.comment.body).toBe('Priorité modifiée par Lea le sam. 21 nov., 00 h 00 Tokyo (ven. 20 nov., 15 h 00 UTC) : P2 → P1.\nRaison : Production is down\n[sla-desk override 2026-11-20T15:00:00.000Z P2 P1 "Lea"]');
});

test('an override needs a reason, then writes the audit note and is honoured', async () => {
  const t = ticket({ role: 'admin' });
  mount(t.client);
  fireEvent.click(await screen.findByTestId('override-open'));
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P1' } });
  fireEvent.click(screen.getByTestId('override-apply'));
  expect(await screen.findByTestId('override-error')).toHaveProperty('textContent', 'reason: a reason of at least 3 characters is required');
  expect(t.calls.filter((c) => c.method === 'request' && (c.args[0] as { type?: string }).type === 'PUT')).toEqual([]);
  // Too short still: the error stays; a reason core accepts clears it before Apply.
  fireEvent.change(screen.getByTestId('override-reason'), { target: { value: 'Pr' } });
  expect(screen.getByTestId('override-error').textContent).toMatch(/^reason: /);
  fireEvent.change(screen.getByTestId('override-reason'), { target: { value: 'Production is down' } });
  expect(screen.queryByTestId('override-error')).toBeNull();
  await act(async () => {
    fireEvent.click(screen.getByTestId('override-apply'));
  });
  const put = t.calls.find((c) => c.method === 'request' && (c.args[0] as { type?: string }).type === 'PUT')!.args[0] as { data: string };
  const body = JSON.parse(put.data).ticket.comment;
  expect(body.public).toBe(false);
  // In the policy's language (KIWI's is French), and its zone where ZAF gives no zone of the lead's.
  expect(body.body).toBe('Priorité modifiée par Lea le ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC) : P2 → P1.\nRaison : Production is down\n[sla-desk override 2026-11-20T15:00:00.000Z P2 P1 "Lea"]');
  await waitFor(() => expect(screen.getByTestId('priority-reason').textContent).toBe('Override by Lea: P2 → P1 (Production is down)'));
  expect(t.calls).toContainEqual({ method: 'set', args: ['ticket.priority', 'urgent'] });
  // Applied, the form closes; opened again it is empty, and starts from a priority other than the new P1.
  expect(screen.queryByTestId('override-form')).toBeNull();
  fireEvent.click(screen.getByTestId('override-open'));
  expect((screen.getByTestId('override-reason') as HTMLTextAreaElement).value).toBe('');
  expect((screen.getByTestId('override-to') as HTMLSelectElement).value).toBe('P2');
});

test('an override previews the new due times and warns of a breach at once; the notice is the requester’s own text', async () => {
  const t = ticket({ role: 'admin' });
  t.values['ticket.requester'] = { id: 1, name: 'Ana', locale: 'fr-CA' };
  mount(t.client);
  fireEvent.click(await screen.findByTestId('override-open'));
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P1' } });
  // P2 Basic's first response is due 11:00 Toronto; P1's 1h from 09:00 is already past at 10:00.
  expect(screen.getByTestId('preview-first_response').textContent).toMatch(/^Initial response: .* → .*breached at once$/);
  expect(screen.getByTestId('preview-breach-first_response')).toBeTruthy();
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P4' } });
  expect(screen.queryByTestId('preview-breach-first_response')).toBeNull();
  fireEvent.change(screen.getByTestId('override-reason'), { target: { value: 'Internal: customer is noisy' } });
  const box = screen.queryByTestId('override-notice') ?? (fireEvent.click(screen.getByText('Tell the requester')), screen.getByTestId('override-notice'));
  // In the requester's language, and without the internal reason; the lead is told which and why.
  expect((box as HTMLTextAreaElement).value).toBe('Nous avons changé la priorité de votre demande : elle est maintenant P4. Nous vous tiendrons informé de son avancement.');
  expect(screen.getByTestId('override-notice-language').textContent).toBe('The requester is told in French (their Zendesk language).');
  await act(async () => {
    fireEvent.click(screen.getByTestId('override-apply'));
  });
  const puts = t.calls.filter((c) => c.method === 'request' && (c.args[0] as { type?: string }).type === 'PUT').map((c) => JSON.parse((c.args[0] as { data: string }).data).ticket);
  expect(puts).toHaveLength(2);
  expect(puts[1]).toEqual({ comment: { body: expect.not.stringContaining('noisy'), public: true }, metadata: { sla_desk: 'override-notice' } });
});

test('a requester without a Zendesk language is told in the policy\'s, and the form says so', async () => {
  const t = ticket({ role: 'admin', settings: { notify_on_override: true } });
  t.values['ticket.requester'] = { id: 1, name: 'Ana' };
  mount(t.client);
  fireEvent.click(await screen.findByTestId('override-open'));
  // KIWI's policy is in French (locale: fr); the lead reads English.
  expect((screen.getByTestId('override-notice') as HTMLTextAreaElement).value).toMatch(/^Nous avons changé la priorité de votre demande/);
  expect(screen.getByTestId('override-notice-language').textContent).toBe("The requester is told in French (the policy's language: Zendesk does not give the requester's).");
});

test('the preview warns when the new priority makes resolution due before the first response', async () => {
  const t = ticket({ role: 'admin' });
  mount(t.client);
  fireEvent.click(await screen.findByTestId('override-open'));
  // KIWI Basic P3: first response in 8h, resolution in 4h.
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P3' } });
  expect(screen.getByTestId('preview-due-order').textContent).toBe('⚠ Resolution would be due before Initial response: the ticket would have to be solved before anyone answers it.');
  fireEvent.change(screen.getByTestId('override-to'), { target: { value: 'P4' } });
  expect(screen.queryByTestId('preview-due-order')).toBeNull();
});

test('a promise met by an event has a button, and the countdown stops at once', async () => {
  const created = { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'open' }, { type: 'Create', field_name: 'tags', value: ['sla_category_data_issue'] }] };
  const t = ticket({ settings: { policy_preset: 'scale' }, audits: [created] });
  t.values['ticket.tags'] = ['sla_category_data_issue'];
  mount(t.client);
  const button = await screen.findByTestId('met-findings');
  expect(button.textContent).toBe('Mark as met: Findings');
  await act(async () => {
    fireEvent.click(button);
  });
  expect(t.calls).toContainEqual({ method: 'invoke', args: ['ticket.tags.add', ['sla_met_findings']] });
  await waitFor(() => expect(screen.getByTestId('metric-findings').getAttribute('data-state')).toBe('met'));
  expect(screen.queryByTestId('met-findings')).toBeNull();
});

test('a tier changed in the form that would breach at once is said before saving', async () => {
  const t = ticket();
  mount(t.client);
  await screen.findByTestId('priority-reason');
  expect(screen.queryByText(/would be breached as soon as you save/)).toBeNull();
  // Plus promises P2 a first response within 1h: from 09:00 Toronto that is now, 10:00.
  await t.fire('ticket.custom_field_13.changed', 'sla_tier_plus');
  expect(await screen.findByText('With this tier, Initial response would be breached as soon as you save.')).toBeTruthy();
  await t.fire('ticket.custom_field_13.changed', 'sla_tier_basic');
  await waitFor(() => expect(screen.queryByText(/would be breached as soon as you save/)).toBeNull());
});

test('in French: the countdown, the calendar and why this due time', async () => {
  const t = ticket();
  t.values.currentUser = { id: 2, name: 'Léa', role: 'agent', groups: [], locale: 'fr-CA', timeZone: { ianaName: 'America/Toronto' } };
  mount(t.client);
  await screen.findByTestId('priority-reason');
  expect(screen.getByTestId('countdown-first_response').textContent).toBe('1 h 00 min restantes en heures ouvrées');
  expect(screen.getByTestId('due-first_response').textContent).toMatch(/^Échéance ven\. 20 nov\..* 11 h 00 Toronto$/);
  expect(screen.getByTestId('priority-reason').textContent).toBe('Important × High → P2');
  const why = screen.getByTestId('why-first_response') as HTMLDetailsElement;
  expect(why.querySelector('summary')!.textContent).toBe('Pourquoi cette échéance ?');
  await act(async () => {
    why.open = true;
    fireEvent(why, new Event('toggle'));
  });
  expect(screen.getByTestId('why-lines-first_response').textContent).toContain('Compté 2 h 00 min = la cible 2h.');
});

test('the priority field is locked for non-leads when the setting is on', async () => {
  const t = ticket({ settings: { lock_priority: true } });
  mount(t.client);
  await screen.findByTestId('priority-reason');
  expect(t.calls).toContainEqual({ method: 'invoke', args: ['ticketFields:priority.disable'] });
});

test('an invalid policy setting shows its errors with paths and writes nothing', async () => {
  const t = ticket({ settings: { policy_document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }' } });
  mount(t.client);
  expect(await screen.findByText(/policy setting is invalid/)).toBeTruthy();
  expect(screen.getByText(/policy_document: classification.method: expected method: matrix, requester or severity/)).toBeTruthy();
  expect(t.calls.filter((c) => c.method === 'set')).toEqual([]);
});

test('without installed requirements it names the missing fields', async () => {
  const t = ticket({ requirementsInstalled: false, settings: { field_ids: JSON.stringify({ impact: 11, urgency: 12 }) } });
  mount(t.client);
  expect(await screen.findByText(/These SLA Desk fields are missing: sla_tier, sla_state, sla_due_first_response, sla_due_resolution/)).toBeTruthy();
  expect(screen.getByText(/field_ids setting/)).toBeTruthy();
});

test('when the audits cannot be read even after a retry, the data is shown as stale', async () => {
  const t = ticket({ failAudits: true });
  mount(t.client);
  expect(await screen.findByText(/may be out of date/)).toBeTruthy();
  expect(t.calls.filter((c) => c.method === 'request')).toHaveLength(2);
});

test('the whole app renders inside Garden\'s theme', async () => {
  const t = ticket();
  render(<App client={t.client} />);
  expect(await screen.findByTestId('tier-badge')).toBeTruthy();
});

test('the tier can come from an organization field, by id or label; an unknown one falls back with a warning', async () => {
  const t = ticket({ settings: { tier_source: 'organization_field:support_plan' } });
  t.values['ticket.organization.customField:support_plan'] = 'Plus';
  const { unmount } = mount(t.client);
  expect(await screen.findByTestId('tier-badge')).toHaveProperty('textContent', 'Plus');
  unmount();
  const u = ticket({ settings: { tier_source: 'organization_field:support_plan' } });
  u.values['ticket.organization.customField:support_plan'] = 'Gold';
  mount(u.client);
  expect(await screen.findByTestId('tier-badge')).toHaveProperty('textContent', 'Basic');
  expect(screen.getByTestId('warning').textContent).toBe('Unknown tier "Gold": using the default tier "Basic"');
});

test('entitlement warnings: an undesignated requester, too many contacts, an old version', async () => {
  const t = ticket();
  t.values['requirement:sla_version_released'] = { requirement_id: 17 };
  t.values['ticket.customField:custom_field_17'] = '2024-05-01';
  // The documented ZAF paths; the ticket.requester object itself carries no custom fields.
  t.values['ticket.requester'] = { id: 1, name: 'Sam' };
  t.values['ticket.requester.customField:sla_designated_contact'] = false;
  t.values['ticket.organization.customField:sla_designated_contacts'] = 3;
  t.values.__settings = { policy_preset: 'scalr', lead_groups: 'Triage' };
  mount(t.client);
  await screen.findByTestId('tier-badge');
  expect(screen.getAllByTestId('warning').map((w) => w.textContent)).toEqual(
    expect.arrayContaining([
      'The requester is not a designated contact',
      'The organization has 3 designated contacts; the tier allows 2',
      'This version was released more than 12 months ago: consultative support only',
    ]),
  );
});

describe('an override counts only from a triage lead, checked against the account', () => {
  const note = (by: string) => overrideNote(preset('kiwi-stage-plus'), { type: 'override', at: '2026-11-20T14:30:00.000Z', by, from: 'P2', to: 'P1', reason: 'Production is down', notify: false });
  const users = [
    { id: 1, role: 'end-user' },
    { id: 5, role: 'agent' },
    { id: 6, role: 'agent' },
  ];
  // The Groups API answers for each agent who wrote a note: 5 is in Support, 6 in Triage (the lead group).
  const requests = { '/api/v2/users/5/groups.json': { groups: [{ id: 9, name: 'Support' }] }, '/api/v2/users/6/groups.json': { groups: [{ id: 10, name: 'Triage' }] } };
  const audits = (author: number, isPublic: boolean) => [
    { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'open' }] },
    { id: 2, created_at: '2026-11-20T14:30:00Z', author_id: author, events: [{ type: 'Comment', public: isPublic, author_id: author, body: note('Sam') }] },
  ];
  const MATRIX = 'Important × High → P2';

  test.each([
    ['an agent outside the lead groups', 5, false],
    ['an end user', 1, false],
    ['a lead, but in a public comment', 6, true],
  ])('a forged note from %s is an ordinary note', async (_who, author, isPublic) => {
    const t = ticket({ audits: audits(author, isPublic), users, requests });
    mount(t.client);
    expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', MATRIX);
    // An end user's or a public note needs no look-up; an agent's groups are read from the account.
    const looked = t.calls.filter((c) => c.method === 'request' && String((c.args[0] as { url: string }).url).endsWith('/groups.json'));
    expect(looked).toHaveLength(author === 5 ? 1 : 0);
  });

  test("a lead's private note is the override", async () => {
    const t = ticket({ audits: audits(6, false), users, requests });
    mount(t.client);
    expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', 'Override by Sam: P2 → P1 (Production is down)');
  });

  test('when the groups cannot be read, the note does not count and the data is marked stale', async () => {
    const t = ticket({ audits: audits(6, false), users, requests: { '/api/v2/users/6/groups.json': new Error('503') } });
    mount(t.client);
    expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', MATRIX);
  });
});

test('severity policies: the SLA priority field keeps S4 apart from S3, and the native priority follows the field', async () => {
  const audits = [
    { id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'open' }, { type: 'Create', field_name: 'priority', value: 'normal' }, { type: 'Create', field_name: '18', value: 'sla_priority_s4' }] },
  ];
  const t = ticket({ settings: { policy_preset: 'bespoke-s1-s5' }, audits });
  t.values['requirement:sla_priority'] = { requirement_id: 18 };
  t.values['ticket.customField:custom_field_18'] = 'sla_priority_s4';
  mount(t.client);
  // Native "normal" alone would read as S3, the first to map to it.
  expect(await screen.findByTestId('priority-reason')).toHaveProperty('textContent', 'Severity S4');
  // The policy and the tier no longer run together.
  expect(screen.getByTestId('policy-context').textContent).toBe('Bespoke Software Support Agreement · Support Agreement');
  await t.fire('ticket.custom_field_18.changed', 'sla_priority_s2');
  expect(t.calls).toContainEqual({ method: 'set', args: ['ticket.priority', 'high'] });
  await waitFor(() => expect(screen.getByTestId('priority-reason').textContent).toBe('Severity S2'));
  // Save writes the SLA priority with the rest.
  await t.fire('ticket.save');
  expect(t.values['ticket.customField:custom_field_18']).toBe('sla_priority_s2');
});

describe('zendesk-parity: a recurring Metric shows its open cycle and the cycles before it (issue 19)', () => {
  // The due fields requirements.json creates for the preset's metrics (every bundled preset's).
  const parityFields = { next_reply: 21, periodic_update: 22, pausable_update: 23, requester_wait: 24, agent_work: 25, support_owns: 26 };
  const at = (hhmm: string) => `2026-11-20T${hhmm}:00Z`;
  const say = (id: number, hhmm: string, author: number) => ({ id, created_at: at(hhmm), author_id: author, events: [{ type: 'Comment', public: true, author_id: author, body: 'text' }] });
  // Urgent (next reply in 2h): first reply 10:10; 10:20 -> 11:00 met; 11:10 -> 13:30 breached (2h20).
  const conversation = [
    { id: 1, created_at: at('10:00'), author_id: 1, events: [{ type: 'Comment', public: true, author_id: 1, body: 'It is down' }, { type: 'Create', field_name: 'status', value: 'open' }, { type: 'Create', field_name: 'priority', value: 'urgent' }] },
    say(2, '10:10', 2),
    say(3, '10:20', 1),
    say(4, '11:00', 2),
    say(5, '11:10', 1),
    say(6, '13:30', 2),
  ];
  const parity = (audits: unknown[]) => {
    const t = ticket({ settings: { policy_preset: 'zendesk-parity' }, audits });
    t.values['ticket.priority'] = 'urgent';
    for (const [metric, id] of Object.entries(parityFields)) t.values[`requirement:sla_due_${metric}`] = { requirement_id: id };
    return t;
  };

  test('a message waiting since 14:00: its countdown, "1 of 2 met", and its due written on save', async () => {
    const t = parity([...conversation, say(7, '14:00', 1)]);
    mount(t.client);
    expect(await screen.findByTestId('countdown-next_reply')).toHaveProperty('textContent', '1h 00m left');
    expect(screen.getByTestId('metric-next_reply').getAttribute('data-state')).toBe('running');
    expect(screen.getByTestId('cycles-next_reply').textContent).toBe('1 of 2 met');
    // The first response has one cycle only: no count.
    expect(screen.queryByTestId('cycles-first_response')).toBeNull();
    expect(screen.queryByText(/These SLA Desk fields are missing/)).toBeNull();
    await t.fire('ticket.save');
    expect(t.values[`ticket.customField:custom_field_${parityFields.next_reply}`]).toBe('2026-11-20T16:00:00.000Z');
    // The update owed since the 13:30 reply: 4h.
    expect(t.values[`ticket.customField:custom_field_${parityFields.periodic_update}`]).toBe('2026-11-20T17:30:00.000Z');
  });

  test('answered, nothing waits: the last cycle shows, and its field is emptied on save', async () => {
    const t = parity(conversation);
    t.values[`ticket.customField:custom_field_${parityFields.next_reply}`] = '2026-11-20T13:10:00.000Z';
    mount(t.client);
    expect(await screen.findByTestId('cycles-next_reply')).toHaveProperty('textContent', '1 of 2 met');
    expect(screen.getByTestId('metric-next_reply').getAttribute('data-state')).toBe('breached');
    await t.fire('ticket.save');
    expect(t.values[`ticket.customField:custom_field_${parityFields.next_reply}`]).toBe('');
  });

  test('in French, from core\'s words', async () => {
    const t = parity([...conversation, say(7, '14:00', 1)]);
    t.values.currentUser = { id: 2, name: 'Léa', role: 'agent', groups: [], locale: 'fr-CA' };
    mount(t.client);
    expect(await screen.findByTestId('cycles-next_reply')).toHaveProperty('textContent', '1 sur 2 respectés');
  });
});

describe('rules and ladders (issue 20): the rule that matched, the ladder\'s level, attributes read through ZAF', () => {
  const doc = `
sla: 1
id: ruled
name: Ruled
classification: { method: requester }
priorities:
  P1: { label: P1, zendesk: urgent, jira: Highest }
  P2: { label: P2, zendesk: normal, jira: Medium }
metrics:
  first_response:
    label: First reply
    stopsAt: first_public_reply
    ladder:
      - { at: { percent: 50 }, label: Tell the agent, actions: [{ note: true }] }
      - { at: { breached: true }, label: Breached, actions: [{ note: true }] }
calendar: 24x7
tiers:
  std: { label: Standard, targets: { P1: { first_response: 4h }, P2: { first_response: 4h } } }
defaultTier: std
attributes:
  region: { label: Region, zendesk: { userField: region } }
  product: { label: Product, zendesk: { ticketField: 20 } }
rules:
  - name: EMEA requesters
    when: { region: [emea] }
    targets: { first_response: 90m }
  - name: Mobile
    when: { product: [mobile] }
    targets: { first_response: 30m }
`;
  test('a user-field attribute chooses the rule; the ladder shows the level reached and the next', async () => {
    const t = ticket({ settings: { policy_document: doc } });
    t.values['ticket.requester.customField:region'] = 'EMEA';
    // The agent's own zone (ZAF's currentUser.timeZone), so the instant reads the same on any machine.
    t.values.currentUser = { ...(t.values.currentUser as object), timeZone: { ianaName: 'Europe/Berlin' } };
    mount(t.client);
    expect(await screen.findByTestId('policy-rule')).toHaveProperty('textContent', 'Rule 1: EMEA requesters');
    // 90 minutes from 14:00: level 1 (half) at 14:45 is behind at 15:00, the breach at 15:30 ahead.
    expect(screen.getByTestId('level-first_response').textContent).toBe('Level 1 of 2: Tell the agent · level 2 of 2 at Fri 20 Nov, 16:30 Berlin');
  });
  test('a ticket-field attribute, from the audits: the second rule', async () => {
    const audits = [{ id: 1, created_at: '2026-11-20T14:00:00Z', author_id: 1, events: [{ type: 'Create', field_name: 'status', value: 'open' }, { type: 'Create', field_name: '20', value: 'mobile' }] }];
    const t = ticket({ settings: { policy_document: doc }, audits });
    mount(t.client);
    expect(await screen.findByTestId('policy-rule')).toHaveProperty('textContent', 'Rule 2: Mobile');
    expect(screen.getByTestId('level-first_response').textContent).toBe('Level 2 of 2: Breached');
  });
});

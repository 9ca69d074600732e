/**
 * @jest-environment jsdom
 */
import { render } from '@testing-library/react';
import type { MetricView, TicketView } from '@sla-desk/core';
import { ThemeProvider } from '@zendeskgarden/react-theming';
import { firstView } from '../src/app/first-view';
import { stringsFor } from '../src/app/i18n';
import type { Notice } from '../src/app/notice-list';
import { SidebarView } from '../src/app/SidebarView';

// Every part of a view model that SidebarView draws, so that each is compared; the real browser test
// (test/zendesk/sidebar.browser.test.ts) compares the two on a ticket, their look included.
const metric = (m: Partial<MetricView> & Pick<MetricView, 'metric' | 'state' | 'tone'>): MetricView => ({
  label: m.metric,
  stateLabel: m.state,
  text: `${m.metric} countdown`,
  clockText: null,
  resumesText: null,
  line: '',
  dueText: null,
  businessTime: true,
  stopped: false,
  ...m,
});

const view: TicketView = {
  priority: { label: 'P1', reason: 'Extended × Critical → P1', overridden: false },
  tier: { label: 'Plus', tag: 'sla_tier_plus', fallback: false },
  context: 'KIWI STAGE+ · Plus',
  ruleText: 'Rule 1: VIP <organizations>',
  metrics: [
    metric({ metric: 'first_response', label: 'Initial response', state: 'at_risk', tone: 'warning', stateLabel: 'At risk', clockText: 'KIWI business hours, Toronto', resumesText: 'resumes Mon 08:30 Toronto', dueText: 'Fri 20 Nov, 16:00 Toronto', levelText: 'Level 1 of 2: Tell the lead' }),
    metric({ metric: 'next_reply', state: 'running', tone: 'success', cyclesText: '1 of 2 met', clockText: '24/7' }),
    metric({ metric: 'resolution', state: 'breached', tone: 'danger', dueText: 'Thu 19 Nov, 16:00 Toronto' }),
    metric({ metric: 'findings', state: 'paused', tone: 'neutral' }),
    metric({ metric: 'workaround', state: 'met', tone: 'info', stopped: true }),
    metric({ metric: 'triage', state: 'not_applicable', tone: 'neutral' }),
  ],
  maintenance: [{ label: 'window', text: 'Maintenance until 18:00' }],
  warnings: ['The calendar has no hours on 25 Dec'],
  tone: 'danger',
};
const notices: Notice[] = [
  { kind: 'error', text: 'The SLA policy setting is invalid', details: ['policy_document: line 3', 'tiers: missing'] },
  { kind: 'warning', text: 'Zendesk did not answer' },
  { kind: 'info', text: 'Field ids come from the field_ids setting' },
];

/** Each test id's text (the screen reader's announcement aside: the first view leaves it to the UI). */
function seen(root: Element) {
  return Object.fromEntries([...root.querySelectorAll<HTMLElement>('[data-testid]')].filter((e) => e.dataset.testid !== 'announce').map((e) => [e.dataset.testid!, e.textContent]));
}

for (const locale of ['en', 'fr'] as const) {
  test(`the first view shows what SidebarView shows for the same view model and notices (${locale})`, () => {
    const t = stringsFor(locale);
    const ui = render(
      <ThemeProvider>
        <SidebarView t={t} view={view} notices={notices} override={null} />
      </ThemeProvider>,
    );
    const plain = firstView(t, view, notices);
    expect(seen(plain)).toEqual(seen(ui.container));
    // The notices (drawn plain by SidebarView too while Garden's alerts load) and their details.
    expect(plain.querySelectorAll('.sla-notice').length).toBe(3);
    expect([...plain.querySelectorAll('.sla-mono')].map((e) => e.textContent)).toEqual(['policy_document: line 3', 'tiers: missing']);
    expect(plain.textContent).toContain(notices[1].text);
    // Text goes in as text: a policy's "<organizations>" is not markup.
    expect(plain.querySelector('[data-testid="policy-rule"]')!.innerHTML).toBe('Rule 1: VIP &lt;organizations&gt;');
    // The state tags take the tone's hue, the tier kale and maintenance orange, as SidebarView's.
    expect([...plain.querySelectorAll('[data-testid^="state-"]')].map((e) => e.className)).toEqual(['sla-tag sla-tag-yellow', 'sla-tag sla-tag-green', 'sla-tag sla-tag-red', 'sla-tag sla-tag-grey', 'sla-tag sla-tag-blue', 'sla-tag sla-tag-grey']);
    expect(plain.querySelector('[data-testid="tier-badge"]')!.className).toBe('sla-tag sla-tag-kale');
    expect(plain.querySelector('[data-testid="maintenance-badge"]')!.className).toBe('sla-tag sla-tag-orange');
    // The countdown is a timer screen readers do not read out every second, as in SidebarView.
    const timer = plain.querySelector('[data-testid="countdown-first_response"]')!;
    expect([timer.getAttribute('role'), timer.getAttribute('aria-live'), timer.getAttribute('aria-label')]).toEqual(['timer', 'off', 'Initial response: first_response countdown']);
    ui.unmount();
  });
}

test('without a view (an invalid policy), the first view is the notices alone', () => {
  const plain = firstView(stringsFor('en'), null, notices.slice(0, 1));
  expect(plain.querySelectorAll('[data-testid]').length).toBe(0);
  expect(plain.textContent).toBe('The SLA policy setting is invalidpolicy_document: line 3tiers: missing');
});

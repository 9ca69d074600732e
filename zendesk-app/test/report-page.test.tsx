/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ReportBuilder, reportCsv, type Outcome, type ReportScope } from '@sla-desk/core';
import { ReportPage, type ReportAnswer } from '../src/app/report/ReportPage';

/**
 * Issue 22: the nav_bar report page draws the service's report. Its answers here are made by
 * core's ReportBuilder from Outcomes, as the service makes them (zendesk-app/service/src/outcomes.ts).
 */
const NOW = Date.parse('2026-11-20T15:00:00Z');
const H = 3_600_000;
const W = 7 * 24 * H;

function outcome(p: Partial<Outcome>): Outcome {
  return { ticketId: '1', metric: 'first_response', cycle: 1, state: 'met', workingMs: H, tier: 'basic', priority: 'P1', group: null, startedAt: NOW - 3 * W, endedAt: NOW - 3 * W + H, dueAt: NOW - 3 * W + 2 * H, ...p };
}

function answer(from: number | null, to: number | null, scope: ReportScope = {}): ReportAnswer {
  const b = new ReportBuilder({ period: { from, to }, scope, now: NOW });
  b.addOutcome(outcome({ ticketId: '101' }));
  b.addOutcome(outcome({ ticketId: '102', state: 'breached', endedAt: NOW - 3 * W + 5 * H }));
  // Two weeks on, a row with only a breach (0 %) and one with only an open clock (no data).
  b.addOutcome(outcome({ ticketId: '103', metric: 'resolution', state: 'breached', startedAt: NOW - W, endedAt: null, dueAt: NOW - W + H }));
  b.addOutcome(outcome({ ticketId: '104', priority: 'P2', state: 'open', startedAt: NOW - W, endedAt: null, dueAt: NOW + H }));
  return { policy: 'KIWI STAGE+', ...b.outcomeReport(), labels: { tiers: { basic: 'Basic' }, priorities: { P1: 'Urgent', P2: 'Normal' }, metrics: { first_response: 'First response', resolution: 'Resolution' } } };
}

function service() {
  const paths: string[] = [];
  const request = jest.fn(async (path: string) => {
    paths.push(path);
    const q = new URL(path, 'http://x').searchParams;
    const at = (k: string) => (q.get(k) ? Date.parse(`${q.get(k)}T00:00:00Z`) : null);
    const scope = Object.fromEntries((['tier', 'priority', 'metric'] as const).filter((k) => q.has(k)).map((k) => [k, q.get(k)!]));
    const r = answer(at('from'), at('to'), scope);
    return q.get('format') === 'csv' ? reportCsv(r.rows) : r;
  });
  return { request, paths };
}

async function mount(extra: Partial<Parameters<typeof ReportPage>[0]> = {}) {
  const s = service();
  const view = render(<ReportPage request={s.request} subdomain="acme" now={() => NOW} {...extra} />);
  await waitFor(() => expect(screen.getByRole('table', { name: /by tier, priority and metric/ })).toBeTruthy());
  return { ...s, ...view };
}

test('the table: met % per tier, priority and metric, "No data" apart from 0 %, breaches', async () => {
  const { paths } = await mount();
  // The last four weeks by default, through today (inclusive: the service's `to` is the day after).
  expect(paths[0]).toBe('/app/report?subdomain=acme&from=2026-10-24&to=2026-11-21&format=json');
  const rows = within(screen.getByRole('table', { name: /by tier/ })).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
  expect(rows).toEqual([
    ['Basic', 'Urgent', 'First response', '50.0 %', '1', '1', '0', '2', '1h 00m', 'Tickets'],
    ['Basic', 'Urgent', 'Resolution', '0.0 %', '0', '1', '0', '1', '–', 'Tickets'],
    ['Basic', 'Normal', 'First response', 'No data', '0', '0', '1', '1', '–', 'Tickets'],
  ]);
});

test('the weekly trend: a focusable, named bar per week; a week without Outcomes is "no data", not 0 %; the same figures as a table', async () => {
  const { container } = await mount();
  const bars = [...container.querySelectorAll('svg g[role="img"]')] as SVGGElement[];
  expect(bars.map((b) => b.getAttribute('aria-label'))).toEqual([
    '2026-W43: no data, 0 met, 0 breached, 0 open',
    '2026-W44: 50.0 % met, 1 met, 1 breached, 0 open',
    '2026-W45: no data, 0 met, 0 breached, 0 open',
    '2026-W46: 0.0 % met, 0 met, 1 breached, 1 open',
    '2026-W47: no data, 0 met, 0 breached, 0 open',
  ]);
  expect(bars.every((b) => b.getAttribute('tabindex') === '0')).toBe(true);
  // No data is an outlined, dashed bar; 0 % a filled one.
  expect(bars[0].querySelector('rect')!.getAttribute('stroke-dasharray')).toBe('3 3');
  expect(bars[3].querySelector('rect')!.getAttribute('fill')).not.toBe('none');
  act(() => bars[3].focus());
  expect(screen.getAllByText('2026-W46: 0.0 % met, 0 met, 1 breached, 1 open').some((e) => e.tagName === 'P')).toBe(true);
  const table = container.querySelector('details table')!;
  expect([...table.querySelectorAll('tbody tr')].map((r) => r.textContent)).toEqual(['2026-W43No data000', '2026-W4450.0 %110', '2026-W45No data000', '2026-W460.0 %011', '2026-W47No data000']);
});

test('the worst breaches link to their tickets; openTicket opens them in the agent interface', async () => {
  const opened: string[] = [];
  await mount({ openTicket: (id) => void opened.push(id) });
  const links = screen.getAllByRole('link', { name: /Ticket #/ });
  // 103 is still open, late since its due a week ago; 102 stopped 3h after its due.
  expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
    ['Ticket #103', '/agent/tickets/103'],
    ['Ticket #102', '/agent/tickets/102'],
  ]);
  expect(links[0].closest('li')!.textContent).toBe('Ticket #103 Resolution: 167h 00m late and still open · Basic, Urgent');
  fireEvent.click(links[1]);
  expect(opened).toEqual(['102']);
});

test("a row's drill-down: that row alone and its worst tickets; back to every row", async () => {
  const { paths } = await mount();
  fireEvent.click(screen.getByRole('button', { name: 'Tickets of Basic, Urgent, First response' }));
  await waitFor(() => expect(screen.getByText(/Drill-down: Basic, Urgent, First response/)).toBeTruthy());
  expect(paths.at(-1)).toBe('/app/report?subdomain=acme&from=2026-10-24&to=2026-11-21&tier=basic&priority=P1&metric=first_response&format=json');
  expect(screen.getAllByRole('link', { name: /Ticket #/ }).map((a) => a.textContent)).toEqual(['Ticket #102']);
  expect(within(screen.getByRole('table', { name: /by tier/ })).getAllByRole('row')).toHaveLength(2);
  fireEvent.click(screen.getByRole('button', { name: 'Back to every row' }));
  await waitFor(() => expect(screen.getAllByRole('link', { name: /Ticket #/ })).toHaveLength(2));
});

test('the period: the dates ask again; "All time" asks without one; CSV downloads the same period', async () => {
  const saved: [string, string][] = [];
  const { paths } = await mount({ save: (name, csv) => void saved.push([name, csv]) });
  fireEvent.change(screen.getByLabelText(/From/), { target: { value: '2026-11-09' } });
  await waitFor(() => expect(paths.at(-1)).toBe('/app/report?subdomain=acme&from=2026-11-09&to=2026-11-21&format=json'));
  // Only the week of the 16th is in: its breach (0 %) and its open clock (no data).
  await waitFor(() => expect(within(screen.getByRole('table', { name: /by tier/ })).getAllByRole('row')).toHaveLength(3));
  fireEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
  await waitFor(() => expect(saved.length).toBe(1));
  expect(paths.at(-1)).toBe('/app/report?subdomain=acme&from=2026-11-09&to=2026-11-21&format=csv');
  expect(saved[0][0]).toBe('sla-report-2026-11-09-2026-11-20.csv');
  expect(saved[0][1].split('\n')[0]).toBe('tier,priority,metric,tickets,met,breached,open,met_percent,median_working_ms');
  expect(saved[0][1]).toContain('basic,P2,first_response,1,0,0,1,,');
  fireEvent.click(screen.getByRole('button', { name: 'All time' }));
  await waitFor(() => expect(paths.at(-1)).toBe('/app/report?subdomain=acme&format=json'));
});

test("the service's refusal is shown as it names the parameter", async () => {
  const request = jest.fn(async () => Promise.reject({ status: 400, responseJSON: { error: 'from: expected a date (2026-11-02, 00:00 UTC)' } }));
  render(<ReportPage request={request} now={() => NOW} />);
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe('The report could not be loaded: from: expected a date (2026-11-02, 00:00 UTC)'));
});

/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { ReportBuilder, reportCsv, type Outcome } from '@sla-desk/core';
import { periodOf } from '../src/report';
import type { ReportAnswer } from '../src/report-resolver';

// UI Kit components as plain elements that keep what matters here: a table's caption, head and
// cells, a chart's data, a link's href, a read-only text area.
const bars: { value: number; ariaLabel?: string }[] = [];
jest.mock('@forge/react', () => {
  const React = jest.requireActual('react');
  const el = (tag: string, name: string) => (props: Record<string, unknown>) => React.createElement(tag, { 'data-ui': name, 'data-appearance': props.appearance }, props.children as never);
  type Cell = { key: string; content: unknown };
  return {
    __esModule: true,
    default: { render: () => undefined },
    Stack: el('div', 'Stack'),
    Inline: el('div', 'Inline'),
    Heading: el('h4', 'Heading'),
    Text: el('span', 'Text'),
    SectionMessage: el('div', 'SectionMessage'),
    Label: (p: { labelFor: string; children: unknown }) => React.createElement('label', { htmlFor: p.labelFor }, p.children),
    Button: (p: { onClick?: () => void; children?: unknown }) => React.createElement('button', { type: 'button', onClick: p.onClick }, p.children),
    Link: (p: { href: string; children: unknown }) => React.createElement('a', { href: p.href }, p.children),
    Select: (p: { id: string; options: { label: string; value: unknown }[]; value?: { value: unknown }; onChange(o: { value: unknown }): void }) =>
      React.createElement('select', { id: p.id, value: String(p.value?.value ?? ''), onChange: (e: { target: { value: string } }) => p.onChange(p.options.find((o) => String(o.value) === e.target.value)!) }, p.options.map((o) => React.createElement('option', { key: String(o.value), value: String(o.value) }, o.label))),
    TextArea: (p: { id: string; value: string; isReadOnly?: boolean }) => React.createElement('textarea', { id: p.id, value: p.value, readOnly: p.isReadOnly, onChange: () => undefined }),
    DynamicTable: (p: { caption: string; head: { cells: Cell[] }; rows: { key: string; cells: Cell[] }[]; emptyView?: unknown }) =>
      React.createElement(
        'table',
        null,
        React.createElement('caption', null, p.caption),
        React.createElement('thead', null, React.createElement('tr', null, p.head.cells.map((c) => React.createElement('th', { key: c.key }, c.content)))),
        React.createElement('tbody', null, p.rows.length ? p.rows.map((r) => React.createElement('tr', { key: r.key }, r.cells.map((c) => React.createElement('td', { key: c.key }, c.content)))) : React.createElement('tr', null, React.createElement('td', null, p.emptyView))),
      ),
    ProgressBar: (p: { value: number; ariaLabel?: string }) => {
      bars.push(p);
      return React.createElement('div', { role: 'progressbar', 'aria-label': p.ariaLabel, 'aria-valuenow': Math.round(p.value * 100) });
    },
  };
});

const invoke = jest.fn();
jest.mock('@forge/bridge', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));

import { metText, Report } from '../src/frontend/Report';

const NOW = Date.parse('2026-11-27T18:00:00Z');
const H = 3600_000;
const o = (key: string, metric: string, state: Outcome['state'], startedAt: number, extra: Partial<Outcome> = {}): Outcome => ({ ticketId: key, metric, cycle: 1, state, workingMs: H, tier: 'plus', priority: 'P1', group: null, startedAt, endedAt: state === 'open' ? null : startedAt + 2 * H, dueAt: startedAt + H, ...extra });

/**
 * Three weeks: the first with a met and a breach, the second with only an open cycle (nothing
 * decided: no data), the third with a breach only (0 %). The figures are core's ReportBuilder's, as
 * the resolver's are (report.test.ts checks the resolver's against the store); the drill-down is
 * what the store answers for these outcomes.
 */
function answer(): ReportAnswer {
  const w1 = Date.parse('2026-11-10T15:00:00Z');
  const w2 = Date.parse('2026-11-17T15:00:00Z');
  const w3 = Date.parse('2026-11-24T15:00:00Z');
  const b = new ReportBuilder({ period: periodOf(4, NOW), now: NOW });
  for (const x of [o('SUP-1', 'first_response', 'met', w1), o('SUP-1', 'resolution', 'breached', w1), o('SUP-2', 'first_response', 'open', w2, { tier: 'basic', priority: 'P3' }), o('SUP-3', 'resolution', 'breached', w3, { dueAt: w3 + 5 * H })]) b.addOutcome(x);
  const built = b.outcomeReport();
  const drill = [
    { tier: 'basic', priority: 'P3', metric: 'first_response', breached: [], all: ['SUP-2'] },
    { tier: 'plus', priority: 'P1', metric: 'first_response', breached: [], all: ['SUP-1'] },
    { tier: 'plus', priority: 'P1', metric: 'resolution', breached: ['SUP-3', 'SUP-1'], all: ['SUP-1', 'SUP-3'] },
  ];
  const report = { ...built, drill, csv: reportCsv(built.rows), issues: 3 };
  return { ok: true, report, labels: { tiers: { plus: 'Plus', basic: 'Basic' }, priorities: { P1: 'P1', P3: 'P3' }, metrics: { first_response: 'Initial response', resolution: 'Resolution' } }, project: 'SUP', period: 4, complete: true, hiddenProjects: 0, locale: 'en', timezone: 'America/Toronto' };
}

beforeEach(() => {
  invoke.mockReset();
  bars.length = 0;
});

const table = (caption: string) => screen.getByText(caption).closest('table')!;
const rowsOf = (t: HTMLElement) => [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));

test('met % says "no data" where nothing was decided, and 0 % only where every cycle breached', async () => {
  invoke.mockResolvedValue(answer());
  await act(async () => void render(<Report title="SLA report" />));
  expect(invoke).toHaveBeenCalledWith('report', { period: 12 });
  const main = rowsOf(table('Met % and breaches by tier, priority and metric'));
  // basic·P3·first response: open only; plus·P1·resolution: two breaches.
  expect(main.map((r) => [r[0], r[1], r[2], r[7]])).toEqual([
    ['Basic', 'P3', 'Initial response', 'no data'],
    ['Plus', 'P1', 'Initial response', '100.0 %'],
    ['Plus', 'P1', 'Resolution', '0.0 %'],
  ]);
  expect(metText(0)).toBe('0.0 %');
  expect(metText(null)).toBe('no data');
});

test('the weekly chart has no bar for a week without data, and each bar says its figure (its text alternative)', async () => {
  invoke.mockResolvedValue(answer());
  await act(async () => void render(<Report title="SLA report" />));
  const weeks = rowsOf(table('Cycles by the week they started, with met % as a bar (a week with nothing decided has none: no data, not 0 %)'));
  expect(weeks.map((w) => [w[0], w[4], w[5]])).toEqual([
    ['2026-W45', 'no data', 'no data'],
    ['2026-W46', '50.0 %', ''],
    ['2026-W47', 'no data', 'no data'],
    ['2026-W48', '0.0 %', ''],
  ]);
  // A bar for each week with a figure, 0 % drawn as an empty bar, not left out; each named for a screen reader.
  expect(screen.getAllByRole('progressbar').map((b) => [b.getAttribute('aria-label'), b.getAttribute('aria-valuenow')])).toEqual([
    ['2026-W46: 50.0 % met', '50'],
    ['2026-W48: 0.0 % met', '0'],
  ]);
});

test('the worst issues link to the issue; a row\'s issues open from its button; the CSV is there to copy', async () => {
  invoke.mockResolvedValue(answer());
  await act(async () => void render(<Report title="SLA report" />));
  const worst = table('The latest breaches, worst first');
  const links = [...worst.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')]);
  expect(links).toEqual([
    ['SUP-1', '/browse/SUP-1'],
    ['SUP-3', '/browse/SUP-3'],
  ]);
  // Due in the viewer's Jira time zone, whatever the machine's.
  expect(within(worst).getAllByText(/EST|Toronto/).length).toBeGreaterThan(0);
  const main = table('Met % and breaches by tier, priority and metric');
  const resolutionRow = [...main.querySelectorAll('tbody tr')].find((tr) => tr.textContent!.includes('Resolution'))!;
  await act(async () => void fireEvent.click(within(resolutionRow as HTMLElement).getByText('Show issues')));
  // The row's breached issues, the latest breach first, then every issue it counts.
  const drill = screen.getByText('Plus · P1 · Resolution').parentElement!;
  expect([...drill.querySelectorAll('[data-ui="Inline"]')].map((l) => [...l.querySelectorAll('a')].map((a) => a.getAttribute('href')))).toEqual([
    ['/browse/SUP-3', '/browse/SUP-1'],
    ['/browse/SUP-1', '/browse/SUP-3'],
  ]);
  const csv = screen.getByLabelText(/CSV/) as HTMLTextAreaElement;
  expect(csv.readOnly).toBe(true);
  expect(csv.value.split(/\r?\n/)[0]).toBe('tier,priority,metric,tickets,met,breached,open,met_percent,median_working_ms');
  expect(csv.value).toContain('basic,P3,first_response,1,0,0,1,,');
});

test('the period filter asks the resolver again; a refusal is shown as it was said', async () => {
  invoke.mockResolvedValueOnce(answer()).mockResolvedValueOnce({ ok: false, problems: ['You need the Browse projects permission on SUP to see its SLA report.'] });
  await act(async () => void render(<Report title="SLA report" />));
  await act(async () => void fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'all' } }));
  expect(invoke).toHaveBeenLastCalledWith('report', { period: 'all' });
  expect(await screen.findByText('You need the Browse projects permission on SUP to see its SLA report.')).toBeTruthy();
});

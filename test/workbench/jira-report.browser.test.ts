import { join } from 'path';
import type { Frame, Page } from 'playwright-core';
import { ROOT, workbenchSession } from './browser-session';

/**
 * The Forge app's SLA report in the workbench: the app's own Report component (the project page
 * and the dashboard gadget), drawn in Chromium by the workbench's UI Kit renderer, over what the
 * app's trigger kept of the sample desk's outcomes.
 */
jest.setTimeout(120_000);

const session = workbenchSession('jira-report');

type Answer = { ok: true; report: { rows: { tier: string; priority: string; metric: string; tickets: number; breached: number; metPercent: number | null }[]; weeks: { week: string; metPercent: number | null }[]; worst: { ticketId: string }[] } };
const resolver = async (body: object): Promise<Answer> => (await (await fetch(`${session.url()}/api/jira/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionKey: 'report', accountId: 'agent-1', ...body }) })).json()) as Answer;

async function frameOf(page: Page, id: string): Promise<Frame> {
  const frame = (await (await page.waitForSelector(`iframe#${id}`)).contentFrame())!;
  await frame.locator('caption', { hasText: 'Met % and breaches by tier, priority and metric' }).waitFor();
  return frame;
}

test('the project page draws the resolver\'s figures: "no data" apart from 0 %, the weekly table, links to the worst issues, and the drill-down by keyboard', async () => {
  const page = await session.browser().newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${session.url()}/jira-report.html`);
  const frame = await frameOf(page, 'report-page');
  const { report } = await resolver({ payload: { period: 12 }, projectKey: 'DESK' });
  expect(report.rows.length).toBeGreaterThan(0);
  const main = frame.locator('table', { has: frame.locator('caption', { hasText: 'Met % and breaches' }) });
  const cells = await main.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(cells.map((c) => [c[3], c[5], c[7]])).toEqual(report.rows.map((r) => [String(r.tickets), String(r.breached), r.metPercent === null ? 'no data' : `${r.metPercent.toFixed(1)} %`]));
  // The sample desk has both: rows nothing decided yet, and rows with breaches.
  expect(cells.some((c) => c[7] === 'no data')).toBe(true);
  expect(report.rows.some((r) => r.breached > 0)).toBe(true);
  const weeks = frame.locator('table', { has: frame.locator('caption', { hasText: 'Cycles by the week they started' }) });
  expect(await weeks.locator('tbody tr').count()).toBe(report.weeks.length);
  // The trend's bars: one for each week with a figure, each named by it (its text alternative).
  const bars = await weeks.getByRole('progressbar').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  expect(bars).toEqual(report.weeks.filter((w) => w.metPercent !== null).map((w) => `${w.week}: ${w.metPercent!.toFixed(1)} % met`));
  // The worst issues link to the page in Jira.
  if (report.worst.length) expect(await frame.getByRole('link', { name: report.worst[0].ticketId }).first().getAttribute('href')).toBe(`/browse/${report.worst[0].ticketId}`);
  await page.screenshot({ path: join(ROOT, 'docs', 'workbench-jira-report.png') });

  // Keyboard only: Tab to the first row's "Show issues", Enter opens its issues.
  const first = frame.getByRole('button', { name: 'Show issues' }).first();
  await first.focus();
  await page.keyboard.press('Enter');
  await frame.getByRole('button', { name: 'Hide issues' }).waitFor();
  expect(await frame.locator('text=All issues in the period:').count()).toBe(1);

  // The period filter: all time asks the resolver again.
  await frame.getByLabel('Period').selectOption({ label: 'All time' });
  // Still "All time" once the new answer is drawn (the select is UI Kit's controlled Select).
  await frame.waitForFunction("document.getElementById('sla-report-period')?.value === 'all' && !document.body.textContent.includes('Loading…')");
  const all = await resolver({ payload: { period: 'all' }, projectKey: 'DESK' });
  await frame.waitForFunction(`document.querySelector('table')?.querySelectorAll('tbody tr').length === ${all.report.rows.length}`);
  const csv = await frame.getByLabel(/CSV/).inputValue();
  expect(csv.split(/\r?\n/)[0]).toBe('tier,priority,metric,tickets,met,breached,open,met_percent,median_working_ms');
  await page.close();
});

test('the dashboard gadget draws the same report for the whole site', async () => {
  const page = await session.browser().newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${session.url()}/jira-report.html`);
  const gadget = await frameOf(page, 'report-gadget');
  const site = await resolver({ payload: { period: 12 } });
  expect(await gadget.locator('table').first().locator('tbody tr').count()).toBe(site.report.rows.length);
  // The sample desk is one project: the gadget and the project page agree.
  expect(site.report.rows).toEqual((await resolver({ payload: { period: 12 }, projectKey: 'DESK' })).report.rows);
  await page.close();
});

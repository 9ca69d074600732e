import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Browser, Frame, Page } from 'playwright-core';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launch }: typeof import('../zendesk/browser.cjs') = require('../zendesk/browser.cjs');

/**
 * The workbench as a new user meets it: `npm start`'s server, started as a real process on a free
 * port with an empty store, driven in Debian's chromium. The screenshots go into docs/.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
let server: ChildProcess;
let url: string;
let browser: Browser;
let data: string;

function start(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'workbench', 'src', 'server.mjs'), '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`workbench exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'sla-desk-workbench-'));
  ({ proc: server, url } = await start(['--reset']));
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
  rmSync(data, { recursive: true, force: true });
});

const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function sidebar(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe#sidebar');
  const frame = (await handle.contentFrame())!;
  await frame.getByTestId('priority-reason').waitFor();
  return frame;
}

test('a new user triages a KIWI Plus ticket, watches it breach, overrides it as a lead, and switches the preset', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (d) => void d.dismiss());
  await page.goto(url);
  const row = page.locator('tr', { hasText: 'Plus' }).filter({ hasText: 'triage' });
  await row.getByText('No priority yet · Plus').first().waitFor();
  await page.screenshot({ path: join(DOCS, 'workbench-desk.png') });
  const id = await row.first().getAttribute('data-ticket');
  await row.first().getByRole('link', { name: `#${id}` }).click();

  // Impact and Urgency set in the ticket form; the real sidebar sets the priority, Submit saves.
  let frame = await sidebar(page);
  expect(await frame.getByTestId('priority-reason').textContent()).toMatch(/^Fill in Impact and Urgency/);
  await page.getByTestId('field-impact').selectOption('sla_impact_1');
  await page.getByTestId('field-urgency').selectOption('sla_urgency_1');
  await frame.getByText('Impact 1 x Urgency 1 → P1, KIWI STAGE+ Plus').waitFor();
  await page.getByTestId('submit').click();
  // Zendesk's trigger also called the service; the sidebar's save had written everything already.
  await page.getByText("Saved. The SLA Desk service (by webhook): unchanged.").waitFor();
  frame = await sidebar(page);
  expect(await frame.getByTestId('priority-reason').textContent()).toBe('Impact 1 x Urgency 1 → P1, KIWI STAGE+ Plus');
  expect(await frame.getByTestId('countdown-first_response').textContent()).toMatch(/^\d+m \d\ds left$/);
  expect(await page.getByTestId('field-priority').inputValue()).toBe('urgent');
  // The save wrote the due field the app owns.
  await page.getByTestId('sla_due_first_response').filter({ hasText: /^2026-11-20T/ }).waitFor();
  await page.screenshot({ path: join(DOCS, 'workbench-zendesk.png') });

  // A day later on the workbench clock, the first response is breached.
  await page.getByRole('button', { name: '+1d' }).click();
  frame = await sidebar(page);
  await frame.getByTestId('countdown-first_response').filter({ hasText: /^Breached / }).waitFor();
  expect(await frame.getByTestId('metric-first_response').getAttribute('data-tone')).toBe('danger');

  // As an agent there is no override; as the triage lead there is, and it leaves an audit note.
  expect(await frame.getByTestId('override-open').count()).toBe(0);
  await page.locator('#user').selectOption('lead');
  frame = await sidebar(page);
  await frame.getByTestId('override-open').click();
  await frame.getByTestId('override-to').selectOption('P2');
  await frame.getByTestId('override-reason').fill('Workaround in place, customer confirmed');
  await frame.getByTestId('override-apply').click();
  await frame.getByText(/Override by Sam \(triage lead\): P1 → P2/).waitFor();
  await page.reload();
  await page.getByTestId('internal-note').filter({ hasText: 'Priority override by Sam (triage lead)' }).waitFor();
  expect(await page.getByTestId('internal-note').last().textContent()).toMatch(/P1 → P2\.Reason: Workaround in place, customer confirmed$/);

  // The same ticket in Jira: the Forge app's own panel and glance against the Jira emulator.
  await page.goto(`${url}/jira.html?issue=DESK-${id}`);
  const glance = (await (await page.waitForSelector('iframe#glance')).contentFrame())!;
  await glance.getByText(/^No priority yet · Plus$/).waitFor();
  await page.getByTestId('field-impact').selectOption('1');
  await page.getByTestId('field-urgency').selectOption('1');
  await page.getByTestId('update').click();
  await page.getByText("Updated; the app's trigger ran.").waitFor();
  const glance2 = (await (await page.waitForSelector('iframe#glance')).contentFrame())!;
  await glance2.getByText(/^P1 · Plus · Breached /).waitFor();
  expect(await page.getByTestId('field-priority').inputValue()).toBe('Highest');
  await page.getByTestId('app-customfield_10502') /* SLA state: the third field Forge creates from the manifest */.filter({ hasText: 'breached' }).waitFor();
  await page.screenshot({ path: join(DOCS, 'workbench-jira.png') });

  // Another preset: the desk is re-evaluated under it.
  await page.goto(`${url}/policy.html`);
  await page.getByTestId('matrix').locator('td[data-cell="1x1"]').filter({ hasText: 'P1' }).waitFor();
  await page.screenshot({ path: join(DOCS, 'workbench-policy.png'), fullPage: true });
  // Five weeks on, Christmas shows as a holiday with no working time that day.
  for (let i = 0; i < 5; i++) await page.getByTestId('next-week').click();
  await page.getByText('+5 weeks from the clock').waitFor();
  await page.getByTestId('calendars').locator('b[title="Christmas Day"]').waitFor();
  expect(await page.getByTestId('calendars').locator('.day.holiday').count()).toBe(1);
  expect(await page.getByTestId('calendars').locator('.day.holiday .block').count()).toBe(0);
  expect(await page.getByTestId('calendars').locator('.day:not(.holiday) .block').count()).toBe(4);
  // A broken edit: the live check names the path; saving it is refused and the policy stays.
  const text = await page.getByTestId('policy-text').inputValue();
  await page.getByTestId('policy-text').fill(text.replace('method: matrix', 'method: vote'));
  await page.getByTestId('diagnostics').getByText('classification.method').first().waitFor();
  await page.getByTestId('save-policy').click();
  await page.getByRole('alert').filter({ hasText: 'the policy does not check; nothing was saved' }).waitFor();
  expect(await (await fetch(`${url}/api/policy`)).json()).toMatchObject({ source: { preset: 'kiwi-stage-plus' } });
  await page.getByTestId('preset').selectOption('scalr');
  await page.getByTestId('use-preset').click();
  await page.getByText('Saved: Scalr').waitFor();
  await page.goto(url);
  await page.getByText(/^Scalr/).waitFor();
  expect(await page.locator('[data-testid="desk"] tbody tr').count()).toBe(15);
  await page.getByText(/^Severity \d · Premium Support · /).first().waitFor();

  await page.goto(`${url}/report.html`);
  await page.getByTestId('report').locator('tbody tr').first().waitFor();
  await page.screenshot({ path: join(DOCS, 'workbench-report.png'), fullPage: true });
  await page.close();
});

test('with the priority locked in the app settings, an agent\'s priority field is read-only and a lead\'s is not', async () => {
  expect((await post('/api/policy', { preset: 'kiwi-stage-plus' })).status).toBe(200);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${url}/policy.html`);
  await page.getByTestId('lock-priority').check();
  await page.getByText('Saved; the sidebar uses it').waitFor();
  await page.goto(`${url}/zendesk.html?ticket=2`);
  await sidebar(page);
  await page.locator('[data-testid="field-priority"]:disabled').waitFor();
  await page.locator('#user').selectOption('lead');
  const frame = await sidebar(page);
  // A negative: give the sidebar the time it took to lock it for the agent, then look at its calls.
  await page.waitForTimeout(500);
  expect(await frame.evaluate(() => (window as unknown as { __zaf: { state: { calls: { args: unknown[] }[] } } }).__zaf.state.calls.some((c) => c.args[0] === 'ticketFields:priority.disable'))).toBe(false);
  expect(await page.getByTestId('field-priority').isDisabled()).toBe(false);
  await page.locator('#user').selectOption('agent');
  expect((await post('/api/settings', { lock_priority: 'yes' })).status).toBe(400);
  expect((await (await fetch(`${url}/api/settings`)).json()).lock_priority).toBe(true);
  expect((await post('/api/settings', { lock_priority: false })).status).toBe(200);
  await page.close();
});

test('a ticket that arrives by email gets its priority and SLA fields from the service, without anyone opening it', async () => {
  expect((await post('/api/policy', { preset: 'kiwi-stage-plus' })).status).toBe(200);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.getByText('A ticket arrives by email').click();
  await page.locator('#e-subject').fill('Payments fail for every customer');
  await page.locator('#e-impact').selectOption('sla_impact_1');
  await page.locator('#e-urgency').selectOption('sla_urgency_2');
  await page.locator('#e-tier').selectOption('sla_tier_basic');
  await page.getByTestId('send-email').click();
  const done = page.getByText(/^Ticket #(\d+) created; the service answered: written\.$/);
  await done.waitFor();
  const id = /#(\d+)/.exec((await done.textContent())!)![1];
  const row = page.locator(`tr[data-ticket="${id}"]`);
  await row.getByText(/^P2 · Basic · /).waitFor(); // Impact 1 x Urgency 2 is P2 in KIWI's matrix
  expect(await row.getByText('Zendesk only').count()).toBe(1);
  // The service wrote as the API user: the fields, the priority, in one audit.
  const t = await (await fetch(`${url}/api/zendesk/tickets/${id}`)).json();
  expect(t.values['ticket.priority']).toBe('high');
  expect(t.audits).toHaveLength(2);
  expect(t.audits[1].author_id).toBe(99);
  // Bad input is named.
  const bad = await post('/api/zendesk/email', { subject: 'x', impact: '9', tier: 'gold' });
  expect(bad.status).toBe(400);
  expect((await bad.json()).problems).toEqual(['tier: expected basic, plus, got "gold"', 'impact: expected 1, 2, 3, 4, got "9"']);
  await page.close();
});

test('"Recalculate open issues" runs the Forge app\'s own queue consumer over the Jira desk', async () => {
  expect((await post('/api/policy', { preset: 'kiwi-stage-plus' })).status).toBe(200);
  expect((await post('/api/clock', { reset: true })).status).toBe(200);
  // The desk's open issues only: the JQL (statusCategory != Done) leaves out the two it solved.
  expect(await (await post('/api/jira/recalculate', {})).json()).toMatchObject({ state: 'done', issues: 10 });
  // A day later no event has touched the issues: their SLA state fields are stale.
  expect((await post('/api/clock', { shiftMinutes: 24 * 60 })).status).toBe(200);
  const page = await browser.newPage();
  await page.goto(`${url}/policy.html`);
  await page.getByTestId('recalculate').click();
  const result = page.getByTestId('recalculate-result').getByText(/^Recalculation done: 10 issues in 1 page, (\d+) updated, 0 page retries\.$/);
  await result.waitFor();
  expect(Number(/(\d+) updated/.exec((await result.textContent())!)![1])).toBeGreaterThan(0);
  // Run again: nothing left to write.
  expect(await (await post('/api/jira/recalculate', {})).json()).toMatchObject({ state: 'done', issues: 10, written: 0 });
  await page.close();
});

test('the report page\'s figures are the ones `sla report` gives for the same desk', async () => {
  const report = await (await fetch(`${url}/api/report`)).json();
  const lines = await (await fetch(`${url}/api/desk/timelines.jsonl`)).text();
  const { policy } = await (await fetch(`${url}/api/desk`)).json();
  const file = join(data, 'timelines.jsonl');
  writeFileSync(file, lines);
  const cli = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), 'report', '--policy', policy.id, '--now', report.clock, '--format', 'json', file], { encoding: 'utf8' }));
  expect(report.rows.length).toBeGreaterThan(5);
  expect(cli).toEqual(report.rows);
});

test('bad input is refused with a clear message, and nothing saved is lost', async () => {
  expect((await post('/api/policy', { preset: 'kiwi-stage-plus' })).status).toBe(200);
  const before = await (await fetch(`${url}/api/desk`)).json();
  let r = await post('/api/policy', { preset: 'gold' });
  expect(r.status).toBe(400);
  expect((await r.json()).error).toMatch(/^unknown preset "gold" \(known: .*kiwi-stage-plus/);
  r = await post('/api/policy', { document: 'sla: 1\nid: x\nname: X\nclassification: { method: vote }\n' });
  expect(r.status).toBe(400);
  expect((await r.json()).problems).toEqual(expect.arrayContaining(['classification.method: expected method: matrix, requester or severity']));
  r = await post('/api/zendesk/tickets/1', { user: 'agent', values: { 'ticket.priority': 'asap', 'ticket.customField:custom_field_13': 'sla_tier_gold' } });
  expect(r.status).toBe(400);
  expect((await r.json()).problems).toEqual(['ticket.customField:custom_field_13: expected sla_tier_basic, sla_tier_plus, got "sla_tier_gold"', 'ticket.priority: expected low, normal, high, urgent, got "asap"']);
  r = await post('/api/clock', { at: 'tomorrow' });
  expect(r.status).toBe(400);
  expect(await (await fetch(`${url}/api/desk`)).json()).toEqual(before);
});

test('the desk survives a restart, and --reset restores the sample desk', async () => {
  expect((await post('/api/policy', { preset: 'scalr' })).status).toBe(200);
  expect((await post('/api/clock', { shiftMinutes: 90 })).status).toBe(200);
  const clock = (await (await fetch(`${url}/api/desk`)).json()).clock;
  server.kill();
  await new Promise((r) => server.once('exit', r));
  ({ proc: server, url } = await start([]));
  const kept = await (await fetch(`${url}/api/desk`)).json();
  expect(kept.clock).toBe(clock);
  expect(kept.policy.id).toBe('scalr');
  server.kill();
  await new Promise((r) => server.once('exit', r));
  ({ proc: server, url } = await start(['--reset']));
  const fresh = await (await fetch(`${url}/api/desk`)).json();
  expect(fresh.policy.id).toBe('kiwi-stage-plus');
  expect(fresh.clock).toBe('2026-11-20T15:00:00.000Z');
});

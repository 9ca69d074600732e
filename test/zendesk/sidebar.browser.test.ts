import { join } from 'path';
import type { Browser, Page } from 'playwright-core';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launch, serve, openSidebar }: typeof import('./browser.cjs') = require('./browser.cjs');

/**
 * The built Zendesk sidebar (zendesk-app/dist) in headless Chromium. The ZAF SDK's CDN address is
 * routed to the ZAF emulator (zaf-emulator.js), seeded with a ticket and its audits.
 */
jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'zendesk-app', 'dist');
const NOW = '2026-11-20T15:00:00Z'; // Friday 10:00 in Toronto

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ids, seedOf }: typeof import('./seed.cjs') = require('./seed.cjs');

let browser: Browser;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  browser = await launch();
  site = await serve(DIST);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

// The UI (React and Garden) once it has replaced the first view (app/first-view.ts).
const UI = '.sla-sidebar:not([data-first-view])';

async function open(seed: import('./seed.cjs').Seed): Promise<Page> {
  const page = await openSidebar(browser, site.url, seedOf(seed), { now: NOW });
  await page.getByTestId('priority-reason').waitFor();
  await page.locator(UI).waitFor();
  return page;
}

const zaf = <T>(page: Page, fn: string): Promise<T> => page.evaluate(fn) as Promise<T>;

test('sets the priority from the matrix, and writes the SLA fields on save', async () => {
  const page = await open({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' });
  expect(await page.getByTestId('priority-reason').textContent()).toBe('Important × High → P2');
  await zaf(page, `window.__zaf.edit('ticket.customField:custom_field_${ids.urgency}', 'sla_urgency_1')`);
  await zaf(page, `window.__zaf.edit('ticket.customField:custom_field_${ids.impact}', 'sla_impact_1')`);
  await page.getByText('Extended × Critical → P1').waitFor();
  expect(await zaf(page, `window.__zaf.state.values['ticket.priority']`)).toBe('urgent');
  expect(await zaf(page, `window.__zaf.fire('ticket.save')`)).toBe(true);
  const values = await zaf<Record<string, unknown>>(page, 'window.__zaf.state.values');
  // P1 Basic: first response 1h and resolution 8h, business hours from Friday 09:00 Toronto.
  expect(values[`ticket.customField:custom_field_${ids.first_response}`]).toBe('2026-11-20T15:00:00.000Z');
  expect(values[`ticket.customField:custom_field_${ids.resolution}`]).toBe('2026-11-23T14:00:00.000Z');
  expect(values[`ticket.customField:custom_field_${ids.state}`]).toBe('breached');
  expect(values['ticket.tags']).toEqual(['sla_tier_basic']);
  await page.close();
});

test("the save changes only the tier tag: a tag a macro applied while the sidebar was open stays", async () => {
  const page = await open({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' });
  await page.getByTestId('priority-reason').waitFor();
  // A macro (or the agent) adds a tag after the sidebar read the ticket.
  await zaf(page, `window.__zaf.edit('ticket.tags', ['macro_applied', 'sla_tier_plus'])`);
  expect(await zaf(page, `window.__zaf.fire('ticket.save')`)).toBe(true);
  const values = await zaf<Record<string, unknown>>(page, 'window.__zaf.state.values');
  expect(values['ticket.tags']).toEqual(['macro_applied', 'sla_tier_plus', 'sla_tier_basic']);
  const calls = await zaf<{ method: string; args: unknown[] }[]>(page, 'window.__zaf.state.calls');
  expect(calls.filter((c) => c.method === 'set' && c.args[0] === 'ticket.tags')).toEqual([]);
  await page.close();
});

async function countdown(page: Page, metric: string) {
  const el = page.getByTestId(`countdown-${metric}`);
  const [text, tone, color] = await Promise.all([
    el.textContent(),
    page.getByTestId(`metric-${metric}`).getAttribute('data-tone'),
    // The state's tag carries the colour; the countdown beside it is plain text.
    page.getByTestId(`state-${metric}`).evaluate((e) => getComputedStyle(e).backgroundColor),
  ]);
  const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number);
  return { text, tone, r, g, b };
}

test('running, paused and breached countdowns, with their colours', async () => {
  const running = await open({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' });
  const a = await countdown(running, 'first_response');
  expect(a).toMatchObject({ text: '1h 00m business time left', tone: 'success' });
  expect(a.g).toBeGreaterThan(a.r);
  await running.screenshot({ path: join(ROOT, 'docs', 'zendesk-sidebar.png') });
  await running.close();

  const paused = await open({
    createdAt: '2026-11-19T14:00:00Z',
    impact: '3',
    urgency: '2',
    events: [
      { id: 2, created_at: '2026-11-19T14:30:00Z', author_id: 2, events: [{ type: 'Comment', public: true, author_id: 2, body: 'Hi' }, { type: 'Change', field_name: 'status', value: 'pending', previous_value: 'open' }] },
    ],
  });
  const p = await countdown(paused, 'resolution');
  expect(p.text).toMatch(/^Paused · \d+h \d\dm business time left$/);
  expect(await paused.getByTestId('due-resolution').count()).toBe(0);
  expect(p.tone).toBe('neutral');
  await paused.close();

  const breached = await open({ createdAt: '2026-11-18T14:00:00Z', impact: '1', urgency: '1' });
  const b = await countdown(breached, 'first_response');
  expect(b.text).toMatch(/^Breached \d+h \d\dm business time ago$/);
  expect(b.tone).toBe('danger');
  expect(b.r).toBeGreaterThan(b.g);
  await breached.close();
});

test('the override is there for a triage lead and absent for an agent', async () => {
  const lead = await open({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2', groups: [{ id: 7, name: 'Triage' }] });
  await lead.getByTestId('override-open').click();
  await lead.getByTestId('override-to').selectOption('P1');
  await lead.getByTestId('override-reason').fill('Production is down for every user');
  await lead.getByTestId('override-apply').click();
  await lead.getByText('Override by Lea: P2 → P1 (Production is down for every user)').waitFor();
  const comments = await zaf<{ body: string; public: boolean }[]>(lead, 'window.__zaf.state.comments');
  // KIWI's policy is in French, on Toronto's calendar: the note is in its words and zone.
  expect(comments).toEqual([{ body: 'Priorité modifiée par Lea le ven. 20 nov., 10 h 00 Toronto (15 h 00 UTC) : P2 → P1.\nRaison : Production is down for every user\n[sla-desk override 2026-11-20T15:00:00.000Z P2 P1 "Lea"]', public: false }]);
  await lead.close();

  const agent = await open({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2', groups: [{ id: 8, name: 'Support' }] });
  expect(await agent.getByTestId('override-open').count()).toBe(0);
  await agent.close();
});

/** Each element's text and look, by its test id (of one that holds others, its state): what the agent sees of it. */
const seen = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('[data-testid]')]
        .filter((e) => e.getClientRects().length > 0)
        .map((e) => {
          const s = getComputedStyle(e);
          if (e.querySelector('[data-testid]')) return [e.dataset.testid, `${e.dataset.state ?? ''} ${e.dataset.tone ?? ''}`];
          return [e.dataset.testid, [e.textContent, s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.lineHeight].join(' | ')];
        }),
    ),
  );

test("the countdown shows before the UI's script comes, looking as the UI does; an edit meanwhile is kept", async () => {
  let release = () => undefined as void;
  let countdownWhenAsked = -1;
  const held = new Promise<void>((r) => (release = r));
  const page = await openSidebar(browser, site.url, seedOf({ createdAt: '2026-11-20T14:00:00Z', impact: '2', urgency: '2' }), {
    now: NOW,
    // Whether the countdown, once shown, was ever gone from the page between two of its changes.
    init: `new MutationObserver(() => {
      const there = !!document.querySelector('[data-testid="countdown-first_response"]');
      if (there) window.__shown = true;
      else if (window.__shown) window.__blank = true;
    }).observe(document, { subtree: true, childList: true, characterData: true });`,
    // The UI's chunk is held back until the test lets it come.
    before: (p: Page) =>
      p.route(/\/ui-[\w-]+\.js$/, async (route) => {
        countdownWhenAsked = await p.getByTestId('countdown-first_response').count();
        await held;
        await route.continue();
      }),
  });
  await page.getByTestId('countdown-first_response').waitFor();
  expect(await page.locator('[data-first-view]').count()).toBe(1);
  const first = await seen(page);
  expect(first['countdown-first_response']).toMatch(/^1h 00m business time left \| /);
  expect(first['priority-reason']).toMatch(/^Important × High → P2 \| /);
  expect(first['tier-badge']).toMatch(/^Basic \| /);

  // The agent raises Urgency and Impact before the UI is in: the priority follows at once.
  await zaf(page, `window.__zaf.edit('ticket.customField:custom_field_${ids.urgency}', 'sla_urgency_1')`);
  await zaf(page, `window.__zaf.edit('ticket.customField:custom_field_${ids.impact}', 'sla_impact_1')`);
  await page.getByText('Extended × Critical → P1').waitFor();
  expect(await page.locator('[data-first-view]').count()).toBe(1);
  expect(await zaf(page, `window.__zaf.state.values['ticket.priority']`)).toBe('urgent');
  const edited = await seen(page);

  release();
  await page.locator(UI).waitFor();
  const ui = await seen(page);
  // Everything the first view showed, the UI shows the same, in the same look; the UI adds "why".
  for (const [id, what] of Object.entries(edited)) expect([id, ui[id]]).toEqual([id, what]);
  expect(Object.keys(ui).filter((id) => !(id in edited))).toEqual(expect.arrayContaining(['why-first_response', 'why-resolution']));
  // The UI's script was asked for once the countdown was there, not before; the UI took its place
  // with no blank between them.
  expect(countdownWhenAsked).toBe(1);
  expect(await zaf(page, 'window.__blank === undefined && window.__shown')).toBe(true);
  expect(await zaf(page, `window.__zaf.fire('ticket.save')`)).toBe(true);
  const values = await zaf<Record<string, unknown>>(page, 'window.__zaf.state.values');
  expect(values[`ticket.customField:custom_field_${ids.state}`]).toBe('breached');
  await page.close();
});

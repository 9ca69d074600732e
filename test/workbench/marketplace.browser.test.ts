import { join } from 'path';
import { ROOT, workbenchSession } from './browser-session';

/**
 * Issue 21, the Marketplace path in the workbench, as an admin walks it in a real browser: "Install
 * from the Marketplace" installs SLA Desk on the emulated account and opens the service's /connect,
 * Zendesk's consent page (the REST emulator's) is shown and allowed, the service's callback says it
 * is connected, and an email then gets its SLA through the trigger the service set up itself. Nothing
 * is typed but the click and the email. The screenshots go into docs/.
 */
jest.setTimeout(60_000);

const DOCS = join(ROOT, 'docs');
const session = workbenchSession('marketplace');

interface Marketplace {
  installations: number;
  installation: { id: number; fields: number; settings: Record<string, unknown> } | null;
  webhooks: { endpoint: string; status: string }[];
  triggers: { active: boolean }[];
  connection: { state: string } | null;
  connectUrl: string;
  deliveries: { sent: number; answered200: number };
  tickets: { id: number; priority: string | null; createdAt: string; fields: Record<string, string | null> }[];
}
const marketplace = async () => (await (await fetch(`${session.url()}/api/marketplace`)).json()) as Marketplace;

test('Install from the Marketplace: the consent page, the service sets itself up, and an email gets its SLA; a second click makes nothing twice', async () => {
  const context = await session.browser().newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${session.url()}/marketplace.html`);
  await page.getByTestId('connection').filter({ hasText: 'not connected' }).waitFor();

  // The click installs the app and opens the service's /connect, which sends the browser to the account's consent page.
  const [consent] = await Promise.all([context.waitForEvent('page'), page.getByTestId('install').click()]);
  await consent.waitForURL(/\/oauth\/authorizations\/new\?/);
  const asked = new URL(consent.url()).searchParams;
  expect(Object.fromEntries(asked)).toMatchObject({ response_type: 'code', client_id: 'zdg-sla-desk-workbench', code_challenge_method: 'S256', scope: 'read tickets:write webhooks:write triggers:write apps:write' });
  expect(asked.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
  await consent.getByRole('heading', { name: 'Allow SLA Desk access?' }).waitFor();
  expect(await consent.locator('ul.scopes li').allTextContents()).toEqual(['read', 'tickets:write', 'webhooks:write', 'triggers:write', 'apps:write']);
  await consent.setViewportSize({ width: 760, height: 420 });
  await consent.screenshot({ path: join(DOCS, 'marketplace-consent.png') });
  await consent.getByRole('button', { name: 'Allow' }).click();

  // Back on the service: connected, and set up.
  await consent.getByRole('heading', { name: 'SLA Desk is connected to acme' }).waitFor();
  expect(new URL(consent.url()).pathname).toBe('/oauth/callback');
  await consent.screenshot({ path: join(DOCS, 'marketplace-connected.png') });
  await consent.close();

  // The workbench's page follows the connection: the webhook points at the service, the trigger is active.
  await page.getByTestId('connection').filter({ hasText: /^connected$/ }).waitFor();
  await page.getByTestId('webhook').filter({ hasText: /^active → http:\/\/127\.0\.0\.1:\d+\/webhook$/ }).waitFor();
  expect(await page.getByTestId('trigger').textContent()).toBe('active');
  let m = await marketplace();
  expect(m.installation).toMatchObject({ fields: expect.any(Number), settings: { policy_preset: 'kiwi-stage-plus', lead_groups: 'Triage', tier_source: 'ticket_field' } });
  expect(m.webhooks[0].endpoint).toBe(new URL(m.connectUrl).origin + '/webhook');

  // An email: KIWI STAGE+ Plus, Extended × Critical is P1 (Zendesk's "urgent"), first response in 30 minutes around the clock.
  await page.locator('#m-impact').selectOption('sla_impact_1');
  await page.locator('#m-urgency').selectOption('sla_urgency_1');
  await page.locator('#m-tier').selectOption('sla_tier_plus');
  await page.getByTestId('send-email').click();
  await page.getByTestId('email-result').filter({ hasText: 'Ticket #1 created; the service set its priority to urgent.' }).waitFor();
  const row = page.locator('tr[data-ticket="1"]');
  expect(await row.getByTestId('priority').textContent()).toBe('urgent');
  expect(await row.getByTestId('state').textContent()).toBe('running');
  expect(await row.getByTestId('sla-priority').textContent()).toBe('sla_priority_p1');
  expect(await row.getByTestId('due').textContent()).toMatch(/^first response: 2026-11-20T15:30:00\.000Z/);
  await page.screenshot({ path: join(DOCS, 'marketplace-first-sla.png'), fullPage: true });

  // Saved in the emulated Zendesk, by the service, through the trigger's signed deliveries.
  m = await marketplace();
  const t = m.tickets.find((x) => x.id === 1)!;
  expect(t.createdAt).toBe('2026-11-20T15:00:00.000Z');
  expect(t).toMatchObject({ priority: 'urgent', fields: { sla_state: 'running', sla_priority: 'sla_priority_p1', sla_due_first_response: '2026-11-20T15:30:00.000Z', sla_due_resolution: '2026-11-20T19:00:00.000Z' } });
  expect(m.deliveries.sent).toBeGreaterThan(0);
  expect(m.deliveries.answered200).toBe(m.deliveries.sent);

  // A second click: installed already; connecting again adopts the webhook and the trigger.
  const [again] = await Promise.all([context.waitForEvent('page'), page.getByTestId('install').click()]);
  await page.getByTestId('install-result').filter({ hasText: 'Installed already: nothing made twice.' }).waitFor();
  await again.getByRole('button', { name: 'Allow' }).click();
  await again.getByRole('heading', { name: 'SLA Desk is connected to acme' }).waitFor();
  m = await marketplace();
  expect([m.installations, m.webhooks.length, m.triggers.length]).toEqual([1, 1, 1]);
  expect(m.connection?.state).toBe('connected');
  await context.close();
});

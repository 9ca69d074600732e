import { randomBytes } from 'crypto';
import { join } from 'path';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_PRESET, listPresets, loadPolicy } from '@sla-desk/core/dist/presets';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { ZendeskEmulator } from './rest-emulator';
import { ADMIN_TOKEN, freePort, usePgliteStore } from '../zendesk-service/helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launch, serve, openSidebar }: typeof import('./browser.cjs') = require('./browser.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requirementsFor } = require('../../zendesk-app/scripts/requirements.cjs') as { requirementsFor: (p: unknown, all: unknown[]) => Record<string, unknown> };

/**
 * SLA Desk's own page (the nav_bar location, zendesk-app/dist/assets/nav.html) in headless
 * Chromium, with the ZAF emulator, the Zendesk emulator and the hosted service on loopback. The
 * page reaches the service only through the emulated Zendesk proxy, which alone knows the secure
 * `service_token`; it creates the due fields the policy needs as the signed-in user.
 */
jest.setTimeout(90_000);

const DIST = join(__dirname, '..', '..', 'zendesk-app', 'dist');
const CLIENT = 'zdg-sla-desk';
const SECRET = 'global-client-secret-0123456789';
const APP_ID = 777;
const store = usePgliteStore();

let browser: Browser;
let site: { url: string; close(): Promise<void> };
let z: ZendeskEmulator;
let svc: Service;
let inst: ReturnType<ZendeskEmulator['installApp']>;

beforeAll(async () => {
  browser = await launch();
  site = await serve(DIST);
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

beforeEach(async () => {
  const port = await freePort();
  z = new ZendeskEmulator();
  z.subdomain = 'acme';
  z.accountId = 9001;
  await z.start();
  const publicUrl = `http://127.0.0.1:${port}`;
  z.globalClients.set(CLIENT, { secret: SECRET, redirectUris: [`${publicUrl}/oauth/callback`] });
  // requirements.json as the build makes it (the default preset's), with another preset chosen.
  inst = z.installApp({ appId: APP_ID, settings: { policy_preset: 'zendesk-parity', service_url: publicUrl }, secure: ['service_token'], requirements: requirementsFor(loadPolicy(DEFAULT_PRESET), listPresets().map((p) => loadPolicy(p.id))) as never });
  svc = await startService(null, {
    db: store.db,
    port,
    encryptionKeys: [randomBytes(32)],
    adminToken: ADMIN_TOKEN,
    pollMs: 20,
    backoffMs: () => 20,
    catchUpMs: 0,
    appSettingsMs: 50,
    log: () => undefined,
    tenantBaseUrl: () => z.url,
    globalOauth: { client: { id: CLIENT, secret: SECRET, redirectUri: `${publicUrl}/oauth/callback` }, publicUrl, appId: APP_ID },
  });
});
afterEach(async () => {
  await svc?.close();
  await z?.stop();
});

/** The page as `role` sees it: the app's (non-secure) settings, the install's requirement ids, and Zendesk's proxy. */
async function openPage(role: 'admin' | 'agent', as: { id: number; name: string; groups: { id: number; name: string }[] } | null = null): Promise<Page> {
  const { service_token: _secure, ...settings } = z.installations.get(inst.id)!.settings;
  const requirements = Object.fromEntries(inst.requirements.map((r) => [`requirement:${r.identifier}`, { requirement_id: Number(r.requirement_id), requirement_type: r.requirement_type }]));
  const seed = {
    location: 'nav_bar',
    subdomain: 'acme',
    installationId: inst.id,
    settings,
    values: { currentUser: { ...(as ?? { id: role === 'admin' ? 99 : 2, name: role === 'admin' ? 'Ada Admin' : 'Alex Agent', groups: [] }), role }, ...requirements },
    rest: z.url,
    // The signed-in user's session: Basic stands for the admin (the emulator's API user), a role switch for the agent.
    restAuthorization: 'Basic YWRtaW4=',
  };
  z.apiUserRole = role;
  const page = await openSidebar(browser, site.url, seed, {
    page: 'nav.html',
    viewport: { width: 1000, height: 800 },
    // The manifest whitelists the hosted service's domain; here the service runs on loopback.
    proxy: { secureSettings: () => ({ service_token: String(z.installations.get(inst.id)!.settings.service_token ?? '') }), domainWhitelist: ['127.0.0.1'] },
  });
  await page.getByRole('heading', { name: 'SLA Desk' }).waitFor();
  return page;
}

/** The admin's click on Connect, in a new tab: the service's /connect, Zendesk's consent, and back. */
async function followConnect(href: string) {
  const start = await fetch(href, { redirect: 'manual' });
  const done = await fetch(z.approve(new URL(start.headers.get('location')!).searchParams));
  expect(done.status).toBe(200);
}

test('an admin connects from the page, sees the health, and creates the due fields the policy needs; the token never reaches the page', async () => {
  const page = await openPage('admin');
  const hosted = page.getByRole('region', { name: 'Hosted service' });
  await hosted.getByText(/Not connected/).waitFor();
  const connect = hosted.getByRole('link', { name: 'Connect' });
  expect(await connect.getAttribute('href')).toBe(`${svc.url}/connect?subdomain=acme`);
  await followConnect((await connect.getAttribute('href'))!);

  await hosted.getByRole('button', { name: 'Check again' }).click();
  await hosted.getByText('connected', { exact: true }).waitFor();
  expect(await hosted.locator('dd').allTextContents()).toEqual(['connected', 'active', 'none yet', '0 queued, 0 parked', 'not started yet (it starts within minutes of the connection)']);
  const policy = loadPolicy('zendesk-parity');
  const unfielded = Object.keys(policy.metrics).filter((m) => !['first_response', 'resolution'].includes(m));
  await hosted.getByRole('list', { name: 'What to do' }).getByText(/no due field yet/).waitFor();
  expect(await hosted.getByRole('link', { name: 'Export what the service keeps' }).getAttribute('href')).toBe(`${svc.url}/app/confirm?subdomain=acme&action=export`);
  expect(await hosted.getByRole('link', { name: 'Disconnect and delete its data' }).getAttribute('href')).toBe(`${svc.url}/app/confirm?subdomain=acme&action=disconnect`);

  const fields = page.getByRole('region', { name: 'Fields' });
  await fields.getByText(new RegExp(`no due field yet`)).waitFor();
  const before = z.provisioning.ticketFields.length;
  await fields.getByRole('button', { name: `Create the ${unfielded.length} fields` }).click();
  await fields.getByRole('status').getByText(/^Ready: /).waitFor({ timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await fields.textContent()}`);
  });
  expect(z.provisioning.ticketFields.length).toBe(before + unfielded.length);
  await fields.getByText('Every promise of the policy has its due field.').waitFor();
  // docs/service.md shows the page at this point.
  await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'nav-page.png') });
  const saved = JSON.parse(String(z.installations.get(inst.id)!.settings.field_ids));
  expect(Object.keys(saved).sort()).toEqual(unfielded.map((m) => `due_${m}`).sort());
  // The service follows the setting within its minute: its status has nothing left about fields.
  const token = String(z.installations.get(inst.id)!.settings.service_token);
  const until = Date.now() + 10_000;
  let status: { metricsWithoutField: string[] } = { metricsWithoutField: ['?'] };
  while (status.metricsWithoutField.length && Date.now() < until) {
    status = await (await fetch(`${svc.url}/app/status?subdomain=acme`, { headers: { authorization: `Bearer ${token}` } })).json();
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(status.metricsWithoutField).toEqual([]);
  // Secure: the token is in no request the page made itself, nor in its settings or its DOM.
  const seen = await page.evaluate(() => JSON.stringify({ calls: (window as never as { __zaf: { state: unknown } }).__zaf.state, html: document.documentElement.outerHTML }));
  expect(token.length).toBeGreaterThan(30);
  expect(seen).not.toContain(token);
  expect(seen).toContain('Bearer {{setting.service_token}}');
  await page.close();
});

test('an agent sees the health but no Connect, Export, Disconnect or Create, and Zendesk refuses them the setup anyway', async () => {
  const admin = await openPage('admin');
  await followConnect((await admin.getByRole('link', { name: 'Connect' }).getAttribute('href'))!);
  await admin.close();
  const page = await openPage('agent');
  const hosted = page.getByRole('region', { name: 'Hosted service' });
  await hosted.getByText('connected', { exact: true }).waitFor();
  expect(await hosted.getByRole('link').count()).toBe(0);
  const fields = page.getByRole('region', { name: 'Fields' });
  await fields.getByText('An admin can create them here.').waitFor();
  expect(await fields.getByRole('button').count()).toBe(0);
  // Were the button forced, Zendesk refuses an agent: the check is the host's, on its side.
  const refused = await page.evaluate(() =>
    (window as never as { ZAFClient: { init(): { request(o: unknown): Promise<unknown> } } }).ZAFClient.init()
      .request({ url: '/api/v2/ticket_fields.json', type: 'POST', contentType: 'application/json', data: JSON.stringify({ ticket_field: { type: 'text', title: 'x' } }) })
      .then(() => 0, (e: { status: number }) => e.status),
  );
  expect(refused).toBe(403);
  await page.close();
});

test('with no service URL the page says the sidebar works alone; a service that is down is said so, with what to do', async () => {
  z.updateSettings(inst.id, { service_url: '' });
  let page = await openPage('admin');
  await page.getByText(/uses no hosted service/).waitFor();
  await page.close();
  z.updateSettings(inst.id, { service_url: `http://127.0.0.1:${await freePort()}` });
  page = await openPage('admin');
  await page.getByRole('region', { name: 'Hosted service' }).getByRole('alert').getByText(/did not answer|answered/).waitFor();
  await page.close();
});

test('an admin signs in to the SLA report, sees the tickets the service evaluated as the service answers them, and downloads its CSV; an agent is not offered it, and one the page takes for a lead is refused by the service', async () => {
  z.updateSettings(inst.id, { policy_preset: DEFAULT_PRESET, lead_groups: 'Triage' });
  const admin = await openPage('admin');
  await followConnect((await admin.getByRole('link', { name: 'Connect' }).getAttribute('href'))!);
  await admin.close();
  // A ticket by email, evaluated by the service through Zendesk's trigger: its Outcomes are kept.
  const field = (k: string) => Number(inst.requirements.find((r) => r.identifier === k)!.requirement_id);
  z.addTicket({ id: 1, subject: 'Site down', status: 'open', priority: null, tags: [], created_at: new Date(Date.now() - 60_000).toISOString(), custom_fields: [{ id: field('sla_impact'), value: 'sla_impact_1' }, { id: field('sla_urgency'), value: 'sla_urgency_1' }, { id: field('sla_tier'), value: 'sla_tier_plus' }] });
  const until = Date.now() + 10_000;
  while (!(await store.db.query("SELECT 1 FROM outcomes WHERE tenant = '9001'")).length && Date.now() < until) {
    await z.settled();
    await svc.drain();
  }
  const page = await openPage('admin');
  const report = page.getByRole('region', { name: 'SLA report' });
  // The service opens the report only to a lead's or an admin's sign-in, in a new window.
  const popup = page.waitForEvent('popup');
  await report.getByRole('button', { name: 'Sign in to see the report' }).click();
  const signIn = await popup;
  await signIn.getByRole('button', { name: 'Allow' }).click();
  await signIn.getByRole('heading', { name: 'You are signed in to the SLA report' }).waitFor();
  await signIn.close();
  const table = report.getByRole('table', { name: 'Met % and breaches by tier, priority and metric' });
  await table.waitFor();
  // The page draws what the service answers to its sign-in: the same rows, tier by tier.
  const token = String(z.installations.get(inst.id)!.settings.service_token);
  expect((await fetch(`${svc.url}/app/report?subdomain=acme`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  const secret = await page.evaluate(() => sessionStorage.getItem('sla-desk-report:acme:99'));
  const served = await (await fetch(`${svc.url}/app/report?subdomain=acme`, { headers: { authorization: `Bearer ${token}`, 'x-sla-report-session': String(secret) } })).json();
  expect(served.rows.length).toBeGreaterThan(0);
  expect(await table.locator('tbody tr').count()).toBe(served.rows.length);
  const download = page.waitForEvent('download');
  await report.getByRole('button', { name: 'Download CSV' }).click();
  const csv = await (await download).createReadStream();
  let text = '';
  for await (const chunk of csv) text += chunk;
  expect(text.split('\n')[0]).toMatch(/tier/i);
  await page.close();
  // An agent in no lead group: no report offered.
  const agent = await openPage('agent');
  await agent.getByRole('region', { name: 'Fields' }).waitFor();
  expect(await agent.getByRole('region', { name: 'SLA report' }).count()).toBe(0);
  await agent.close();
  // The page believes ZAF's currentUser (in Triage); the service asks Zendesk, which says otherwise.
  const claimed = await openPage('agent', { id: 3, name: 'Sam Lead', groups: [{ id: 7, name: 'Triage' }] });
  const theirs = claimed.getByRole('region', { name: 'SLA report' });
  const window3 = claimed.waitForEvent('popup');
  await theirs.getByRole('button', { name: 'Sign in to see the report' }).click();
  z.oauth.consentUserId = 3;
  const w3 = await window3;
  await w3.getByRole('button', { name: 'Allow' }).click();
  await w3.getByRole('heading', { name: 'The SLA report is for admins and triage leads' }).waitFor();
  await theirs.getByRole('alert').getByText('SLA Desk did not open the report: you are not an admin, nor in a triage-lead group.').waitFor();
  expect(await theirs.getByRole('table').count()).toBe(0);
  await claimed.close();
});

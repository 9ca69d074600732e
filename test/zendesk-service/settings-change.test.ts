import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { checkPolicyText, type Policy } from '@sla-desk/core';
import { resolvePolicyPath } from '@sla-desk/core/dist/presets';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { ADMIN_TOKEN, addKiwiTicket, deliver, IDS, NOW, serviceConfig, testServiceOptions, usePgliteStore, wrongTickets } from './helpers';

/**
 * A policy switch re-evaluates every open ticket the service keeps, so the saved due times follow
 * it at once (issue 18, point 18): at start for the environment's settings, and on an admin's PUT
 * for a stored tenant. On PGlite only: nothing here depends on the store.
 */
jest.setTimeout(60_000);

/** KIWI with every first response promised an hour later: the same fields, other due times. */
function laterKiwi(): { text: string; policy: Policy } {
  const text = readFileSync(resolvePolicyPath('kiwi-stage-plus'), 'utf8').replace(/first_response: (\d+)h/g, (_, h) => `first_response: ${Number(h) + 1}h`);
  const { policy } = checkPolicyText(text);
  if (!policy) throw new Error('the changed KIWI policy does not check');
  return { text, policy };
}

const store = usePgliteStore();
let z: ZendeskEmulator;
let svc: Service | undefined;
const logs: Record<string, unknown>[] = [];
beforeEach(async () => {
  z = new ZendeskEmulator();
  await z.start();
  logs.length = 0;
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await z.stop();
});

const opts = (extra = {}) => testServiceOptions(store.db, { log: (e: Record<string, unknown>) => void logs.push(e), ...extra });

test('the environment\'s policy changed while the service was down: at start, every open ticket it keeps is evaluated and written again', async () => {
  for (let id = 1; id <= 5; id++) addKiwiTicket(z, id, String(1 + (id % 3)), '1');
  svc = await startService(serviceConfig(z.url), opts());
  for (let id = 1; id <= 5; id++) await deliver(svc.url, id);
  await svc.drain();
  await svc.close();
  const later = laterKiwi();
  const changed = serviceConfig(z.url, { policy: later.policy });
  // The saved state is right for the old policy and wrong for the new one: the test can fail.
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);
  expect(wrongTickets(z, changed).length).toBeGreaterThanOrEqual(3);

  // The same settings again: nothing is read.
  svc = await startService(serviceConfig(z.url), opts());
  await svc.drain();
  const reads = z.requests.length;
  await svc.close();
  expect(logs.filter((l) => String(l.msg).startsWith('settings changed'))).toEqual([]);

  svc = await startService(changed, opts());
  await svc.drain();
  expect(logs.filter((l) => String(l.msg).startsWith('settings changed'))).toEqual([expect.objectContaining({ tenant: 'env', queued: 5 })]);
  expect(z.requests.length).toBeGreaterThan(reads);
  expect(wrongTickets(z, changed)).toEqual([]);
});

test('an admin\'s PUT of a tenant with another policy re-evaluates its open tickets; a PUT that changes nothing reads nothing', async () => {
  const fields = JSON.stringify({ impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state, due_first_response: IDS.first_response, due_resolution: IDS.resolution });
  const secret = 'a-signing-secret-0123456789';
  const settings = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: 'svc@example.com', ZENDESK_API_TOKEN: 't', SLA_WEBHOOK_SECRET: secret, SLA_POLICY: 'kiwi-stage-plus', SLA_FIELD_IDS: fields, ZENDESK_SERVICE_USER_ID: '99' };
  svc = await startService(null, opts({ encryptionKeys: [randomBytes(32)], tenantBaseUrl: () => z.url }));
  const put = (s: Record<string, string>) => fetch(`${svc!.url}/admin/tenants/4242`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ settings: s }) });
  expect((await put(settings)).status).toBe(200);
  for (let id = 1; id <= 3; id++) {
    addKiwiTicket(z, id, String(1 + id), '2');
    const body = JSON.stringify({ ticket_id: String(id) });
    const { signWebhook } = await import('../../zendesk-app/service/src/signature');
    const ts = new Date(NOW + id).toISOString();
    await fetch(`${svc.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-account-id': '4242', 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts }, body });
  }
  await svc.drain();
  expect(wrongTickets(z, serviceConfig(z.url))).toEqual([]);

  const reads = z.requests.length;
  expect((await put(settings)).status).toBe(200);
  await svc.drain();
  expect(z.requests.length).toBe(reads);

  const later = laterKiwi();
  expect((await put({ ...settings, SLA_POLICY: '', SLA_POLICY_TEXT: later.text })).status).toBe(200);
  await svc.drain();
  expect(logs.filter((l) => String(l.msg).startsWith('settings changed'))).toEqual([expect.objectContaining({ tenant: '4242', queued: 3 })]);
  expect(wrongTickets(z, serviceConfig(z.url, { policy: later.policy }))).toEqual([]);
});

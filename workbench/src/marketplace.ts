// The Marketplace path (issue 21): a Zendesk account of its own, where an admin installs SLA Desk
// from the Marketplace, connects the hosted service with Zendesk's global OAuth client, and the
// service sets itself up. The account is the Zendesk REST emulator's (test/zendesk/rest-emulator.ts,
// compiled into workbench/.build): its consent page, authorization-code grant with PKCE, Apps,
// Webhooks, Triggers and Ticket Fields APIs, and triggers that call webhooks with signed requests,
// each route naming its Zendesk source. The workbench adds nothing to that contract: it installs
// the app, sends the emails and shows what the account holds.
//
// The account lives in memory, as the service's store does: a restart starts it uninstalled.
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Policy } from '@sla-desk/core';
import type * as RestEmulator from '../../test/zendesk/rest-emulator';
import type { RequirementsScript } from './zendesk-host';

type Installation = ReturnType<RestEmulator.ZendeskEmulator['installApp']>;
/** What an email to the account carries: the form's fields (levels and tier by id). */
export interface EmailForm {
  subject: string;
  impact?: string;
  urgency?: string;
  tier: string;
}

/** The emulated account: its subdomain and id, and the Marketplace app's id there. */
export const MARKETPLACE = { subdomain: 'acme', accountId: 9001, appId: 777, clientId: 'zdg-sla-desk-workbench' };

/** A free loopback port (the service's public URL must be known before it starts: the webhook and the redirect name it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The account. `clock` is the workbench's: the triggers sign their deliveries at its time (the
 * service checks the signature's time against the same clock), and an email is created at it.
 */
export function marketplaceAccount(root: string, { clock }: { clock: () => number }) {
  const req = createRequire(join(root, 'zendesk-app', 'package.json'));
  const { ZendeskEmulator }: typeof RestEmulator = req(join(root, 'workbench', '.build', 'test', 'zendesk', 'rest-emulator.js'));
  // The app's requirements.json as its build makes it, for the policy it is installed with.
  const { requirementsFor, tagPart }: RequirementsScript = req(join(root, 'zendesk-app', 'scripts', 'requirements.cjs'));
  const { listPresets, loadPolicy, DEFAULT_PRESET }: typeof import('@sla-desk/core/dist/presets') = req('@sla-desk/core/dist/presets.js');
  const z = new ZendeskEmulator();
  z.subdomain = MARKETPLACE.subdomain;
  z.accountId = MARKETPLACE.accountId;
  z.clock = clock;
  // The global client's secret is Zendesk's and the service's alone: made here, never shown.
  const client = { id: MARKETPLACE.clientId, secret: randomBytes(24).toString('base64url') };

  // The admin's own calls, as ZAF makes them from the app's page (as the signed-in admin).
  const adminCall = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(z.url + path, { method, headers: { authorization: 'Basic YWRtaW4=', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) throw Object.assign(new Error(`Zendesk answered ${r.status} to ${method} ${path}`), { status: 502 });
    return r.json();
  };
  const adminApi = { get: (p: string) => adminCall('GET', p), post: (p: string, b: unknown) => adminCall('POST', p, b), put: (p: string, b: unknown) => adminCall('PUT', p, b) };
  const installation = () => [...z.installations.values()].find((i) => i.app_id === MARKETPLACE.appId) ?? null;
  const fieldIds = (inst: Installation): Record<string, number> => Object.fromEntries(inst.requirements.filter((r) => r.requirement_type === 'ticket_fields').map((r) => [r.identifier, Number(r.requirement_id)]));

  return {
    emulator: z,
    client,
    start: () => z.start(),
    stop: () => z.stop(),
    /** Zendesk knows the global client and its redirect URL (docs: global OAuth; a client Zendesk converted). */
    register(redirectUri: string) {
      z.globalClients.set(client.id, { secret: client.secret, redirectUris: [redirectUri], name: 'SLA Desk' });
    },
    /** The account's Zendesk, for the service; the workbench emulates this one account only. */
    baseOf(subdomain: string) {
      if (subdomain !== MARKETPLACE.subdomain) throw new Error(`the workbench emulates one Zendesk account, "${MARKETPLACE.subdomain}"; "${String(subdomain).slice(0, 40)}" is not it`);
      return z.url;
    },
    installation,
    /**
     * The admin's Install in the Marketplace: the app's requirements (its fields) are created and
     * its settings are the defaults with the policy. Installed already, nothing is made again.
     */
    async install(policy: Policy, settings: Record<string, unknown>) {
      const have = installation();
      if (have) return { installation: have, created: false };
      const all = listPresets().map((p) => loadPolicy(p.id));
      // requirements.json is built for the default preset: Zendesk reads it before any setting.
      const inst = z.installApp({ appId: MARKETPLACE.appId, name: 'SLA Desk', settings, requirements: requirementsFor(loadPolicy(DEFAULT_PRESET), all) });
      // The admin then opens SLA Desk's page, which makes the due fields a chosen policy needs
      // beyond those (zendesk-app/src/zaf/setup.ts), as the admin, and saves their ids in field_ids.
      const { ensureDueFields }: typeof import('../../zendesk-app/src/zaf/setup') = req(join(root, 'workbench', '.build', 'zendesk-app', 'src', 'zaf', 'setup.js'));
      const installed = fieldIds(inst);
      const known = Object.fromEntries(Object.keys(policy.metrics).filter((m) => installed[`sla_due_${tagPart(m)}`]).map((m) => [m, installed[`sla_due_${tagPart(m)}`]]));
      const setup = await ensureDueFields(adminApi, policy, known, settings.field_ids);
      if (setup.setting) await adminApi.put(`/api/v2/apps/installations/${inst.id}.json`, { settings: { field_ids: setup.setting } });
      return { installation: inst, created: true, fieldsMade: setup.created };
    },
    /** A ticket by email: its Impact, Urgency and Tier set (tags of the installed fields), no priority. */
    email(form: EmailForm, at: number) {
      const inst = installation();
      if (!inst) throw Object.assign(new Error('SLA Desk is not installed on the account: choose "Install from the Marketplace" first'), { status: 409 });
      const ids = fieldIds(inst);
      const id = Math.max(0, ...z.tickets.keys()) + 1;
      // The tag values are the app's contract (zendesk-app/scripts/requirements.cjs), as the workbench's own desk uses them.
      const tag = (k: string, v: string | undefined) => (v ? `${k}_${tagPart(v)}` : null);
      const custom = ([['sla_impact', tag('sla_impact', form.impact)], ['sla_urgency', tag('sla_urgency', form.urgency)], ['sla_tier', tag('sla_tier', form.tier)]] as [string, string | null][])
        .filter((e): e is [string, string] => !!(ids[e[0]] && e[1]))
        .map(([k, v]) => ({ id: ids[k], value: v }));
      z.advanceTo(at);
      z.addTicket({ id, subject: form.subject, status: 'new', priority: null, tags: [tag('sla_tier', form.tier)!], created_at: new Date(at).toISOString(), custom_fields: custom });
      return id;
    },
    /** Waits for the triggers' deliveries and the service's work they cause, until both are quiet. */
    async settle(drain: () => Promise<unknown>) {
      for (let i = 0; i < 10; i++) {
        const sent = z.webhookDeliveries.length;
        await z.settled();
        await drain();
        if (z.webhookDeliveries.length === sent) return;
      }
    },
    /** What the account holds: the installation, the service's webhook and trigger, the tickets and their SLA fields. */
    view({ webhookName, triggerTitle }: { webhookName: string; triggerTitle: string }) {
      const inst = installation();
      const ids = inst ? fieldIds(inst) : {};
      const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
      const tickets = [...z.tickets.values()].map((t) => {
        const sla: Record<string, unknown> = {};
        for (const f of t.custom_fields) if (byId[f.id]) sla[byId[f.id]] = f.value ?? null;
        return { id: t.id, subject: t.subject, status: t.status, priority: t.priority, createdAt: t.created_at, fields: sla };
      });
      const deliveries = z.webhookDeliveries;
      return {
        subdomain: z.subdomain,
        accountId: String(z.accountId),
        zendeskUrl: z.url,
        installation: inst ? { id: inst.id, settings: Object.fromEntries(Object.entries(inst.settings).filter(([k]) => !inst.secure.includes(k))), fields: Object.keys(ids).length } : null,
        installations: [...z.installations.values()].filter((i) => i.app_id === MARKETPLACE.appId).length,
        webhooks: [...z.webhooks.values()].filter((w) => w.name === webhookName).map((w) => ({ id: w.id, endpoint: w.endpoint, status: w.status })),
        triggers: [...z.triggers.values()].filter((t) => t.title === triggerTitle).map((t) => ({ id: t.id, active: t.active })),
        consents: z.oauth.consents.map((c) => ({ allowed: c.allowed, scope: c.scope })),
        deliveries: { sent: deliveries.length, answered200: deliveries.filter((d) => d.status === 200).length, last: deliveries.length ? { status: deliveries[deliveries.length - 1].status, at: deliveries[deliveries.length - 1].at } : null },
        tickets,
      };
    },
  };
}

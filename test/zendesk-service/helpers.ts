import { createServer } from 'net';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parsePolicy, type Policy } from '@sla-desk/core';
import { loadPolicy } from '@sla-desk/core/dist/presets';
import { migrate, openDb, type Db } from '../../zendesk-app/service/src/db';
import { startCluster, type Cluster } from './pg-cluster';
import type { ServiceConfig } from '../../zendesk-app/service/src/config';
import { signWebhook } from '../../zendesk-app/service/src/signature';
import { API_USER, ZendeskEmulator } from '../zendesk/rest-emulator';
import { planTicket } from '../../zendesk-app/service/src/plan';
import { startService, type Service } from '../../zendesk-app/service/src/server';
import type { ZendeskAudit, ZendeskUser } from '../../zendesk-app/src/zaf/types';

export const SECRET = 'test-signing-secret';
/** The service refuses admin tokens under 32 characters. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123';
export const NOW = Date.parse('2026-11-20T15:00:00Z');
export const IDS = { impact: 11, urgency: 12, tier: 13, state: 14, first_response: 15, resolution: 16 };

export function serviceConfig(baseURL: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    baseURL,
    auth: { email: 'svc@example.com', apiToken: 'token' },
    webhookSecret: SECRET,
    policy: loadPolicy('kiwi-stage-plus'),
    fieldIds: { impact: IDS.impact, urgency: IDS.urgency, tier: IDS.tier, state: IDS.state, due: { first_response: IDS.first_response, resolution: IDS.resolution }, source: 'settings', missing: [] },
    leadGroupIds: [7],
    lockPriority: false,
    serviceUserId: API_USER,
    port: 0,
    ...extra,
  };
}

/** A KIWI ticket as an email creates it: Impact, Urgency and Tier set, no priority yet, no SLA fields. */
export function addKiwiTicket(z: ZendeskEmulator, id: number, impact = '2', urgency = '1', tier = 'plus') {
  return z.addTicket({
    id,
    subject: `Ticket ${id}`,
    status: 'open',
    priority: null,
    tags: [],
    created_at: '2026-11-20T14:00:00Z',
    custom_fields: [
      { id: IDS.impact, value: `sla_impact_${impact}` },
      { id: IDS.urgency, value: `sla_urgency_${urgency}` },
      { id: IDS.tier, value: `sla_tier_${tier}` },
    ],
  });
}

let sent = 0;
/**
 * One signed delivery, as Zendesk sends it: the trigger's JSON with the id as a string. Each has
 * its own timestamp (a millisecond apart), as separate deliveries do; `at` pins it, to replay one.
 * `invocation` sets X-Zendesk-Webhook-Invocation-Id (unique per invocation, the same on its
 * retries: host-payloads/zendesk_webhook_invocation_attempts.real.json); without it none is sent.
 */
export function deliver(url: string, ticketId: number, at?: number, secret = SECRET, body = JSON.stringify({ ticket_id: String(ticketId) }), invocation?: string) {
  const ts = new Date(at ?? NOW + (++sent % 100_000)).toISOString();
  return fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(secret, ts, body), 'x-zendesk-webhook-signature-timestamp': ts, ...(invocation ? { 'x-zendesk-webhook-invocation-id': invocation } : {}) }, body });
}

/**
 * Open tickets whose stored values are not what the policy says they should be now, transition tags
 * included unless transitions is false: the backfill does not tag transitions (none, when all is right). Closed tickets are left out: Zendesk refuses to update them.
 */
export function wrongTickets(z: ZendeskEmulator, cfg: ServiceConfig, now = NOW, transitions = true): number[] {
  return [...z.tickets.values()]
    .filter((t) => t.status !== 'closed' && !z.deleted.has(t.id))
    .filter((t) => planTicket(cfg.policy, cfg.fieldIds, t, z.audits.get(t.id) as unknown as ZendeskAudit[], z.users as ZendeskUser[], now, leadsOf(z, cfg), { transitions }).update !== null)
    .map((t) => t.id);
}

/** The emulated account's triage leads, straight from its state: admins, the API user, members of a lead group. */
export function leadsOf(z: ZendeskEmulator, cfg: ServiceConfig): Set<number> {
  const out = new Set<number>([API_USER]);
  for (const u of z.users) {
    if (u.role === 'admin') out.add(u.id);
    if (u.role === 'agent' && (z.groupMemberships.get(u.id) ?? []).some((g) => cfg.leadGroupIds.includes(g))) out.add(u.id);
  }
  return out;
}

export type StoreKind = 'pglite' | 'postgres';
/**
 * Every store under TZ=UTC; under the other zone the embedded one alone: what a store keeps does
 * not depend on the machine's zone, while the service's evaluations, which run on either, might.
 */
export const STORES: StoreKind[] = !process.env.TZ || process.env.TZ === 'UTC' ? ['pglite', 'postgres'] : ['pglite'];

/** A store for a test file: PGlite in memory, or a throw-away PostgreSQL cluster; migrated. */
export async function openStore(kind: StoreKind): Promise<{ db: Db; cluster: Cluster | null; close(): Promise<void> }> {
  const cluster = kind === 'postgres' ? await startCluster() : null;
  const db = await openDb({ url: cluster?.url });
  await migrate(db);
  return {
    db,
    cluster,
    close: async () => {
      await db.close();
      await cluster?.stop();
    },
  };
}

export async function resetStore(db: Db): Promise<void> {
  await db.query('TRUNCATE deliveries, jobs, tickets, tenants, watermarks, settings_seen, ladder_notices, oauth_tokens, oauth_states, outcomes, report_access, outcome_history');
}

/** Internal notes on a ticket (bodies), in order. */
export function notesOf(z: ZendeskEmulator, id: number): string[] {
  return z.audits.get(id)!.flatMap((a) => a.events).filter((e) => e.type === 'Comment' && e.public === false).map((e) => String(e.body));
}

/** test/zendesk-service/fast-24x7.yaml: 24x7, P1 first response in 10 minutes (at risk after 5), P2 in 20. */
export function fastPolicy(): Policy {
  const parsed = parsePolicy(readFileSync(join(__dirname, 'fast-24x7.yaml'), 'utf8'));
  if (!parsed.policy) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

/**
 * One embedded store (PGlite, in memory) for a test file, emptied before each test: for the tests
 * whose subject is not the store, which run on it alone.
 */
export function usePgliteStore(): { readonly db: Db } {
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  beforeAll(async () => {
    store = await openStore('pglite');
  });
  afterAll(() => store?.close());
  beforeEach(() => resetStore(store!.db));
  return {
    get db() {
      return store!.db;
    },
  };
}

/** The service's options for a test on `db`: the fixed clock, quick polls and back-off, no catch-up. */
export function testServiceOptions(db: Db, extra: Record<string, unknown> = {}) {
  return { db, now: () => NOW, log: () => undefined, pollMs: 20, backoffMs: () => 20, catchUpMs: 0, adminToken: ADMIN_TOKEN, ...extra };
}

/**
 * A Zendesk emulator and the service on `store`, new for each test: `pass` delivers a ticket as the
 * trigger would and waits for the work it queued.
 */
export function useTestService(store: { readonly db: Db }, configOf: (baseURL: string) => ServiceConfig) {
  const t = {
    z: undefined as unknown as ZendeskEmulator,
    svc: undefined as unknown as Service,
    async pass(id: number) {
      await deliver(t.svc.url, id);
      await t.svc.drain();
    },
  };
  beforeEach(async () => {
    t.z = new ZendeskEmulator();
    await t.z.start();
    t.svc = await startService(configOf(t.z.url), testServiceOptions(store.db));
  });
  afterEach(async () => {
    await t.svc?.close();
    await t.z?.stop();
  });
  return t;
}

/** A loopback port nobody listens on now: for a service whose public URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

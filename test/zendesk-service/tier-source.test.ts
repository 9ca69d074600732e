import { startService, type Service } from '../../zendesk-app/service/src/server';
import { configFromEnv } from '../../zendesk-app/service/src/config';
import { readSettings } from '../../zendesk-app/src/sla/settings';
import { planTicket } from '../../zendesk-app/service/src/plan';
import type { ZendeskAudit, ZendeskUser } from '../../zendesk-app/src/zaf/types';
import { ZendeskEmulator } from '../zendesk/rest-emulator';
import { deliver, IDS, NOW, serviceConfig, testServiceOptions, usePgliteStore } from './helpers';

/**
 * The sidebar's tier_source and the service's SLA_TIER_SOURCE: one parser, one reading of the
 * organization's field, so the two never write due times of different tiers in turn (issue 18,
 * point 3). On PGlite only: nothing here depends on the store.
 */
jest.setTimeout(60_000);

const ENV = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 't', SLA_WEBHOOK_SECRET: 'a-signing-secret-of-40-characters-000000' };

test('the sidebar and the service read the same tier source words alike, and refuse the same ones naming their setting', async () => {
  for (const words of ['', 'ticket_field', 'organization_field:sla_plan', ' organization_field:support-plan ']) {
    const sidebar = await readSettings({ tier_source: words });
    expect(sidebar.problems).toEqual([]);
    expect(configFromEnv({ ...ENV, SLA_TIER_SOURCE: words }).tierSource).toEqual(sidebar.tierSource);
  }
  for (const words of ['organization_field:', 'organisation_field:plan', 'organization_field:a b']) {
    expect((await readSettings({ tier_source: words })).problems).toEqual([expect.stringMatching(/^tier_source: expected ticket_field or organization_field:<key>/)]);
    expect(() => configFromEnv({ ...ENV, SLA_TIER_SOURCE: words })).toThrow(/SLA_TIER_SOURCE: expected ticket_field or organization_field:<key>/);
  }
});

describe('SLA_TIER_SOURCE=organization_field:<key>', () => {
  let z: ZendeskEmulator;
  let svc: Service;
  const store = usePgliteStore();
  const source = { kind: 'organization_field' as const, key: 'sla_plan' };

  beforeEach(async () => {
    z = new ZendeskEmulator();
    await z.start();
    svc = await startService(serviceConfig(z.url, { tierSource: source }), testServiceOptions(store.db));
  });
  afterEach(async () => {
    await svc.close();
    await z.stop();
  });

  /** A ticket whose Tier field says `fieldTier`, from `organization`. */
  function ticket(id: number, organization: number | null, fieldTier = 'basic') {
    return z.addTicket({ id, subject: `Ticket ${id}`, status: 'open', priority: null, tags: [], created_at: '2026-11-20T14:00:00Z', organization_id: organization, custom_fields: [{ id: IDS.impact, value: 'sla_impact_2' }, { id: IDS.urgency, value: 'sla_urgency_1' }, { id: IDS.tier, value: `sla_tier_${fieldTier}` }] });
  }
  /** What the service should write for the ticket as if its tier were `tier`, from the Tier field. */
  function dueAs(id: number, tier: string) {
    const t = z.tickets.get(id)!;
    const asTier = { ...t, custom_fields: t.custom_fields.map((f) => (f.id === IDS.tier ? { ...f, value: `sla_tier_${tier}` } : f)) };
    const audits = (z.audits.get(id) as unknown as ZendeskAudit[]).map((a) => ({ ...a, events: a.events.map((e) => ((e as { field_name?: string }).field_name === String(IDS.tier) ? { ...e, value: `sla_tier_${tier}` } : e)) }));
    const plan = planTicket(serviceConfig(z.url).policy, serviceConfig(z.url).fieldIds, { ...asTier, custom_fields: [] }, audits, z.users as ZendeskUser[], NOW);
    return plan.decision.metrics.map((m) => [m.metric, m.due]);
  }
  const saved = (id: number) => Object.fromEntries(z.tickets.get(id)!.custom_fields.map((f) => [f.id, f.value]));

  test("the organization's plan (a tier label) counts, not the Tier field, and its due times are written", async () => {
    z.organizations.set(500, { sla_plan: 'Plus' });
    ticket(1, 500);
    await deliver(svc.url, 1);
    await svc.drain();
    const plus = dueAs(1, 'plus');
    // The two tiers promise different times, so the test tells them apart.
    expect(plus).not.toEqual(dueAs(1, 'basic'));
    const f = saved(1);
    expect([['first_response', Date.parse(String(f[IDS.first_response]))], ['resolution', Date.parse(String(f[IDS.resolution]))]]).toEqual(plus);
    expect(z.tickets.get(1)!.tags).toContain('sla_tier_plus');
    expect(z.requests.filter((r) => r.path === '/api/v2/organizations/500.json')).toHaveLength(1);
  });

  test('a ticket with no organization, or whose organization is gone, takes the policy default, as the sidebar does', async () => {
    const policy = serviceConfig(z.url).policy;
    const fallback = policy.defaultTier ?? Object.keys(policy.tiers)[0];
    // The Tier field names another tier, which must not count.
    const other = Object.keys(policy.tiers).find((t) => t !== fallback)!;
    ticket(2, null, other);
    ticket(3, 999, other);
    for (const id of [2, 3]) await deliver(svc.url, id);
    await svc.drain();
    expect(dueAs(2, other)).not.toEqual(dueAs(2, fallback));
    for (const id of [2, 3]) {
      const f = saved(id);
      expect([['first_response', Date.parse(String(f[IDS.first_response]))], ['resolution', Date.parse(String(f[IDS.resolution]))]]).toEqual(dueAs(id, fallback));
    }
  });
});

import { isRealInstant, reportCsv, type ReportScope } from '@sla-desk/core';
import type { FastifyInstance } from 'fastify';
import { appCaller, APP_REFUSED } from './app-auth';
import type { Db } from './db';
import { reportOf } from './outcomes';
import { beginSignIn, reportViewer, SESSION_HEADER, signInState } from './report-access';
import type { Tenants } from './tenants';

/** A day (00:00 UTC) or an instant with its offset: a bare local time would be read in the server's zone. */
const WHEN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const KNOWN = new Set(['subdomain', 'from', 'to', 'format', 'tier', 'priority', 'metric']);

export class ReportParameterError extends Error {}

export const SIGN_IN_FIRST = { error: 'The SLA report is for admins and triage leads: sign in on SLA Desk\'s page in Zendesk to show who you are', signIn: true };

export interface ReportQuery {
  from: number | null;
  to: number | null;
  format: 'json' | 'csv';
  scope: ReportScope;
}

/** The report's parameters, or a ReportParameterError naming the one that is wrong. */
export function reportQuery(query: Record<string, unknown>): ReportQuery {
  for (const k of Object.keys(query)) if (!KNOWN.has(k)) throw new ReportParameterError(`${k.slice(0, 40)}: not a parameter of the report (${[...KNOWN].join(', ')})`);
  const when = (name: 'from' | 'to') => {
    const v = query[name];
    if (v === undefined || v === '') return null;
    if (typeof v !== 'string' || !WHEN.test(v)) throw new ReportParameterError(`${name}: expected a date (2026-11-02, 00:00 UTC) or an instant with its offset (2026-11-02T09:00:00Z)`);
    const instant = v.length === 10 ? `${v}T00:00:00Z` : v;
    // Date.parse rolls 2026-02-30 over into March: a date that is not real is refused, not moved.
    if (!isRealInstant(instant)) throw new ReportParameterError(`${name}: "${v}" is not a real date and time`);
    return Date.parse(instant);
  };
  const from = when('from');
  const to = when('to');
  if (from !== null && to !== null && to <= from) throw new ReportParameterError('to: must be after from');
  const format = query.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new ReportParameterError('format: expected json or csv');
  const scope: ReportScope = {};
  for (const k of ['tier', 'priority', 'metric'] as const) {
    const v = query[k];
    if (v === undefined) continue;
    // A policy's ids are short; '' is the priority of a ticket that had none.
    if (typeof v !== 'string' || v.length > 100) throw new ReportParameterError(`${k}: expected one ${k} id of the policy`);
    scope[k] = v;
  }
  return { from, to, format, scope };
}

/**
 * GET /app/report?subdomain=…&from=…&to=…&format=json|csv[&tier=…&priority=…&metric=…]: the
 * account's SLA report from its stored Outcomes (those whose clock started in [from, to)), for
 * the app's nav_bar page; tier, priority and metric drill down to one row and its tickets. The
 * same bearer as /app/status, and a lead's or an admin's signed-in secret in the
 * X-SLA-Report-Session header (report-access.ts); a bad parameter gets a 400 naming it.
 */
export function registerReport(app: FastifyInstance, deps: { db: Db; tenants: Tenants; now?: () => number }, publicUrl: string): void {
  const now = () => (deps.now ?? Date.now)();
  // The page begins a sign-in for the user it is open for; the user finishes it in a new window.
  app.post('/app/report/sign-in', async (req, reply) => {
    const who = await appCaller(deps, req);
    if (!who) return reply.code(401).send(APP_REFUSED);
    const user = Number((req.query as Record<string, unknown>).user);
    if (!Number.isSafeInteger(user) || user <= 0) return reply.code(400).send({ error: 'user: expected the id of the user SLA Desk\'s page is open for' });
    const sub = String((req.query as Record<string, unknown>).subdomain).trim().toLowerCase();
    const { ref, secret, expiresAt } = await beginSignIn(deps.db, who.account, user, now());
    const url = `${publicUrl}/app/confirm?${new URLSearchParams({ subdomain: sub, action: 'report', ref })}`;
    return reply.code(201).header('cache-control', 'no-store').send({ url, secret, expiresAt: new Date(expiresAt).toISOString() });
  });
  app.get('/app/report/sign-in', async (req, reply) => {
    const who = await appCaller(deps, req);
    if (!who) return reply.code(401).send(APP_REFUSED);
    const state = await signInState(deps.db, who.account, req.headers[SESSION_HEADER], now());
    void reply.header('cache-control', 'no-store');
    return state ? { ...state, expiresAt: new Date(state.expiresAt).toISOString() } : reply.code(404).send({ error: 'No sign-in of this page is under way: it expired, or it was never begun' });
  });

  app.get('/app/report', async (req, reply) => {
    const who = await appCaller(deps, req);
    if (!who) return reply.code(401).send(APP_REFUSED);
    // The app's bearer says which account, not who: every agent's browser can send it.
    if ((await reportViewer(deps.db, who.account, req.headers[SESSION_HEADER], now())) === null) return reply.code(403).send(SIGN_IN_FIRST);
    let q: ReportQuery;
    try {
      q = reportQuery(req.query as Record<string, unknown>);
    } catch (e) {
      if (e instanceof ReportParameterError) return reply.code(400).send({ error: e.message });
      throw e;
    }
    const report = await reportOf(deps.db, who.account, { from: q.from, to: q.to }, now(), q.scope);
    void reply.header('cache-control', 'no-store');
    if (q.format === 'csv') {
      const day = (t: number | null) => (t === null ? 'all' : new Date(t).toISOString().slice(0, 10));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sla-report-${day(q.from)}-${day(q.to)}.csv"`)
        .send(reportCsv(report.rows));
    }
    const tenant = await deps.tenants.stored(who.account).catch(() => null);
    const policy = tenant?.cfg.policy;
    // Ids are for files; the page names tiers, priorities and metrics as the policy labels them.
    const labels = (rec: Record<string, { label: string }> | undefined) => Object.fromEntries(Object.entries(rec ?? {}).map(([id, v]) => [id, v.label]));
    return { policy: policy?.name ?? null, ...report, labels: { tiers: labels(policy?.tiers), priorities: labels(policy?.priorities), metrics: labels(policy?.metrics) } };
  });
}

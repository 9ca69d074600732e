import { isRealInstant, reportCsv, type ReportScope } from '@sla-desk/core';
import type { FastifyInstance } from 'fastify';
import { appCaller, APP_REFUSED } from './app-auth';
import type { Db } from './db';
import { reportOf } from './outcomes';
import type { Tenants } from './tenants';

/** A day (00:00 UTC) or an instant with its offset: a bare local time would be read in the server's zone. */
const WHEN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const KNOWN = new Set(['subdomain', 'from', 'to', 'format', 'tier', 'priority', 'metric']);

export class ReportParameterError extends Error {}

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
 * same bearer as /app/status; a bad parameter gets a 400 naming it.
 */
export function registerReport(app: FastifyInstance, deps: { db: Db; tenants: Tenants; now?: () => number }): void {
  app.get('/app/report', async (req, reply) => {
    const who = await appCaller(deps, req);
    if (!who) return reply.code(401).send(APP_REFUSED);
    let q: ReportQuery;
    try {
      q = reportQuery(req.query as Record<string, unknown>);
    } catch (e) {
      if (e instanceof ReportParameterError) return reply.code(400).send({ error: e.message });
      throw e;
    }
    const report = await reportOf(deps.db, who.account, { from: q.from, to: q.to }, (deps.now ?? Date.now)(), q.scope);
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

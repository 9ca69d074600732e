import { useEffect, useId, useState } from 'react';
import { formatMs, type OutcomeReport, type ReportRow, type ReportScope, type WeekRow } from '@sla-desk/core';

/** What GET /app/report answers (zendesk-app/service/src/report-route.ts). */
export type ReportAnswer = OutcomeReport & { policy: string | null; labels: { tiers: Record<string, string>; priorities: Record<string, string>; metrics: Record<string, string> } };

export interface ReportPageProps {
  /** Fetches a service path (`/app/report?…`) through ZAF with the app's bearer: JSON, or the CSV's text. */
  request: (path: string) => Promise<unknown>;
  /** The account's subdomain, which the service needs to know whose report it is. */
  subdomain?: string;
  /** Opens a ticket in the agent interface; without it the ticket's link is followed. */
  openTicket?: (id: string) => void;
  /** Saves the CSV; without it the browser downloads it. */
  save?: (filename: string, csv: string) => void;
  /** Today, for the default period (the last four weeks). */
  now?: () => number;
}

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The SLA report for leads and admins (the nav_bar page): met % and breaches by tier x priority x
 * metric, the trend by week, the worst breaches with their tickets, a period and a CSV. Every
 * figure is the service's, made by core's ReportBuilder: this page only draws them. A period's
 * days are UTC, as the report's weeks are.
 */
export function ReportPage({ request, subdomain, openTicket, save = download, now = Date.now }: ReportPageProps) {
  const today = day(now());
  const [from, setFrom] = useState(day(Date.parse(today) - 27 * DAY));
  const [through, setThrough] = useState(today);
  const [report, setReport] = useState<ReportAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [scope, setScope] = useState<ReportScope | null>(null);

  const query = (format: 'json' | 'csv') => {
    const p = new URLSearchParams();
    if (subdomain) p.set('subdomain', subdomain);
    if (from) p.set('from', from);
    // "Through" is inclusive; the service's period ends before its `to`.
    if (through) p.set('to', day(Date.parse(through) + DAY));
    if (scope) for (const k of ['tier', 'priority', 'metric'] as const) if (scope[k] !== undefined) p.set(k, scope[k]!);
    p.set('format', format);
    return `/app/report?${p}`;
  };

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    request(query('json')).then(
      (r) => live && (setReport(r as ReportAnswer), setLoading(false)),
      (e) => live && (setError(reason(e)), setLoading(false)),
    );
    return () => {
      live = false;
    };
    // The period and the drill-down are the query: a change of either asks again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [from, through, subdomain, scope]);

  const csv = async () => {
    try {
      save(`sla-report-${from || 'all'}-${through || 'all'}.csv`, String(await request(query('csv'))));
    } catch (e) {
      setError(reason(e));
    }
  };

  const label = (kind: keyof ReportAnswer['labels'], id: string) => report?.labels[kind][id] ?? id;
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 16, maxWidth: 1100 }}>
      <h1 style={{ fontSize: 20, margin: '0 0 12px' }}>SLA report{report?.policy ? `: ${report.policy}` : ''}</h1>
      <form style={{ display: 'flex', gap: 12, alignItems: 'end', flexWrap: 'wrap', marginBottom: 16 }} onSubmit={(e) => e.preventDefault()}>
        <label>
          From (UTC)
          <br />
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          Through
          <br />
          <input type="date" value={through} onChange={(e) => setThrough(e.target.value)} />
        </label>
        <button type="button" onClick={() => (setFrom(''), setThrough(''))}>
          All time
        </button>
        <button type="button" onClick={csv} disabled={!report}>
          Download CSV
        </button>
      </form>
      <p role="status" style={{ minHeight: '1.2em', margin: '0 0 8px' }}>
        {loading ? 'Loading the report…' : error ? `The report could not be loaded: ${error}` : ''}
      </p>
      {report && !error && (
        <>
          <p style={{ color: '#555', marginTop: 0 }}>Outcomes whose clock started in the period; each cycle of a recurring Metric is one.</p>
          {scope && (
            <p>
              <strong>
                Drill-down: {label('tiers', scope.tier ?? '')}, {label('priorities', scope.priority ?? '') || 'no priority'}, {label('metrics', scope.metric ?? '')}
              </strong>{' '}
              <button type="button" onClick={() => setScope(null)}>
                Back to every row
              </button>
            </p>
          )}
          <Rows rows={report.rows} label={label} drill={scope ? undefined : (r) => setScope({ tier: r.tier, priority: r.priority, metric: r.metric })} />
          <Trend weeks={report.weeks} />
          <h2 style={{ fontSize: 16 }}>Worst breaches{scope ? ' in this row' : ''}</h2>
          {report.worst.length === 0 ? (
            <p>No breaches in the period.</p>
          ) : (
            <ol>
              {report.worst.map((w) => (
                <li key={`${w.ticketId}:${w.metric}:${w.cycle}`}>
                  <a href={`/agent/tickets/${encodeURIComponent(w.ticketId)}`} target="_top" onClick={openTicket ? (e) => (e.preventDefault(), openTicket(w.ticketId)) : undefined}>
                    Ticket #{w.ticketId}
                  </a>{' '}
                  {label('metrics', w.metric)}
                  {w.cycle > 1 ? ` (cycle ${w.cycle})` : ''}: {formatMs(w.lateMs)} late{w.endedAt === null ? ' and still open' : ''} · {label('tiers', w.tier)}, {label('priorities', w.priority) || 'no priority'}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </main>
  );
}

function Rows({ rows, label, drill }: { rows: ReportRow[]; label: (kind: 'tiers' | 'priorities' | 'metrics', id: string) => string; drill?: (r: ReportRow) => void }) {
  if (!rows.length) return <p>No Outcomes in the period.</p>;
  const th = { textAlign: 'left' as const, borderBottom: '1px solid #ccc', padding: '4px 8px' };
  const td = { padding: '4px 8px', borderBottom: '1px solid #eee' };
  return (
    <table style={{ borderCollapse: 'collapse', width: '100%', marginBottom: 24 }}>
      <caption style={{ textAlign: 'left', fontWeight: 600, marginBottom: 4 }}>Met % and breaches by tier, priority and metric</caption>
      <thead>
        <tr>
          {['Tier', 'Priority', 'Metric', 'Met %', 'Met', 'Breached', 'Open', 'Tickets', 'Median (working)', ...(drill ? [''] : [])].map((h) => (
            <th key={h} scope="col" style={th}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.tier}:${r.priority}:${r.metric}`}>
            <td style={td}>{label('tiers', r.tier)}</td>
            <td style={td}>{label('priorities', r.priority) || 'No priority'}</td>
            <td style={td}>{label('metrics', r.metric)}</td>
            <td style={td}>
              <Percent value={r.metPercent} />
            </td>
            <td style={td}>{r.met}</td>
            <td style={{ ...td, fontWeight: r.breached ? 600 : undefined }}>{r.breached}</td>
            <td style={td}>{r.open}</td>
            <td style={td}>{r.tickets}</td>
            <td style={td}>{r.medianWorkingMs === null ? '–' : formatMs(r.medianWorkingMs)}</td>
            {drill && (
              <td style={td}>
                <button type="button" onClick={() => drill(r)} aria-label={`Tickets of ${label('tiers', r.tier)}, ${label('priorities', r.priority) || 'no priority'}, ${label('metrics', r.metric)}`}>
                  Tickets
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "No data" (nothing met or breached yet) reads apart from 0 %, in words, not in a number. */
function Percent({ value }: { value: number | null }) {
  if (value === null) return <span style={{ color: '#68737d', fontStyle: 'italic' }}>No data</span>;
  return <span>{value.toFixed(1)} %</span>;
}

const CHART = { width: 720, height: 160, pad: 24 };

/**
 * The weekly trend of met %: one bar per ISO week, each focusable and named; a week with nothing
 * decided is an outlined, dashed bar marked "no data", never a bar of 0 %. The same figures are
 * in the table below it.
 */
function Trend({ weeks }: { weeks: WeekRow[] }) {
  const id = useId();
  const [focused, setFocused] = useState<number | null>(null);
  if (!weeks.length) return null;
  const slot = (CHART.width - CHART.pad) / weeks.length;
  const bar = Math.max(2, slot * 0.7);
  const plot = CHART.height - CHART.pad;
  const named = (w: WeekRow) => `${w.week}: ${w.metPercent === null ? 'no data' : `${w.metPercent.toFixed(1)} % met`}, ${w.met} met, ${w.breached} breached, ${w.open} open`;
  return (
    <section aria-labelledby={`${id}-title`} style={{ marginBottom: 24 }}>
      <h2 id={`${id}-title`} style={{ fontSize: 16 }}>
        Met % by week (UTC)
      </h2>
      <svg role="group" aria-labelledby={`${id}-title`} aria-describedby={`${id}-table`} viewBox={`0 0 ${CHART.width} ${CHART.height}`} style={{ width: '100%', maxWidth: CHART.width }}>
        <line x1={CHART.pad} y1={plot} x2={CHART.width} y2={plot} stroke="#999" />
        <text x={0} y={10} fontSize={10}>
          100 %
        </text>
        <text x={0} y={plot} fontSize={10}>
          0 %
        </text>
        {weeks.map((w, i) => {
          const x = CHART.pad + i * slot + (slot - bar) / 2;
          const h = w.metPercent === null ? plot - 12 : (plot - 12) * (w.metPercent / 100);
          return (
            <g key={w.week} role="img" aria-label={named(w)} tabIndex={0} onFocus={() => setFocused(i)} onBlur={() => setFocused(null)} data-week={w.week} style={{ outline: 'none' }}>
              <title>{named(w)}</title>
              {w.metPercent === null ? (
                <rect x={x} y={12} width={bar} height={h} fill="none" stroke="#87929d" strokeDasharray="3 3" />
              ) : (
                <rect x={x} y={plot - h} width={bar} height={Math.max(h, 1)} fill={w.metPercent >= 90 ? '#038153' : w.metPercent >= 70 ? '#ad5918' : '#cc3340'} />
              )}
              {focused === i && <rect x={x - 2} y={10} width={bar + 4} height={plot - 8} fill="none" stroke="#1f73b7" strokeWidth={2} />}
            </g>
          );
        })}
      </svg>
      <p aria-live="polite" style={{ minHeight: '1.2em', margin: '4px 0' }}>
        {focused !== null ? named(weeks[focused]) : ''}
      </p>
      <details>
        <summary>The weeks as a table</summary>
        <table id={`${id}-table`} style={{ borderCollapse: 'collapse' }}>
          <thead>
            <tr>
              {['Week', 'Met %', 'Met', 'Breached', 'Open'].map((h) => (
                <th key={h} scope="col" style={{ textAlign: 'left', padding: '2px 8px' }}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.week}>
                <th scope="row" style={{ textAlign: 'left', padding: '2px 8px', fontWeight: 400 }}>
                  {w.week}
                </th>
                <td style={{ padding: '2px 8px' }}>
                  <Percent value={w.metPercent} />
                </td>
                <td style={{ padding: '2px 8px' }}>{w.met}</td>
                <td style={{ padding: '2px 8px' }}>{w.breached}</td>
                <td style={{ padding: '2px 8px' }}>{w.open}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function reason(e: unknown): string {
  // ZAF's request rejects with the response: the service's error names the parameter.
  const body = (e as { responseJSON?: { error?: unknown }; responseText?: unknown })?.responseJSON?.error;
  if (typeof body === 'string') return body;
  const status = (e as { status?: unknown })?.status;
  return typeof status === 'number' ? `the service answered ${status}` : 'the service did not answer';
}

function download(filename: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

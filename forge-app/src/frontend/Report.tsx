import { useEffect, useState } from 'react';
import { Button, DynamicTable, Heading, Inline, Label, Link, ProgressBar, SectionMessage, Select, Stack, Text, TextArea } from '@forge/react';
import { formatInstantIn, formatSpan, type Locale } from '@sla-desk/core';
import { call } from './call';
import type { ReportAnswer, ReportLabels } from '../report-resolver';
import type { PeriodChoice } from '../report';

/** What a met % cell says: "no data" when nothing was decided, never a 0 % nobody earned. */
export function metText(p: number | null): string {
  return p === null ? 'no data' : `${p.toFixed(1)} %`;
}

const PERIODS: { label: string; value: PeriodChoice }[] = [
  { label: 'Last 4 weeks', value: 4 },
  { label: 'Last 12 weeks', value: 12 },
  { label: 'Last 26 weeks', value: 26 },
  { label: 'Last 52 weeks', value: 52 },
  { label: 'All time', value: 'all' },
];

const cell = (key: string, content: unknown) => ({ key, content: content as never });
const label = (labels: Record<string, string>, id: string) => (id === '' ? 'No priority' : Object.hasOwn(labels, id) ? labels[id] : id);

/**
 * The SLA report, as the dashboard gadget and the project page both draw it. Every figure is in a
 * table. The trend's chart is a bar in each week's row (UI Kit's ProgressBar, its ariaLabel the
 * week's figure), not UI Kit's BarChart, which takes no text alternative; a week with nothing
 * decided has no bar and says "no data", not a bar at 0 %.
 */
export function Report({ title }: { title: string }) {
  const [period, setPeriod] = useState<PeriodChoice>(12);
  const [answer, setAnswer] = useState<ReportAnswer | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    setAnswer(null);
    void call<ReportAnswer>('report', { period }).then(setAnswer, (e: Error) => setAnswer({ ok: false, problems: [e.message] }));
  }, [period]);
  const chooser = (
    <Stack space="space.050">
      <Label labelFor="sla-report-period">Period</Label>
      <Select id="sla-report-period" options={PERIODS} value={PERIODS.find((p) => p.value === period)} onChange={(o: { value: PeriodChoice }) => setPeriod(o.value)} />
    </Stack>
  );
  if (!answer) return <Stack space="space.200">{chooser}<Text>Loading…</Text></Stack>;
  if (!answer.ok) {
    return (
      <SectionMessage appearance="error" title={title}>
        {answer.problems.map((p) => (
          <Text key={p}>{p}</Text>
        ))}
      </SectionMessage>
    );
  }
  const { report, labels } = answer;
  const locale = answer.locale as Locale;
  const rowKey = (r: { tier: string; priority: string; metric: string }) => `${r.tier}|${r.priority}|${r.metric}`;
  const drilled = open ? report.drill.find((d) => rowKey(d) === open) : undefined;
  return (
    <Stack space="space.200">
      <Heading as="h2">{answer.project ? `${title}: ${answer.project}` : title}</Heading>
      {chooser}
      {!answer.complete ? <SectionMessage appearance="warning" title="Part of the site">
        <Text>More projects have SLA outcomes than one report checks: these figures count {report.issues} issues of the first projects you may browse.</Text>
      </SectionMessage> : null}
      {answer.hiddenProjects ? <Text>{answer.hiddenProjects} project(s) you cannot browse are left out.</Text> : null}
      <DynamicTable
        caption="Met % and breaches by tier, priority and metric"
        head={{ cells: ['Tier', 'Priority', 'Metric', 'Issues', 'Met', 'Breached', 'Open', 'Met %', 'Median working time', 'Details'].map((h, i) => cell(`h${i}`, h)) }}
        rows={report.rows.map((r) => ({
          key: rowKey(r),
          cells: [
            cell('tier', label(labels.tiers, r.tier)),
            cell('priority', label(labels.priorities, r.priority)),
            cell('metric', label(labels.metrics, r.metric)),
            cell('tickets', String(r.tickets)),
            cell('met', String(r.met)),
            cell('breached', String(r.breached)),
            cell('open', String(r.open)),
            cell('pct', metText(r.metPercent)),
            cell('median', r.medianWorkingMs === null ? 'no data' : formatSpan(r.medianWorkingMs, locale)),
            cell('drill', <Button onClick={() => setOpen(open === rowKey(r) ? null : rowKey(r))}>{open === rowKey(r) ? 'Hide issues' : 'Show issues'}</Button>),
          ],
        }))}
        emptyView={<Text>No SLA outcomes in this period.</Text>}
      />
      {drilled ? <Drill labels={labels} row={drilled} /> : null}
      <Heading as="h3">Trend by week (UTC)</Heading>
      {report.weeks.some((w) => w.metPercent !== null) ? null : <Text>No week in this period has a met or breached cycle.</Text>}
      <DynamicTable
        caption="Cycles by the week they started, with met % as a bar (a week with nothing decided has none: no data, not 0 %)"
        head={{ cells: ['Week', 'Met', 'Breached', 'Open', 'Met %', 'Met % bar'].map((h, i) => cell(`w${i}`, h)) }}
        rows={report.weeks.map((w) => ({
          key: w.week,
          cells: [
            cell('week', w.week),
            cell('met', String(w.met)),
            cell('breached', String(w.breached)),
            cell('open', String(w.open)),
            cell('pct', metText(w.metPercent)),
            cell('bar', w.metPercent === null ? <Text>no data</Text> : <ProgressBar value={w.metPercent / 100} appearance={w.metPercent >= 90 ? 'success' : 'default'} ariaLabel={`${w.week}: ${metText(w.metPercent)} met`} />),
          ],
        }))}
      />
      <Heading as="h3">Worst issues</Heading>
      {report.worst.length ? (
        <DynamicTable
          caption="The latest breaches, worst first"
          head={{ cells: ['Issue', 'Metric', 'Tier', 'Priority', 'Due', 'Late by'].map((h, i) => cell(`x${i}`, h)) }}
          rows={report.worst.map((w) => ({
            key: `${w.ticketId}|${w.metric}|${w.cycle}`,
            cells: [
              cell('issue', <Link href={`/browse/${encodeURIComponent(w.ticketId)}`}>{w.ticketId}</Link>),
              cell('metric', w.cycle > 1 ? `${label(labels.metrics, w.metric)} (cycle ${w.cycle})` : label(labels.metrics, w.metric)),
              cell('tier', label(labels.tiers, w.tier)),
              cell('priority', label(labels.priorities, w.priority)),
              cell('due', formatInstantIn(w.dueAt, locale, answer.timezone)),
              cell('late', `${formatSpan(w.lateMs, locale)}${w.endedAt === null ? ' (still open)' : ''}`),
            ],
          }))}
        />
      ) : (
        <Text>No breach in this period.</Text>
      )}
      <Stack space="space.050">
        <Label labelFor="sla-report-csv">CSV of the table above (select it and copy)</Label>
        <TextArea id="sla-report-csv" isReadOnly isMonospaced value={report.csv} />
      </Stack>
    </Stack>
  );
}

function Drill({ labels, row }: { labels: ReportLabels; row: { tier: string; priority: string; metric: string; breached: string[]; all: string[] } }) {
  const name = `${label(labels.tiers, row.tier)} · ${label(labels.priorities, row.priority)} · ${label(labels.metrics, row.metric)}`;
  const links = (keys: string[]) => (
    <Inline space="space.100" shouldWrap>
      {keys.map((k) => (
        <Link key={k} href={`/browse/${encodeURIComponent(k)}`}>
          {k}
        </Link>
      ))}
    </Inline>
  );
  return (
    <Stack space="space.100">
      <Heading as="h3">{name}</Heading>
      <Text>Breached: {row.breached.length ? '' : 'none'}</Text>
      {row.breached.length ? links(row.breached) : null}
      <Text>All issues in the period:</Text>
      {links(row.all)}
    </Stack>
  );
}

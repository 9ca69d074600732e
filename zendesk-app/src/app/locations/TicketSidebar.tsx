import { useEffect, useMemo, useState } from 'react';
import { localeOf } from '@sla-desk/core';
import { decide, isLead, loadTicket, markMet, tierChangeBreaches, type Loaded, type LoadResult } from '../../sla/session';
import { wire } from '../../sla/wire';
import { resize } from '../../zaf/host';
import { useClient } from '../ClientProvider';
import { stringsFor } from '../i18n';
import { later, useLater } from '../later';
import { noticesOf } from '../notice-list';
import { SidebarView, type SidebarProps } from '../SidebarView';

// Loaded after the countdown shows: "why this due time?" (core's explain) for every agent, and the
// override (its preview and note, with the form's Garden controls) for triage leads.
const WHY = later(() => import('../../sla/explain'));
const OVERRIDE = later(() => Promise.all([import('../../sla/override'), import('../OverrideForm')]).then(([ops]) => ops));

type Status = { kind: 'loading' } | { kind: 'ready'; data: Loaded } | { kind: 'invalid'; problems: string[] } | { kind: 'failed'; message: string };

const statusOf = (r: LoadResult): Status => (r.ok ? { kind: 'ready', data: r.data } : { kind: 'invalid', problems: r.problems });

/**
 * The ticket and new-ticket sidebar: loads the ticket in two ZAF round trips, keeps the priority in
 * step with Impact and Urgency, counts down every second without re-fetching, writes the SLA fields
 * when the agent saves, and lets triage leads override the priority. The page's first script
 * (app/main.tsx) loads the ticket and shows it before the UI comes: `loaded` is its result, so the
 * UI's first render is the countdown too; `loading` a load still under way. Without either, it
 * loads here.
 */
export function TicketSidebar({ now: fixedNow, loading, loaded }: { now?: () => number; loading?: Promise<LoadResult>; loaded?: LoadResult }) {
  const client = useClient();
  const clock = fixedNow ?? Date.now;
  const [status, setStatus] = useState<Status>(() => (loaded ? statusOf(loaded) : { kind: 'loading' }));
  const [now, setNow] = useState(clock());
  const [saveFailed, setSaveFailed] = useState(false);
  // The loaded ticket is changed in place by ZAF events and overrides; this counts the changes.
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  useEffect(() => {
    if (loaded) return loaded.ok ? follow(loaded.data) : undefined;
    let live = true;
    let unfollow = () => undefined as void;
    (loading ?? loadTicket(client))
      .then((r) => {
        if (!live) return;
        setStatus(statusOf(r));
        if (!r.ok) return;
        unfollow = follow(r.data);
      })
      .catch((e: Error) => live && setStatus({ kind: 'failed', message: e.message }));
    return () => {
      live = false;
      unfollow();
    };
    // follow() closes over stable refs only
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  useEffect(() => {
    const id = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(id);
  }, [clock]);

  // The ticket is wired to the form once (sla/wire.ts): by the page's first script when it loaded
  // the ticket, else here. Its changes re-render.
  function follow(data: Loaded) {
    const w = wire(client, data, clock);
    const sync = () => {
      setSaveFailed(w.saveFailed);
      bump();
    };
    sync();
    return w.listen(sync);
  }

  const data = status.kind === 'ready' ? status.data : null;
  const locale = localeOf(data?.user.locale);
  const t = stringsFor(locale);
  const computed = useMemo(() => (data ? decide(data, now) : null), [data, now, version]);

  useEffect(() => resize(client, document.body.scrollHeight));

  const notices = noticesOf(t, {
    problems: status.kind === 'invalid' ? status.problems : undefined,
    failed: status.kind === 'failed' ? status.message : undefined,
    data,
    saveFailed,
    tierBreaches: data ? tierChangeBreaches(data, now) : [],
  });

  const lead = data ? isLead(data.user, data.settings) && data.ticketId !== null : false;
  const why = useLater(WHY, data !== null);
  const ops = useLater(OVERRIDE, lead);
  const override: SidebarProps['override'] =
    data && computed && lead && ops
      ? {
          priorities: Object.entries(data.policy.priorities).map(([id, p]) => ({ id, label: p.label })),
          current: computed.decision.priority.id,
          notifyDefault: data.settings.notifyOnOverride,
          preview: (to) => ops.previewOf(data, clock(), to),
          defaultNotice: (to) => ops.defaultNotice(data, to),
          noticeLanguage: ops.noticeLanguageOf(data),
          onSubmit: async (to, reason, notify, notice) => {
            const r = await ops.submitOverride(client, data, computed.decision.priority.id, to, reason, notify, clock(), notice).catch((e: Error) => ({ ok: false as const, problems: [e.message] }));
            bump();
            return r.ok ? [] : r.problems;
          },
        }
      : null;

  // A promise met by an event gets a button while its clock runs: agents need not know its tag.
  const metButtons =
    data && computed && data.ticketId !== null
      ? computed.decision.metrics
          .filter((m) => data.policy.metrics[m.metric]?.stopsAt === 'met_event' && m.stoppedAt === null && m.state !== 'not_applicable')
          .map((m) => ({ metric: m.metric, label: m.label }))
      : [];

  return (
    <SidebarView
      t={t}
      view={computed?.view ?? null}
      notices={notices}
      override={override}
      explain={data ? (metric) => (why ? why.explainMetric(data, clock(), metric) : null) : undefined}
      metButtons={metButtons}
      onMet={(metric) => {
        if (!data) return;
        void markMet(client, data, metric, clock()).then(bump, (e: Error) => setStatus({ kind: 'failed', message: e.message }));
      }}
    />
  );
}

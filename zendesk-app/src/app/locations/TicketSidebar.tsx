import { useEffect, useMemo, useRef, useState } from 'react';
import { localeOf } from '@sla-desk/core';
import { decide, fieldWrites, isLead, loadTicket, markMet, slaPriorityOf, tierChangeBreaches, type Loaded, type LoadResult } from '../../sla/session';
import { lockPriority, onFieldChange, onSave, resize, setPriority, writeFields } from '../../zaf/host';
import { useClient } from '../ClientProvider';
import { stringsFor } from '../i18n';
import { later, useLater } from '../later';
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
 * (app/main.tsx) starts the load before the UI comes: `loaded` is its result when it is in, so the
 * first render is the countdown; `loading` the load still under way. Without either, it loads here.
 */
export function TicketSidebar({ now: fixedNow, loading, loaded }: { now?: () => number; loading?: Promise<LoadResult>; loaded?: LoadResult }) {
  const client = useClient();
  const clock = fixedNow ?? Date.now;
  const [status, setStatus] = useState<Status>(() => (loaded ? statusOf(loaded) : { kind: 'loading' }));
  const [now, setNow] = useState(clock());
  const [saveFailed, setSaveFailed] = useState(false);
  // The loaded ticket is changed in place by ZAF events and overrides; this counts the changes.
  const [version, setVersion] = useState(0);
  const dataRef = useRef<Loaded | null>(loaded?.ok ? loaded.data : null);
  const bump = () => setVersion((v) => v + 1);

  useEffect(() => {
    if (loaded) {
      if (loaded.ok) wire(loaded.data);
      return;
    }
    let live = true;
    (loading ?? loadTicket(client))
      .then((r) => {
        if (!live) return;
        setStatus(statusOf(r));
        if (!r.ok) return;
        dataRef.current = r.data;
        wire(r.data);
      })
      .catch((e: Error) => live && setStatus({ kind: 'failed', message: e.message }));
    return () => {
      live = false;
    };
    // wire() closes over stable refs only
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  useEffect(() => {
    const id = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(id);
  }, [clock]);

  function wire(data: Loaded) {
    const ids = data.fieldIds;
    const watch = (id: number | undefined, key: 'impact' | 'urgency' | 'tier', prefix: string) => {
      if (id === undefined) return;
      onFieldChange(client, id, (value) => {
        const d = dataRef.current!;
        d.form[key] = value !== null && value.startsWith(prefix) ? value.slice(prefix.length) : null;
        if (key !== 'tier') void syncPriority(d);
        bump();
      });
    };
    watch(ids.impact, 'impact', 'sla_impact_');
    watch(ids.urgency, 'urgency', 'sla_urgency_');
    watch(ids.tier, 'tier', 'sla_tier_');
    // Severity and requester policies: the SLA priority field is the agent's choice, and the native
    // priority follows it at once (S4 sets "normal"), as the service would.
    if (ids.priority !== undefined && data.policy.classification.method !== 'matrix') {
      onFieldChange(client, ids.priority, (value) => {
        const d = dataRef.current!;
        d.form.slaPriority = slaPriorityOf(d.policy, value);
        const native = d.form.slaPriority ? d.policy.priorities[d.form.slaPriority]?.zendesk : undefined;
        if (native && native !== d.form.priority) {
          d.form.priority = native;
          void setPriority(client, native);
        }
        bump();
      });
    }
    onSave(
      client,
      async () => {
        const d = dataRef.current!;
        await writeFields(client, fieldWrites(d, decide(d, clock()).decision));
        setSaveFailed(false);
      },
      () => setSaveFailed(true),
    );
    if (data.settings.lockPriority && !isLead(data.user, data.settings)) lockPriority(client);
  }

  async function syncPriority(d: Loaded) {
    const { decision } = decide(d, clock());
    const target = decision.priority.zendesk;
    // With no impact or urgency yet there is no priority: leave the agent's choice alone.
    if (d.policy.classification.method !== 'matrix' || !target || target === d.form.priority) return;
    d.form.priority = target;
    await setPriority(client, target);
  }

  const data = status.kind === 'ready' ? status.data : null;
  const locale = localeOf(data?.user.locale);
  const t = stringsFor(locale);
  const computed = useMemo(() => (data ? decide(data, now) : null), [data, now, version]);

  useEffect(() => resize(client, document.body.scrollHeight));

  const notices: SidebarProps['notices'] = [];
  if (status.kind === 'invalid') notices.push({ kind: 'error', text: t.policyError, details: status.problems });
  if (status.kind === 'failed') notices.push({ kind: 'error', text: status.message });
  if (data?.stale) notices.push({ kind: 'warning', text: t.stale });
  if (data && data.fieldIds.missing.length) notices.push({ kind: 'warning', text: t.missingFields(data.fieldIds.missing.join(', ')) });
  if (data && data.fieldIds.source === 'settings') notices.push({ kind: 'info', text: t.settingsFallback });
  if (data && data.settings.problems.length) notices.push({ kind: 'warning', text: data.settings.problems.join('; ') });
  if (saveFailed) notices.push({ kind: 'error', text: t.saveError });
  const tierBreaches = data ? tierChangeBreaches(data, now) : [];
  if (tierBreaches.length) notices.push({ kind: 'warning', text: t.tierBreach(tierBreaches.join(', ')) });

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

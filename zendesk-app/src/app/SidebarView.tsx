import { lazy, Suspense, useState } from 'react';
import type { PreviewRow, TicketView } from '@sla-desk/core';
import { Tag } from '@zendeskgarden/react-tags';
import { MD, SM } from '@zendeskgarden/react-typography';
import { HUE } from './hues';
import type { Strings } from './i18n';
import type { Notice } from './notice-list';


export interface OverrideProps {
  priorities: { id: string; label: string }[];
  current: string | null;
  notifyDefault: boolean;
  /** The due times an override to `to` would give, before it is confirmed, and a warning on their order. */
  preview(to: string): { rows: PreviewRow[]; dueOrder: string | null };
  /** The requester's default notice for `to`: their language, no internal reason. */
  defaultNotice(to: string): string;
  /** Which language that notice is in, and why. */
  noticeLanguage: string;
  onSubmit(to: string, reason: string, notify: boolean, notice: string): Promise<string[]>;
}

export interface SidebarProps {
  t: Strings;
  view: TicketView | null;
  notices: Notice[];
  override: OverrideProps | null;
  /** "Why this due time?" for a metric, computed when the agent opens it; null until its code has come. */
  explain?: (metric: string) => string[] | null;
  /** Promises met by an event (findings sent) that are still open: a button each. */
  metButtons?: { metric: string; label: string }[];
  onMet?: (metric: string) => void;
}

// Only triage leads see the override form: its Garden form controls load when one does.
const OverrideForm = lazy(() => import('./OverrideForm'));
// Garden's alerts (and the buttons and icons they bring) load when there is something to say; the
// text shows at once, and takes the alert's look when it has come.
const Alerts = lazy(() => import('./Notices'));

export type { Notice };

/** The notices as plain text, while Garden's alerts load. */
function PlainNotices({ notices }: { notices: Notice[] }) {
  return (
    <>
      {notices.map((n, i) => (
        <div key={i} className={`sla-notice sla-notice-${n.kind}`}>
          <SM>{n.text}</SM>
          {n.details?.map((d) => (
            <SM key={d} isMonospace>
              {d}
            </SM>
          ))}
        </div>
      ))}
    </>
  );
}

function Why({ t, metric, explain }: { t: Strings; metric: string; explain: (metric: string) => string[] | null }) {
  const [open, setOpen] = useState(false);
  const lines = open ? explain(metric) : null;
  return (
    <details className="sla-why" data-testid={`why-${metric}`} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t.why}</summary>
      {lines && (
        <ul data-testid={`why-lines-${metric}`}>
          {lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** Pure: what the sidebar shows for a view model. The container owns ZAF and the clock. */
export function SidebarView({ t, view, notices, override, explain, metButtons, onMet }: SidebarProps) {
  return (
    <div className="sla-sidebar">
      {notices.length > 0 && (
        <Suspense fallback={<PlainNotices notices={notices} />}>
          <Alerts notices={notices} />
        </Suspense>
      )}
      {view && (
        <>
          <div className="sla-row" data-testid="priority">
            <MD isBold>
              {t.priority}: <span data-testid="priority-label">{view.priority.label}</span>
            </MD>
            <SM data-testid="priority-reason">{view.priority.reason}</SM>
            {view.context && (
              <SM className="sla-context" data-testid="policy-context">
                {view.context}
              </SM>
            )}
            {/* Which of the policy's rules chose the tier, Targets or Calendar: the why of a VIP's shorter Targets. */}
            {view.ruleText && (
              <SM className="sla-rule" data-testid="policy-rule">
                {view.ruleText}
              </SM>
            )}
          </div>
          <div className="sla-row">
            <Tag hue="kale" data-testid="tier-badge">
              {view.tier.label}
            </Tag>
            {view.maintenance.map((m) => (
              <Tag key={m.label} hue="orange" data-testid="maintenance-badge">
                {m.text}
              </Tag>
            ))}
          </div>
          {/* Said once when a state changes (the text is the same from one second to the next). */}
          <div className="sla-sr-only" role="status" aria-live="polite" data-testid="announce">
            {view.metrics
              .filter((m) => m.state !== 'not_applicable')
              .map((m) => `${m.label}: ${m.stateLabel}`)
              .join('. ')}
          </div>
          <ul className="sla-metrics">
            {view.metrics.map((m) => (
              <li key={m.metric} data-testid={`metric-${m.metric}`} data-state={m.state} data-tone={m.tone}>
                <div className="sla-metric-head">
                  <SM isBold>{m.label}</SM>
                  <Tag hue={HUE[m.tone]} data-testid={`state-${m.metric}`}>
                    {m.stateLabel}
                  </Tag>
                </div>
                <SM role="timer" aria-live="off" aria-label={`${m.label}: ${m.text}`} data-testid={`countdown-${m.metric}`}>
                  {m.text}
                </SM>
                {m.clockText && (
                  <SM className="sla-clock" data-testid={`clock-${m.metric}`}>
                    {m.clockText}
                    {m.resumesText ? ` · ${m.resumesText}` : ''}
                  </SM>
                )}
                {m.dueText && (
                  <SM data-testid={`due-${m.metric}`}>
                    {t.due} {m.dueText}
                  </SM>
                )}
                {/* A recurring Metric's countdown and due are its open cycle's; the ones before it are history, counted here. */}
                {m.cyclesText && (
                  <SM className="sla-cycles" data-testid={`cycles-${m.metric}`}>
                    {m.cyclesText}
                  </SM>
                )}
                {/* The escalation ladder: the level reached and when the next comes; the service runs each level's actions. */}
                {m.levelText && (
                  <SM className="sla-level" data-testid={`level-${m.metric}`}>
                    {m.levelText}
                  </SM>
                )}
                {explain && m.state !== 'not_applicable' && <Why t={t} metric={m.metric} explain={explain} />}
              </li>
            ))}
          </ul>
          {metButtons?.map((b) => (
            <button key={b.metric} type="button" className="sla-met" data-testid={`met-${b.metric}`} onClick={() => onMet?.(b.metric)}>
              {t.markMet(b.label)}
            </button>
          ))}
          {view.warnings.map((w) => (
            <SM key={w} className="sla-warning" data-testid="warning">
              {w}
            </SM>
          ))}
        </>
      )}
      {override && (
        <Suspense fallback={null}>
          <OverrideForm t={t} {...override} />
        </Suspense>
      )}
    </div>
  );
}

import { lazy, Suspense } from 'react';
import type { TicketView, Tone } from '@sla-desk/core';
import { Alert } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { MD, SM } from '@zendeskgarden/react-typography';
import type { Strings } from './i18n';

/** Garden tag hues for the view model's tones. */
const HUE: Record<Tone, string> = { success: 'green', warning: 'yellow', danger: 'red', neutral: 'grey', info: 'blue' };

export interface OverrideProps {
  priorities: { id: string; label: string }[];
  current: string | null;
  notifyDefault: boolean;
  onSubmit(to: string, reason: string, notify: boolean): Promise<string[]>;
}

export interface SidebarProps {
  t: Strings;
  view: TicketView | null;
  /** Said after the reason once there is a Priority: the policy and tier ("…→ P2, KIWI STAGE+ Plus"). */
  reasonContext?: string;
  notices: { kind: 'warning' | 'error' | 'info'; text: string; details?: string[] }[];
  override: OverrideProps | null;
}

// Only triage leads see the override form: its Garden form controls load when one does.
const OverrideForm = lazy(() => import('./OverrideForm'));

/** Pure: what the sidebar shows for a view model. The container owns ZAF and the clock. */
export function SidebarView({ t, view, reasonContext, notices, override }: SidebarProps) {
  return (
    <div className="sla-sidebar">
      {notices.map((n, i) => (
        <Alert key={i} type={n.kind} role="alert">
          <SM>{n.text}</SM>
          {n.details?.map((d) => (
            <SM key={d} isMonospace>
              {d}
            </SM>
          ))}
        </Alert>
      ))}
      {view && (
        <>
          <div className="sla-row" data-testid="priority">
            <MD isBold>
              {t.priority}: <span data-testid="priority-label">{view.priority.label}</span>
            </MD>
            <SM data-testid="priority-reason">
              {view.priority.reason}
              {reasonContext ? `, ${reasonContext}` : ''}
            </SM>
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
          <ul className="sla-metrics">
            {view.metrics.map((m) => (
              <li key={m.metric} data-testid={`metric-${m.metric}`} data-state={m.state} data-tone={m.tone}>
                <SM isBold>{m.label}</SM>
                <Tag hue={HUE[m.tone]} data-testid={`countdown-${m.metric}`}>
                  {m.text}
                </Tag>
                {m.dueText && (
                  <SM>
                    {t.due} {m.dueText}
                  </SM>
                )}
              </li>
            ))}
          </ul>
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


import { useState } from 'react';
import type { TicketView, Tone } from '@sla-desk/core';
import { Button } from '@zendeskgarden/react-buttons';
import { Checkbox, Field, Label, Select, Textarea } from '@zendeskgarden/react-forms';
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
  notices: { kind: 'warning' | 'error' | 'info'; text: string; details?: string[] }[];
  override: OverrideProps | null;
}

/** Pure: what the sidebar shows for a view model. The container owns ZAF and the clock. */
export function SidebarView({ t, view, notices, override }: SidebarProps) {
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
            <SM data-testid="priority-reason">{view.priority.reason}</SM>
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
      {override && <OverrideForm t={t} {...override} />}
    </div>
  );
}

function OverrideForm({ t, priorities, current, notifyDefault, onSubmit }: OverrideProps & { t: Strings }) {
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState(priorities.find((p) => p.id !== current)?.id ?? '');
  const [reason, setReason] = useState('');
  const [notify, setNotify] = useState(notifyDefault);
  const [errors, setErrors] = useState<string[]>([]);
  if (!open) {
    return (
      <Button size="small" onClick={() => setOpen(true)} data-testid="override-open">
        {t.override}
      </Button>
    );
  }
  return (
    <form
      data-testid="override-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const problems = await onSubmit(to, reason, notify);
        setErrors(problems);
        if (!problems.length) setOpen(false);
      }}
    >
      <Field>
        <Label>{t.overrideTo}</Label>
        <Select value={to} onChange={(e) => setTo(e.target.value)} data-testid="override-to">
          {priorities.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field>
        <Label>{t.reason}</Label>
        <Textarea value={reason} onChange={(e) => setReason(e.target.value)} data-testid="override-reason" />
      </Field>
      <Field>
        <Checkbox checked={notify} onChange={(e) => setNotify(e.target.checked)}>
          <Label>{t.notify}</Label>
        </Checkbox>
      </Field>
      {errors.map((er) => (
        <SM key={er} className="sla-error" data-testid="override-error">
          {er}
        </SM>
      ))}
      <Button type="submit" size="small" isPrimary data-testid="override-apply">
        {t.apply}
      </Button>{' '}
      <Button size="small" isBasic onClick={() => setOpen(false)}>
        {t.cancel}
      </Button>
    </form>
  );
}

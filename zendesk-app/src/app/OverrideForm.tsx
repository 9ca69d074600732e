import { useState } from 'react';
import { Button } from '@zendeskgarden/react-buttons';
import { Checkbox, Field, Hint, Label, Select, Textarea } from '@zendeskgarden/react-forms';
import { SM } from '@zendeskgarden/react-typography';
import { reasonProblem } from '@sla-desk/core';
import type { Strings } from './i18n';
import type { OverrideProps } from './SidebarView';

export default function OverrideForm({ t, priorities, current, notifyDefault, preview, defaultNotice, noticeLanguage, onSubmit }: OverrideProps & { t: Strings }) {
  const [open, setOpen] = useState(false);
  const firstOther = () => priorities.find((p) => p.id !== current)?.id ?? '';
  const [to, setTo] = useState(firstOther);
  const [reason, setReason] = useState('');
  const [notify, setNotify] = useState(notifyDefault);
  // null: the default text for the chosen priority, until the lead writes their own.
  const [notice, setNotice] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  if (!open) {
    return (
      <Button
        size="small"
        onClick={() => {
          // Each opening starts afresh, from the priority the ticket has now (an applied override changed it).
          setTo(firstOther());
          setReason('');
          setNotify(notifyDefault);
          setNotice(null);
          setErrors([]);
          setOpen(true);
        }}
        data-testid="override-open"
      >
        {t.override}
      </Button>
    );
  }
  const { rows, dueOrder } = to ? preview(to) : { rows: [], dueOrder: null };
  const noticeText = notice ?? (to ? defaultNotice(to) : '');
  return (
    <form
      data-testid="override-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const problems = await onSubmit(to, reason, notify, noticeText);
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
      {rows.length > 0 && (
        <div className="sla-preview" data-testid="override-preview" aria-live="polite">
          <SM isBold>{t.preview}</SM>
          {rows.map((r) => (
            <SM key={r.metric} data-testid={`preview-${r.metric}`}>
              {r.label}: {r.before} → {r.after}
              {r.breachesNow && (
                <span className="sla-breach" role="alert" data-testid={`preview-breach-${r.metric}`}>
                  {' '}
                  ⚠ {t.breachesNow}
                </span>
              )}
            </SM>
          ))}
          {dueOrder && (
            <SM className="sla-breach" role="alert" data-testid="preview-due-order">
              ⚠ {dueOrder}
            </SM>
          )}
        </div>
      )}
      <Field>
        <Label>{t.reason}</Label>
        <Textarea
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            // Core's rule, so the error goes the moment the reason would be accepted, not at the next Apply.
            if (reasonProblem(e.target.value) === null) setErrors((all) => all.filter((er) => !er.startsWith('reason:')));
          }}
          data-testid="override-reason"
        />
      </Field>
      <Field>
        <Checkbox checked={notify} onChange={(e) => setNotify(e.target.checked)}>
          <Label>{t.notify}</Label>
        </Checkbox>
      </Field>
      {notify && (
        <Field>
          <Label>{t.noticeLabel}</Label>
          <Hint data-testid="override-notice-language">{noticeLanguage}</Hint>
          <Textarea value={noticeText} onChange={(e) => setNotice(e.target.value)} data-testid="override-notice" />
        </Field>
      )}
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

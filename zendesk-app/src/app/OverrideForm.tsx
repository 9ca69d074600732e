import { useState } from 'react';
import { Button } from '@zendeskgarden/react-buttons';
import { Checkbox, Field, Label, Select, Textarea } from '@zendeskgarden/react-forms';
import { SM } from '@zendeskgarden/react-typography';
import type { Strings } from './i18n';
import type { OverrideProps } from './SidebarView';

export default function OverrideForm({ t, priorities, current, notifyDefault, onSubmit }: OverrideProps & { t: Strings }) {
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

import { useState } from 'react';
import { Box, Button, Checkbox, Form, Label, SectionMessage, Select, Text, TextArea } from '@forge/react';
import { noticeLanguage, noticeLanguageText, overridePreview, reasonProblem, requesterNotice, resolutionBeforeResponse } from '@sla-desk/core';
import { valueOf } from './call';
import type { PanelData } from './SlaView';

const WORDS = {
  en: { newPriority: 'New priority', reason: 'Reason (required)', override: 'Override priority', apply: 'Apply override', cancel: 'Cancel', preview: 'New due times', breachesNow: 'breached at once', notify: 'Tell the requester', notice: 'Message to the requester (they see this, not the reason)' },
  fr: { newPriority: 'Nouvelle priorité', reason: 'Raison (obligatoire)', override: 'Modifier la priorité', apply: 'Appliquer', cancel: 'Annuler', preview: 'Nouvelles échéances', breachesNow: 'dépassé dès maintenant', notify: 'Informer le demandeur', notice: 'Message au demandeur (il voit ceci, pas la raison)' },
};

type Props = { data: PanelData; onSubmit(to: string, reason: string, notify: boolean, notice: string): Promise<string[]> };

/**
 * A triage lead's override on the issue panel, as on the Zendesk sidebar: a button opens the form,
 * and an applied override closes it, so the next one starts from the issue's new priority.
 */
export function OverrideForm({ data, onSubmit }: Props) {
  const [open, setOpen] = useState(false);
  const w = WORDS[data.locale];
  if (!open) return <Button onClick={() => setOpen(true)}>{w.override}</Button>;
  return (
    <OpenForm
      data={data}
      onClose={() => setOpen(false)}
      onSubmit={async (...a) => {
        const problems = await onSubmit(...a);
        if (!problems.length) setOpen(false);
        return problems;
      }}
    />
  );
}

// Mounted anew each time the form opens: its fields start from the issue as it then stands.
function OpenForm({ data, onSubmit, onClose }: Props & { onClose(): void }) {
  const { priorities, current } = data;
  const [to, setTo] = useState(priorities.find((p) => p.id !== current)?.id ?? '');
  const [reason, setReason] = useState('');
  const [notify, setNotify] = useState(false);
  // null: the default text for the chosen priority, until the lead writes their own.
  const [notice, setNotice] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const w = WORDS[data.locale];
  const language = noticeLanguage(data.requesterLocale, data.policy.locale);
  const noticeText = notice ?? (to ? requesterNotice(data.policy, to, language.locale) : '');
  const rows = to ? overridePreview(data.policy, data.timeline, to, Date.now(), data.locale, data.timezone) : [];
  const dueOrder = resolutionBeforeResponse(data.policy, rows, data.locale);
  return (
    <Form onSubmit={async () => setProblems(await onSubmit(to, reason, notify, noticeText))}>
      <Box>
        <Label labelFor="sla-override-to">{w.newPriority}</Label>
        {/* Shows the priority the preview below is for, from the start. */}
        <Select
          id="sla-override-to"
          options={priorities.map((p) => ({ label: p.label, value: p.id }))}
          defaultValue={priorities.filter((p) => p.id === to).map((p) => ({ label: p.label, value: p.id }))[0]}
          onChange={(o: { value: string }) => setTo(o.value)}
        />
        {rows.length > 0 && <Text>{w.preview}</Text>}
        {rows.map((r) => (
          <Text key={r.metric}>{`${r.label}: ${r.before} → ${r.after}${r.breachesNow ? ` ⚠ ${w.breachesNow}` : ''}`}</Text>
        ))}
        {dueOrder && (
          <SectionMessage appearance="warning">
            <Text>{dueOrder}</Text>
          </SectionMessage>
        )}
        <Label labelFor="sla-override-reason">{w.reason}</Label>
        <TextArea
          id="sla-override-reason"
          value={reason}
          onChange={(e) => {
            const next = valueOf(e);
            setReason(next);
            // Core's rule, so the error goes the moment the reason would be accepted, not at the next Apply.
            if (reasonProblem(next) === null) setProblems((all) => all.filter((p) => !p.startsWith('reason:')));
          }}
        />
        <Checkbox id="sla-override-notify" label={w.notify} isChecked={notify} onChange={(e: { target?: { checked?: boolean } }) => setNotify(e?.target?.checked === true)} />
        {notify && <Label labelFor="sla-override-notice">{w.notice}</Label>}
        {notify && <TextArea id="sla-override-notice" value={noticeText} onChange={(e) => setNotice(valueOf(e))} />}
        {notify && <Text>{noticeLanguageText(language, 'jira', data.locale)}</Text>}
        {problems.map((p) => (
          <Text key={p}>{p}</Text>
        ))}
        <Button type="submit" appearance="primary">
          {w.apply}
        </Button>
        <Button appearance="subtle" onClick={onClose}>
          {w.cancel}
        </Button>
      </Box>
    </Form>
  );
}

import { useEffect, useState } from 'react';
import { Box, Button, Form, Heading, Inline, Label, Lozenge, SectionMessage, Select, Stack, Text, TextArea } from '@forge/react';
import { valueOf } from './call';
import { evaluate, ticketView, type Locale, type Policy, type Timeline, type Tone, type TicketView } from '@sla-desk/core';

/** UI Kit lozenge appearances for the view model's tones, so Jira shows what Zendesk shows. */
const APPEARANCE: Record<Tone, 'success' | 'moved' | 'removed' | 'default' | 'inprogress'> = {
  success: 'success',
  warning: 'moved',
  danger: 'removed',
  neutral: 'default',
  info: 'inprogress',
};

export interface PanelData {
  ok: true;
  view: TicketView;
  policy: Policy;
  timeline: Timeline;
  locale: Locale;
  timezone: string;
  policyName: string;
  priorities: { id: string; label: string }[];
  current: string | null;
  lead: boolean;
}

/** Re-evaluates the timeline every second: the countdown runs without calling Jira again. */
export function useLiveView(data: PanelData | null, clock: () => number = Date.now): TicketView | null {
  const [now, setNow] = useState(clock());
  useEffect(() => {
    const id = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(id);
  }, [clock]);
  if (!data) return null;
  return ticketView(evaluate(data.policy, data.timeline, now), data.locale, data.timezone);
}

export function SlaView({ view, policyName }: { view: TicketView; policyName: string }) {
  return (
    <Stack space="space.100">
      <Inline space="space.100" alignBlock="center">
        <Heading as="h4">{view.priority.label}</Heading>
        <Lozenge appearance="inprogress">{view.tier.label}</Lozenge>
        {view.maintenance.map((m) => (
          <Lozenge key={m.label} appearance="moved">
            {m.text}
          </Lozenge>
        ))}
      </Inline>
      <Text>
        {view.priority.reason}, {policyName} {view.tier.label}
      </Text>
      {view.metrics.map((m) => (
        <Inline key={m.metric} space="space.100" spread="space-between">
          <Text>{m.label}</Text>
          <Lozenge appearance={APPEARANCE[m.tone]}>{m.text}</Lozenge>
        </Inline>
      ))}
      {view.warnings.map((w) => (
        <SectionMessage key={w} appearance="warning">
          <Text>{w}</Text>
        </SectionMessage>
      ))}
    </Stack>
  );
}

export function OverrideForm({ priorities, current, onSubmit }: { priorities: PanelData['priorities']; current: string | null; onSubmit(to: string, reason: string): Promise<string[]> }) {
  const [to, setTo] = useState(priorities.find((p) => p.id !== current)?.id ?? '');
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <Form onSubmit={async () => setProblems(await onSubmit(to, reason))}>
      <Box>
        <Label labelFor="sla-override-to">New priority</Label>
        <Select id="sla-override-to" options={priorities.map((p) => ({ label: p.label, value: p.id }))} onChange={(o: { value: string }) => setTo(o.value)} />
        <Label labelFor="sla-override-reason">Reason (required)</Label>
        <TextArea id="sla-override-reason" value={reason} onChange={(e) => setReason(valueOf(e))} />
        {problems.map((p) => (
          <Text key={p}>{p}</Text>
        ))}
        <Button type="submit" appearance="primary">
          Override priority
        </Button>
      </Box>
    </Form>
  );
}

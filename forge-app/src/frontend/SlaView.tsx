import { useEffect, useState } from 'react';
import { Button, Heading, Inline, Lozenge, SectionMessage, Stack, Text } from '@forge/react';
import { evaluate, explain, explanationLines, ticketView, type Locale, type Policy, type Timeline, type Tone, type TicketView } from '@sla-desk/core';

/**
 * UI Kit lozenge appearances for the view model's tones, so Jira shows what Zendesk shows. The
 * tier badge is "new" (purple): "Met" (blue) never shares its colour.
 */
const APPEARANCE: Record<Tone, 'success' | 'moved' | 'removed' | 'default' | 'inprogress'> = {
  success: 'success',
  warning: 'moved',
  danger: 'removed',
  neutral: 'default',
  info: 'inprogress',
};

/** The panel's own words; the SLA texts come from core's view model. */
const WORDS = {
  en: { due: 'Due', why: 'Why this due time?', hide: 'Hide' },
  fr: { due: 'Échéance', why: 'Pourquoi cette échéance ?', hide: 'Masquer' },
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
  /** For a lead: the reporter's Jira language, for the override's notice (null: Jira does not say). */
  requesterLocale?: string | null;
  /** Jira's own priority, given only while the SLA has none, so it is not taken for the SLA's. */
  nativePriority?: string | null;
  /** Promises kept by an event that are still open ("findings sent"). */
  metButtons?: { metric: string; label: string }[];
  /** Empty fields the SLA needs that the edit screen lacks, so nobody can set them. */
  offScreen?: string[];
}

/**
 * Why an empty Impact (or Urgency, or Tier) stays empty: Jira refuses a value for a field that is
 * not on the screen. Said on the panel, so the agent knows whom to ask.
 */
export function offScreenText(names: string[], locale: Locale): string | null {
  if (!names.length) return null;
  const list = names.join(locale === 'fr' ? ' et ' : ' and ');
  const one = names.length === 1;
  return locale === 'fr'
    ? `${list} ${one ? "n'est" : 'ne sont'} pas sur l'écran de modification de ce ticket : personne ne peut ${one ? 'le' : 'les'} renseigner ici. Un administrateur Jira peut ${one ? "l'y" : 'les y'} ajouter (voir la page d'administration de SLA Desk).`
    : `${list} ${one ? 'is' : 'are'} not on this issue's edit screen, so nobody can set ${one ? 'it' : 'them'} here. A Jira admin can add ${one ? 'it' : 'them'} (see SLA Desk's admin page).`;
}

/** Re-evaluates the timeline every second: the countdown runs without calling Jira again. */
export function useLiveView(data: PanelData | null, clock: () => number = Date.now): TicketView | null {
  const [now, setNow] = useState(clock());
  useEffect(() => {
    const id = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(id);
  }, [clock]);
  if (!data) return null;
  return ticketView(evaluate(data.policy, data.timeline, now), data.locale, data.timezone, data.policy);
}

function Why({ data, metric }: { data: PanelData; metric: string }) {
  const [open, setOpen] = useState(false);
  const w = WORDS[data.locale];
  // Worked out when opened, at that instant: the explanation does not tick with the countdown.
  const [lines, setLines] = useState<string[]>([]);
  return (
    <Stack space="space.050">
      <Button
        appearance="subtle"
        onClick={() => {
          if (!open) {
            const e = explain(data.policy, data.timeline, Date.now(), metric);
            setLines(explanationLines(e, e.metrics[0], data.locale, data.timezone));
          }
          setOpen(!open);
        }}
      >
        {open ? w.hide : w.why}
      </Button>
      {open && lines.map((l, i) => <Text key={i}>{l}</Text>)}
    </Stack>
  );
}

export function SlaView({ view, data }: { view: TicketView; data?: PanelData }) {
  const w = WORDS[data?.locale ?? 'en'];
  return (
    <Stack space="space.100">
      <Inline space="space.100" alignBlock="center">
        <Heading as="h4">{view.priority.label}</Heading>
        <Lozenge appearance="new">{view.tier.label}</Lozenge>
        {view.maintenance.map((m) => (
          <Lozenge key={m.label} appearance="moved">
            {m.text}
          </Lozenge>
        ))}
      </Inline>
      <Text>{view.priority.reason}</Text>
      {data?.nativePriority && (
        <Text>
          {data.locale === 'fr'
            ? `La priorité Jira « ${data.nativePriority} » est celle de Jira, pas celle du SLA.`
            : `Jira's own priority "${data.nativePriority}" is not the SLA's.`}
        </Text>
      )}
      {view.context && <Text>{view.context}</Text>}
      {/* Which of the policy's rules chose the tier, Targets or Calendar. */}
      {view.ruleText && <Text>{view.ruleText}</Text>}
      {view.metrics.map((m) => (
        <Stack key={m.metric} space="space.050">
          <Inline space="space.100" spread="space-between">
            <Text>{m.label}</Text>
            {/* A lozenge upper-cases its text: it carries the state's words, never a duration. */}
            <Lozenge appearance={APPEARANCE[m.tone]}>{m.stateLabel}</Lozenge>
          </Inline>
          {/* A recurring Metric: the open cycle's countdown, and how the ended cycles went ("1 of 2 met"). */}
          <Text>{m.cyclesText ? `${m.text} · ${m.cyclesText}` : m.text}</Text>
          {m.clockText && <Text>{m.resumesText ? `${m.clockText} · ${m.resumesText}` : m.clockText}</Text>}
          {m.dueText && <Text>{`${w.due} ${m.dueText}`}</Text>}
          {/* The escalation ladder: the level reached and when the next comes (the app runs each level's actions). */}
          {m.levelText && <Text>{m.levelText}</Text>}
          {data && m.state !== 'not_applicable' && <Why data={data} metric={m.metric} />}
        </Stack>
      ))}
      {view.warnings.map((x) => (
        <SectionMessage key={x} appearance="warning">
          <Text>{x}</Text>
        </SectionMessage>
      ))}
    </Stack>
  );
}

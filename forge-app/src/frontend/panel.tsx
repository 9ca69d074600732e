import { useEffect, useState } from 'react';
import ForgeReconciler, { Button, SectionMessage, Stack, Text } from '@forge/react';
import { call } from './call';
import { offScreenText, SlaView, useLiveView, type PanelData } from './SlaView';
import { OverrideForm } from './OverrideForm';

type Loaded = PanelData | { ok: false; problems: string[] };

/** The issue panel: the live countdown, the tier and the reason, and the override for leads. */
export function Panel() {
  const [data, setData] = useState<Loaded | null>(null);
  const load = () => call<Loaded>('panel').then(setData, (e: Error) => setData({ ok: false, problems: [e.message] }));
  useEffect(() => void load(), []);
  const view = useLiveView(data && data.ok ? data : null);
  if (!data) return <Text>Loading…</Text>;
  if (!data.ok) {
    return (
      <SectionMessage appearance="error" title="SLA Desk">
        {data.problems.map((p) => (
          <Text key={p}>{p}</Text>
        ))}
      </SectionMessage>
    );
  }
  const screenProblem = offScreenText(data.offScreen ?? [], data.locale);
  return (
    <Stack space="space.200">
      {view && <SlaView view={view} data={data} />}
      {screenProblem && (
        <SectionMessage appearance="warning">
          <Text>{screenProblem}</Text>
        </SectionMessage>
      )}
      {(data.metButtons ?? []).map((b) => (
        <Button
          key={b.metric}
          onClick={async () => {
            const r = await call<{ ok: boolean; problems?: string[] }>('markMet', { metric: b.metric });
            if (r.ok) await load();
            else setData({ ok: false, problems: r.problems ?? [] });
          }}
        >
          {data.locale === 'fr' ? `Marquer comme tenu : ${b.label}` : `Mark as met: ${b.label}`}
        </Button>
      ))}
      {data.lead && (
        <OverrideForm
          data={data}
          onSubmit={async (to, reason, notify, notice) => {
            const r = await call<{ ok: boolean; problems?: string[] }>('override', notify ? { to, reason, notify, notice } : { to, reason });
            if (r.ok) await load();
            return r.problems ?? [];
          }}
        />
      )}
    </Stack>
  );
}

ForgeReconciler.render(<Panel />);

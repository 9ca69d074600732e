import { useEffect, useState } from 'react';
import ForgeReconciler, { Heading, Stack, Text } from '@forge/react';
import { summaryLine } from '@sla-desk/core';
import { call } from './call';
import { SlaView, useLiveView, type PanelData } from './SlaView';

/**
 * The issue glance: the same live view as the panel, without the override. Forge's glance label
 * in the manifest is static text, so the live "P2 · Plus · Resolution: 3h 20m business time left" heads the glance instead.
 */
export function Glance() {
  const [data, setData] = useState<PanelData | { ok: false; problems: string[] } | null>(null);
  useEffect(() => void call<PanelData>('panel').then(setData, (e: Error) => setData({ ok: false, problems: [e.message] })), []);
  const view = useLiveView(data && data.ok ? data : null);
  if (!data) return <Text>Loading…</Text>;
  if (!data.ok) return <Text>{data.problems.join('; ')}</Text>;
  if (!view) return null;
  return (
    <Stack space="space.100">
      <Heading as="h3">{summaryLine(view)}</Heading>
      <SlaView view={view} data={data} />
    </Stack>
  );
}

ForgeReconciler.render(<Glance />);

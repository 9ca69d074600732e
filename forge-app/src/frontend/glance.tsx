import { useEffect, useState } from 'react';
import ForgeReconciler, { Text } from '@forge/react';
import { call } from './call';
import { SlaView, useLiveView, type PanelData } from './SlaView';

/** The issue glance: the same live view as the panel, without the override. */
export function Glance() {
  const [data, setData] = useState<PanelData | { ok: false; problems: string[] } | null>(null);
  useEffect(() => void call<PanelData>('panel').then(setData, (e: Error) => setData({ ok: false, problems: [e.message] })), []);
  const view = useLiveView(data && data.ok ? data : null);
  if (!data) return <Text>Loading…</Text>;
  if (!data.ok) return <Text>{data.problems.join('; ')}</Text>;
  return view ? <SlaView view={view} policyName={data.policyName} /> : null;
}

ForgeReconciler.render(<Glance />);

import { DynamicTable } from '@forge/react';
import type { PromiseTable as Promises } from '@sla-desk/core';

/** What each Tier promises at each Priority under the saved policy, as the workbench's policy page shows it. */
export function PromiseTable({ promises }: { promises: Promises }) {
  const head = { cells: [{ key: 'tier', content: 'Tier' }, { key: 'priority', content: 'Priority' }, ...promises.metrics.map((m) => ({ key: m.id, content: m.label })), { key: 'calendar', content: 'Calendar' }] };
  const rows = promises.rows.map((r) => ({
    key: `${r.tier}.${r.priority}`,
    cells: [
      { key: 'tier', content: r.tierLabel },
      { key: 'priority', content: r.priorityLabel },
      // "—": the tier promises nothing for this Metric at this Priority.
      ...r.targets.map((t, i) => ({ key: promises.metrics[i].id, content: t ?? '—' })),
      { key: 'calendar', content: r.calendar },
    ],
  }));
  return <DynamicTable caption="What each tier promises" head={head} rows={rows} />;
}

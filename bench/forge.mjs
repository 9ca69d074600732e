// The Forge app's figures for npm run bench: Jira requests per issue event, and the panel
// resolver's time, both against the Jira REST emulator of test/jira. The app's TypeScript is
// compiled to a temporary folder, and @forge/api and @forge/kvs are pointed at the emulator.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileHosts, loadForge } from '../workbench/src/forge-host.mjs';

export async function forgeRows(root, log) {
  // Inside forge-app, so the compiled code resolves its packages as the app does.
  const out = join(root, 'forge-app', '.bench');
  rmSync(out, { recursive: true, force: true });
  log('compiling the Forge app...');
  compileHosts(root, out);
  const store = new Map();
  const { jira, triggers, resolvers, config, JiraClient } = loadForge(root, out, store);
  const { onIssueEvent } = triggers;
  const { panel } = resolvers;
  const { CONFIG_KEY, DEFAULT_CONFIG } = config;
  store.set(CONFIG_KEY, {
    ...DEFAULT_CONFIG,
    map: { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052', pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done'] },
    fields: { due: { first_response: 'customfield_10101', resolution: 'customfield_10102' }, state: 'customfield_10103', tier: 'customfield_10104' },
    leadGroups: ['triage-leads'],
  });
  jira.groups.set('lead-1', ['triage-leads']);
  const issue = jira.addIssue({
    id: '10001',
    key: 'SUP-1',
    fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '3', name: 'Medium' }, reporter: { accountId: 'c' }, customfield_10050: { value: '2. Important' }, customfield_10051: { value: '1. Critical' }, customfield_10052: { value: 'Plus' } },
  });
  const now = Date.parse('2026-11-20T14:10:00Z');
  const count = async (event) => {
    jira.requests = [];
    await onIssueEvent(event, new JiraClient('app'), now);
    return { reads: jira.requests.filter((r) => r.method === 'GET').length, writes: jira.writes().length };
  };
  const rows = [];
  const fmt = (c) => `${c.reads} read, ${c.writes} write${c.writes === 1 ? '' : 's'}`;
  const created = await count({ issue: { id: '10001', key: 'SUP-1' } });
  rows.push(['Jira requests: issue created with Impact and Urgency (priority set, SLA fields written)', fmt(created), '', '≤ 1 read, ≤ 1 write', created.reads <= 1 && created.writes <= 1]);
  issue.fields.status = { name: 'Waiting for customer' };
  issue.histories.push({ id: 'h1', created: '2026-11-20T14:05:00.000+0000', items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '2', toString: 'Waiting for customer' }] });
  const status = await count({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'status', fieldId: 'status' }] } });
  rows.push(['Jira requests: status changed (fields rewritten, priority unchanged)', fmt(status), '', '≤ 1 read, ≤ 1 write', status.reads <= 1 && status.writes <= 1]);
  const same = await count({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'status', fieldId: 'status' }] } });
  rows.push(['Jira requests: event with nothing to change', fmt(same), '', '0 writes', same.writes === 0]);
  const own = await count({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'SLA state', fieldId: 'customfield_10103' }] } });
  rows.push(['Jira requests: event touching only the app\'s own fields (loop guard)', fmt(own), '', '0 writes', own.writes === 0]);

  // The panel resolver: one read, the evaluation and the view model, on one core.
  const ctx = { accountId: 'lead-1', locale: 'en-US', timezone: 'America/Toronto', extension: { issue: { key: 'SUP-1', id: '10001' } } };
  for (let i = 0; i < 50; i++) await panel(ctx, new JiraClient('app'), now);
  const N = 500;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await panel(ctx, new JiraClient('app'), now + i * 1000);
  const used = process.cpuUsage(c0);
  rows.push(['Forge panel resolver against the emulator (read, evaluate, view model, lead check)', ((used.user + used.system) / 1000 / N).toFixed(2), 'ms CPU per call', '', null]);
  rmSync(out, { recursive: true, force: true });
  return rows;
}

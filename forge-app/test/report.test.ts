import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { forgeSql, freshSite, jira, store, testConfig, warmSite } from './setup';
import { JiraClient } from '../src/jira/client';
import { onIssueDeleted, onIssueEvent, readIssue } from '../src/triggers';
import { planIssue } from '../src/issue';
import { PRESETS } from '../src/presets';
import { keepOutcomes, projectsWithOutcomes, ROWS_PER_STATEMENT, TABLE } from '../src/outcome-store';
import { report, reportDefinitions, type ReportAnswer } from '../src/report-resolver';
import { periodOf } from '../src/report';
import type { JiraIssue } from '../src/jira/client';
import type { Outcome } from '@sla-desk/core';

const ROOT = join(__dirname, '..', '..');
const NOW = Date.parse('2026-11-27T18:00:00Z');
const kiwi = PRESETS['kiwi-stage-plus'];
const client = () => new JiraClient('app', { sleep: async () => undefined });
const user = (accountId: string) => {
  jira.currentUser = accountId;
  return new JiraClient('user', { sleep: async () => undefined });
};
const IMPACT = ['1. Extended', '2. Important', '3. Moderate', '4. Minor'];
const URGENCY = ['1. Critical', '2. High', '3. Medium', '4. Low'];

/**
 * A desk over three weeks in two projects: every issue a different mix of Impact, Urgency and Tier,
 * replied to (or not) and solved (or not) at different times, so that met, breached and open
 * cycles of both Metrics fall in several weeks.
 */
function seedDesk(count = 24): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const project = i % 3 === 0 ? 'OPS' : 'SUP';
    const key = `${project}-${i + 1}`;
    const created = Date.parse('2026-11-09T14:00:00Z') + i * 19 * 3600_000;
    const at = (h: number) => new Date(created + h * 3600_000).toISOString();
    const issue = jira.addIssue({
      id: String(20000 + i),
      key,
      fields: {
        created: at(0),
        status: { name: 'Open' },
        priority: { id: '3', name: 'Medium' },
        reporter: { accountId: 'customer-1' },
        customfield_10050: { value: IMPACT[i % 4] },
        customfield_10051: { value: URGENCY[(i >> 1) % 4] },
        customfield_10052: { value: i % 5 < 2 ? 'Plus' : 'Basic' },
      },
    });
    // A reply after 0.5 h to 12 h; none for every seventh issue.
    if (i % 7 !== 6) issue.comments.push({ id: `c${i}`, created: at(0.5 + (i % 6) * 2.3), author: { accountId: 'agent-1' }, body: 'On it' });
    // Solved after 3 h to 60 h, for two issues of three.
    if (i % 3 !== 2) {
      issue.histories.push({ id: `h${i}`, created: at(3 + (i % 8) * 8), author: { accountId: 'agent-1' }, items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '10002', toString: 'Done' }] as never });
      issue.fields.status = { name: 'Done' };
    }
    keys.push(key);
  }
  return keys;
}

beforeEach(async () => {
  freshSite();
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent' });
  jira.addUser({ accountId: 'viewer-sup', displayName: 'Sam Viewer', projects: { SUP: ['BROWSE_PROJECTS'] } });
  jira.addUser({ accountId: 'viewer-all', displayName: 'Kim Lead', projects: { SUP: ['BROWSE_PROJECTS'], OPS: ['BROWSE_PROJECTS'] } });
  jira.addUser({ accountId: 'nobody', displayName: 'No Access' });
  await warmSite(NOW);
});

async function evaluateDesk(keys: string[]) {
  for (const key of keys) await onIssueEvent({ issue: { id: jira.issues.get(key)!.id, key } }, client(), NOW);
}

/** The timelines the app evaluated, as JSON lines for `sla report`: the same data, read by the app's own adapter. */
async function timelinesFile(keys: string[]): Promise<string> {
  const lines: string[] = [];
  for (const key of keys) {
    const { site, issue } = await readIssue(client(), testConfig, key, NOW, kiwi);
    lines.push(JSON.stringify((await planIssue(client(), testConfig, kiwi, issue, NOW, site)).timeline));
  }
  const file = join(mkdtempSync(join(tmpdir(), 'sla-forge-report-')), 'timelines.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function cli(file: string, ...args: string[]) {
  return JSON.parse(execFileSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), 'report', '--outcomes', '--policy', 'kiwi-stage-plus', '--now', new Date(NOW).toISOString(), '--format', 'json', ...args, file], { encoding: 'utf8' }));
}

/** An issue's stored rows, as the app's database holds them. */
async function stored(issueId: string) {
  return forgeSql.select<{ issue_key: string; project_id: string; project_key: string; metric: string; cycle: number; state: string; working_ms: number; tier: string; priority: string; group_name: string | null }>(`SELECT * FROM ${TABLE} WHERE issue_id = ? ORDER BY started_at, metric, cycle`, [issueId]);
}

const ok = (a: ReportAnswer) => {
  if (!a.ok) throw new Error(a.problems.join('; '));
  return a;
};

test('the trigger keeps each Metric\'s outcome per cycle, under its project, and keeps it after the issue is solved', async () => {
  const keys = seedDesk(6);
  await evaluateDesk(keys);
  const sup2 = await stored('20001');
  expect(sup2.map((r) => [r.issue_key, r.project_key, r.project_id, r.metric, Number(r.cycle)])).toEqual([
    ['SUP-2', 'SUP', jira.projectId('SUP'), 'first_response', 1],
    ['SUP-2', 'SUP', jira.projectId('SUP'), 'resolution', 1],
  ]);
  expect(sup2.every((r) => /^(met|breached)$/.test(r.state) && r.tier === 'plus' && r.priority !== '')).toBe(true);
  // Solved: evaluated again (a comment after resolution), the outcome is the same, and nothing is written.
  forgeSql.log.length = 0;
  await onIssueEvent({ issue: { id: '20001', key: 'SUP-2' } }, client(), NOW + 3600_000);
  expect(await stored('20001')).toEqual(sup2);
  expect(forgeSql.log.filter((l) => /^\s*(insert|update|delete)/i.test(l.query))).toEqual([]);
  // Nothing about the issue's content is kept: ids, states and instants only.
  expect(JSON.stringify(await forgeSql.select(`SELECT * FROM ${TABLE}`))).not.toMatch(/On it|customer-1|agent-1|Lea Agent/);
});

test('the schema is made once per installation, through Forge SQL\'s migrations and its DDL endpoint', async () => {
  await evaluateDesk(seedDesk(2));
  const migrations = await forgeSql.select<{ name: string }>('SELECT name FROM __migrations');
  expect(migrations.map((m) => m.name)).toEqual(['v001_create_sla_outcomes']);
  // A new runtime (a cold start) runs the migrations again: those run already are passed over.
  forgeSql.log.length = 0;
  await jest.isolateModulesAsync(async () => (await import('../src/outcome-store')).ensureSchema());
  const ddl = forgeSql.log.filter((l) => /^\s*create/i.test(l.query));
  expect(ddl.map((l) => l.query)).toEqual([expect.stringContaining('CREATE TABLE IF NOT EXISTS __migrations')]);
  expect(ddl.every((l) => l.path === '/api/v1/execute/ddl')).toBe(true);
  // The DML endpoint refuses DDL, as Forge SQL's does: the app never sends it there.
  const refused = await forgeSql.fetch('/api/v1/execute', { method: 'POST', body: JSON.stringify({ query: `DROP TABLE ${TABLE}`, params: [], method: 'all' }) });
  expect(refused.status).toBe(400);
  expect(JSON.parse(await refused.text())).toMatchObject({ code: 'INVALID_SQL_QUERY' });
});

test('a failed write of the outcomes fails the pass (Forge retries it), after the issue\'s own fields; the retry keeps them', async () => {
  const [key] = seedDesk(1);
  forgeSql.failNext(1, { status: 429, code: 'RATE_LIMIT_EXCEEDED', match: /^INSERT INTO sla_outcomes/ });
  await expect(onIssueEvent({ issue: { id: '20000', key } }, client(), NOW)).rejects.toThrow('RATE_LIMIT_EXCEEDED');
  expect(jira.issues.get(key)!.fields.priority).not.toEqual({ id: '3', name: 'Medium' });
  expect(await stored('20000')).toEqual([]);
  await onIssueEvent({ issue: { id: '20000', key } }, client(), NOW);
  expect(await stored('20000')).toHaveLength(2);
});

test('an issue moved to another project takes its outcomes along; nothing stays under the old project', async () => {
  const issue = { id: '777', key: 'SUP-7', fields: { project: { id: '1', key: 'SUP' } } } as unknown as JiraIssue;
  const o: Outcome = { ticketId: 'SUP-7', metric: 'first_response', cycle: 1, state: 'met', workingMs: 60_000, tier: 'basic', priority: 'P2', group: null, startedAt: NOW - 7200_000, endedAt: NOW - 3600_000, dueAt: NOW };
  expect(await keepOutcomes(issue, [o])).toBe(true);
  expect(await keepOutcomes(issue, [o])).toBe(false);
  const moved = { ...issue, key: 'OPS-1', fields: { project: { id: '2', key: 'OPS' } } } as unknown as JiraIssue;
  const later: Outcome = { ...o, ticketId: 'OPS-1', metric: 'resolution', state: 'open', endedAt: null };
  expect(await keepOutcomes(moved, [later])).toBe(true);
  expect((await stored('777')).map((r) => [r.metric, r.issue_key, r.project_id, r.project_key])).toEqual([
    ['first_response', 'OPS-1', '2', 'OPS'],
    ['resolution', 'OPS-1', '2', 'OPS'],
  ]);
  expect(await projectsWithOutcomes()).toEqual([{ id: '2', key: 'OPS' }]);
});

test('an issue with more cycles than one statement may carry keeps them all, in several statements within Forge SQL\'s 1 MiB request', async () => {
  const issue = { id: '9', key: 'SUP-9', fields: { project: { id: '1', key: 'SUP' } } } as unknown as JiraIssue;
  const count = 2 * ROWS_PER_STATEMENT + 5;
  const many = Array.from({ length: count }, (_, i): Outcome => ({ ticketId: 'SUP-9', metric: 'next_reply', cycle: i + 1, state: 'met', workingMs: 1, tier: 'basic', priority: 'P2', group: 'Tier 2 — Europe', startedAt: NOW - (5000 - i) * 60_000, endedAt: NOW - (5000 - i) * 60_000 + 1, dueAt: null }));
  forgeSql.log.length = 0;
  await keepOutcomes(issue, many);
  expect(await stored('9')).toHaveLength(count);
  expect(forgeSql.log.filter((l) => l.query.startsWith('INSERT'))).toHaveLength(3);
  // One cycle changed: one row written, not the thousand.
  forgeSql.log.length = 0;
  await keepOutcomes(issue, [{ ...many[0], state: 'breached' }]);
  const writes = forgeSql.log.filter((l) => l.query.startsWith('INSERT'));
  expect(writes).toHaveLength(1);
  expect((writes[0].query.match(/\(\?/g) ?? []).length).toBe(1);
  expect((await stored('9')).filter((r) => r.state === 'breached')).toHaveLength(1);
});

test('the project page and the gadget give the figures `sla report --outcomes` gives on the same issues', async () => {
  const keys = seedDesk();
  await evaluateDesk(keys);
  const file = await timelinesFile(keys);
  const sup = await timelinesFile(keys.filter((k) => k.startsWith('SUP-')));

  // The gadget, for a viewer of both projects: the whole desk.
  const gadget = ok(await report({ period: 'all' }, { accountId: 'viewer-all' }, user('viewer-all'), NOW));
  const whole = cli(file);
  expect(gadget.report.rows).toEqual(whole.rows);
  expect(gadget.report.weeks).toEqual(whole.weeks);
  expect(gadget.report.worst).toEqual(whole.worst);
  expect(gadget.hiddenProjects).toBe(0);
  // The figures are not trivially equal: several tiers, priorities and states.
  expect(new Set(gadget.report.rows.map((r) => r.tier)).size).toBe(2);
  expect(gadget.report.rows.reduce((n, r) => n + r.breached, 0)).toBeGreaterThan(0);
  expect(gadget.report.rows.reduce((n, r) => n + r.met, 0)).toBeGreaterThan(0);

  // The project page: its project only, with the period filter (the last 2 weeks from Monday).
  const period = periodOf(4, NOW);
  const page = ok(await report({ period: 4 }, { accountId: 'viewer-sup', extension: { project: { id: jira.projectId('SUP'), key: 'SUP' } } }, user('viewer-sup'), NOW));
  const cliSup = cli(sup, '--from', new Date(period.from!).toISOString());
  expect(page.report.rows).toEqual(cliSup.rows);
  expect(page.report.weeks).toEqual(cliSup.weeks);
  expect(page.report.worst).toEqual(cliSup.worst);
  expect(page.report.csv).toBe(execFileSync(process.execPath, [join(ROOT, 'core', 'bin', 'sla.js'), 'report', '--outcomes', '--policy', 'kiwi-stage-plus', '--now', new Date(NOW).toISOString(), '--from', new Date(period.from!).toISOString(), '--format', 'csv', sup], { encoding: 'utf8' }));
  expect(page.project).toBe('SUP');
  expect(page.report.worst.every((w) => w.ticketId.startsWith('SUP-'))).toBe(true);
  // Drill-down: the breached issues of a row are that row's.
  const breachedRow = page.report.rows.find((r) => r.breached > 0)!;
  const drill = page.report.drill.find((d) => d.tier === breachedRow.tier && d.priority === breachedRow.priority && d.metric === breachedRow.metric)!;
  expect(drill.breached.length).toBeGreaterThan(0);
  expect(drill.all.length).toBe(breachedRow.tickets);
  // Its breached issues are those with a breached cycle of the row in the period, the latest breach first.
  const rows = await forgeSql.select<{ issue_key: string; tier: string; priority: string; metric: string; state: string; started_at: number; due_at: number | null }>(`SELECT * FROM ${TABLE}`);
  const last = new Map<string, number>();
  for (const r of rows) {
    if (r.tier !== drill.tier || r.priority !== drill.priority || r.metric !== drill.metric || r.state !== 'breached' || !r.issue_key.startsWith('SUP-') || Number(r.started_at) < period.from!) continue;
    last.set(r.issue_key, Math.max(last.get(r.issue_key) ?? -Infinity, Number(r.due_at ?? r.started_at)));
  }
  expect(drill.breached).toEqual([...last.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k));
}, 60_000);

test('the gadget leaves out projects the viewer cannot browse, and the project page refuses them', async () => {
  await evaluateDesk(seedDesk(9));
  const gadget = ok(await report({ period: 'all' }, { accountId: 'viewer-sup' }, user('viewer-sup'), NOW));
  expect(gadget.hiddenProjects).toBe(1);
  expect(gadget.report.drill.flatMap((d) => d.all).every((k) => k.startsWith('SUP-'))).toBe(true);
  const refused = await report({ period: 'all' }, { accountId: 'viewer-sup', extension: { project: { id: jira.projectId('OPS'), key: 'OPS' } } }, user('viewer-sup'), NOW);
  expect(refused).toEqual({ ok: false, problems: ['You need the Browse projects permission on OPS to see its SLA report.'] });
  // Asked as the user, never as the app.
  expect(jira.requests.filter((r) => r.path.startsWith('/rest/api/3/mypermissions')).every((r) => r.as === 'user')).toBe(true);
  const none = ok(await report({ period: 'all' }, { accountId: 'nobody' }, user('nobody'), NOW));
  expect(none.report.rows).toEqual([]);
  expect(none.hiddenProjects).toBe(2);
});

test('a deleted issue (avi:jira:deleted:issue) takes its outcomes and state along: the report counts the rest, as `sla report` does without it', async () => {
  const keys = seedDesk(6);
  await evaluateDesk(keys);
  const gone = jira.issues.get('SUP-2')!;
  expect(await stored(gone.id)).not.toEqual([]);
  expect([...store.keys()].some((k) => k.endsWith(`-${gone.id}`))).toBe(true);
  jira.requests = [];
  expect(await onIssueDeleted({ issue: { id: gone.id } })).toEqual({ dropped: true });
  jira.issues.delete('SUP-2');
  // Nothing is asked of Jira, which no longer has the issue.
  expect(jira.requests).toEqual([]);
  expect(await stored(gone.id)).toEqual([]);
  expect([...store.keys()].filter((k) => k.endsWith(`-${gone.id}`))).toEqual([]);
  const rest = keys.filter((k) => k !== 'SUP-2');
  const gadget = ok(await report({ period: 'all' }, { accountId: 'viewer-all' }, user('viewer-all'), NOW));
  expect(gadget.report.rows).toEqual(cli(await timelinesFile(rest)).rows);
  expect(gadget.report.drill.flatMap((d) => d.all)).not.toContain('SUP-2');
  // An event without an issue id drops nothing.
  expect(await onIssueDeleted({})).toEqual({ dropped: false });
});

test('a bad period is refused, naming the field', async () => {
  expect(await report({ period: 5 }, {}, user('viewer-all'), NOW)).toEqual({ ok: false, problems: ['period: expected one of 4, 12, 26, 52 (weeks) or "all"'] });
});

type Handler = (req: { call: { functionKey: string; payload?: unknown }; context: unknown }, runtime: unknown) => Promise<unknown>;

test('the report function, as Forge invokes it: the project from the page\'s context, the viewer from the principal; nothing of the panel or the admin page on it', async () => {
  await evaluateDesk(seedDesk(6));
  const handler = reportDefinitions() as unknown as Handler;
  jira.currentUser = 'viewer-sup';
  const r = (await handler({ call: { functionKey: 'report', payload: { period: 'all' } }, context: { extension: { project: { id: jira.projectId('SUP'), key: 'SUP' } } } }, { principal: { accountId: 'viewer-sup' } })) as ReportAnswer;
  expect(r.ok && r.project).toBe('SUP');
  for (const other of ['panel', 'override', 'markMet', 'setConfig', 'getConfig', 'recalculate']) {
    await expect(handler({ call: { functionKey: other }, context: {} }, {})).rejects.toThrow(`Resolver has no definition for '${other}'.`);
  }
});

test('a recurring Metric keeps one outcome per cycle: each next reply, met or breached, with its own working time', async () => {
  freshSite({ ...testConfig, policy: { preset: 'zendesk-parity' }, map: { pauseStatuses: [], doneStatuses: [] } });
  jira.addUser({ accountId: 'customer-1', displayName: 'Chris Customer', accountType: 'customer' });
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' });
  const issue = jira.addIssue({ id: '10001', key: 'SUP-1', fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' } } });
  // Agent replies at 14:10; the customer writes at 14:30 (answered at 15:00: met) and at 16:00
  // (answered at 21:00, past High's 4 h: breached).
  const says = (id: string, accountId: string, created: string) => issue.comments.push({ id, created, author: { accountId, accountType: accountId === 'customer-1' ? 'customer' : 'atlassian' }, body: 'x' } as never);
  says('c1', 'agent-1', '2026-11-20T14:10:00.000+0000');
  says('c2', 'customer-1', '2026-11-20T14:30:00.000+0000');
  says('c3', 'agent-1', '2026-11-20T15:00:00.000+0000');
  says('c4', 'customer-1', '2026-11-20T16:00:00.000+0000');
  says('c5', 'agent-1', '2026-11-20T21:00:00.000+0000');
  await warmSite(Date.parse('2026-11-20T22:00:00Z'));
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), Date.parse('2026-11-20T22:00:00Z'));
  const kept = (await stored('10001')).filter((o) => o.metric === 'next_reply');
  expect(kept.map((o) => [Number(o.cycle), o.state, Number(o.working_ms)])).toEqual([
    [1, 'met', 30 * 60_000],
    [2, 'breached', 5 * 3600_000],
  ]);
});

test('outcomes keep the group that owns the issue now (core\'s groupNow), after a handoff', async () => {
  freshSite({ ...testConfig, map: { ...testConfig.map, group: 'components' } });
  const issue = jira.addIssue({
    id: '10001',
    key: 'SUP-1',
    fields: { created: '2026-11-20T14:00:00.000+0000', status: { name: 'Open' }, priority: { id: '3', name: 'Medium' }, reporter: { accountId: 'customer-1' }, components: [{ id: '2', name: 'Tier 2' }], customfield_10050: { value: '2. Important' }, customfield_10051: { value: '1. Critical' }, customfield_10052: { value: 'Plus' } },
  });
  issue.histories.push({ id: 'h1', created: '2026-11-20T14:30:00.000+0000', author: { accountId: 'agent-1' }, items: [{ field: 'Component', fieldId: 'components', from: '1', fromString: 'Support', to: null, toString: null }, { field: 'Component', fieldId: 'components', from: null, fromString: null, to: '2', toString: 'Tier 2' }] as never });
  await warmSite(NOW);
  await onIssueEvent({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
  expect((await stored('10001')).map((o) => o.group_name)).toEqual(['Tier 2', 'Tier 2']);
});

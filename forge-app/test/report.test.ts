import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { failStorage, freshSite, jira, store, testConfig, warmSite } from './setup';
import { JiraClient } from '../src/jira/client';
import { onIssueEvent, readIssue } from '../src/triggers';
import { planIssue } from '../src/issue';
import { PRESETS } from '../src/presets';
import { keepOutcomes, outcomesKey, readOutcomes, MAX_OUTCOMES_PER_ISSUE, OUTCOMES_PREFIX } from '../src/outcome-store';
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

const ok = (a: ReportAnswer) => {
  if (!a.ok) throw new Error(a.problems.join('; '));
  return a;
};

test('the trigger keeps each Metric\'s outcome per issue, under its project, and keeps it after the issue is solved', async () => {
  const keys = seedDesk(6);
  await evaluateDesk(keys);
  const sup2 = store.get(outcomesKey(jira.projectId('SUP'), '20001')) as { key: string; projectKey: string; outcomes: Outcome[] };
  expect(sup2.key).toBe('SUP-2');
  expect(sup2.projectKey).toBe('SUP');
  expect(sup2.outcomes.map((o) => [o.metric, o.cycle, o.state])).toEqual([
    ['first_response', 1, expect.stringMatching(/^(met|breached)$/)],
    ['resolution', 1, expect.stringMatching(/^(met|breached)$/)],
  ]);
  expect(sup2.outcomes.every((o) => o.tier === 'plus' && o.priority !== '')).toBe(true);
  // Solved: evaluated again (a comment after resolution), the outcome is the same, and not rewritten.
  const before = JSON.stringify(sup2);
  await onIssueEvent({ issue: { id: '20001', key: 'SUP-2' } }, client(), NOW + 3600_000);
  expect(JSON.stringify(store.get(outcomesKey(jira.projectId('SUP'), '20001')))).toBe(before);
  // Nothing about the issue's content is kept: ids, states and instants only.
  expect(before).not.toMatch(/On it|customer-1|agent-1/);
});

test('a failed write of the outcomes fails the pass (Forge retries it), after the issue\'s own fields; the retry keeps them', async () => {
  const [key] = seedDesk(1);
  const stored = outcomesKey(jira.projectId('OPS'), '20000');
  failStorage(1, 'set', 'RATE_LIMIT_EXCEEDED', 429, stored);
  await expect(onIssueEvent({ issue: { id: '20000', key } }, client(), NOW)).rejects.toThrow('RATE_LIMIT_EXCEEDED');
  expect(jira.issues.get(key)!.fields.priority).not.toEqual({ id: '3', name: 'Medium' });
  expect(store.has(stored)).toBe(false);
  await onIssueEvent({ issue: { id: '20000', key } }, client(), NOW);
  expect((store.get(stored) as { outcomes: Outcome[] }).outcomes).toHaveLength(2);
});

test('an issue moved to another project takes its outcomes along; nothing stays under the old project', async () => {
  const issue = { id: '777', key: 'SUP-7', fields: { project: { id: '1', key: 'SUP' } } } as unknown as JiraIssue;
  const o: Outcome = { ticketId: 'SUP-7', metric: 'first_response', cycle: 1, state: 'met', workingMs: 60_000, tier: 'basic', priority: 'P2', group: null, startedAt: NOW - 7200_000, endedAt: NOW - 3600_000, dueAt: NOW };
  expect(await keepOutcomes(issue, [o])).toBe(true);
  expect(await keepOutcomes(issue, [o])).toBe(false);
  const moved = { ...issue, key: 'OPS-1', fields: { project: { id: '2', key: 'OPS' } } } as unknown as JiraIssue;
  const later: Outcome = { ...o, ticketId: 'OPS-1', metric: 'resolution', state: 'open', endedAt: null };
  expect(await keepOutcomes(moved, [later])).toBe(true);
  expect(store.has(outcomesKey('1', '777'))).toBe(false);
  expect((store.get(outcomesKey('2', '777')) as { key: string; outcomes: Outcome[] }).outcomes.map((x) => x.metric)).toEqual(['first_response', 'resolution']);
});

test('a value keeps at most MAX_OUTCOMES_PER_ISSUE cycles, the most recent', async () => {
  const issue = { id: '9', key: 'SUP-9', fields: { project: { id: '1', key: 'SUP' } } } as unknown as JiraIssue;
  const many = Array.from({ length: MAX_OUTCOMES_PER_ISSUE + 5 }, (_, i): Outcome => ({ ticketId: 'SUP-9', metric: 'next_reply', cycle: i + 1, state: 'met', workingMs: 1, tier: 'basic', priority: 'P2', group: null, startedAt: NOW - (2000 - i) * 60_000, endedAt: NOW - (2000 - i) * 60_000 + 1, dueAt: null }));
  await keepOutcomes(issue, many);
  const kept = (store.get(outcomesKey('1', '9')) as { outcomes: Outcome[] }).outcomes;
  expect(kept).toHaveLength(MAX_OUTCOMES_PER_ISSUE);
  expect(kept[0].cycle).toBe(6);
});

test('the report pages through every stored issue, 100 a page, and one project\'s prefix matches no other project', async () => {
  for (let i = 0; i < 230; i++) {
    const project = i < 200 ? { id: '10', key: 'BIG' } : { id: '100', key: 'SMALL' };
    await keepOutcomes({ id: String(i), key: `${project.key}-${i}`, fields: { project } } as unknown as JiraIssue, []);
  }
  const all = await readOutcomes(null);
  expect(all).toMatchObject({ complete: true });
  expect(all.issues).toHaveLength(230);
  expect((await readOutcomes('10')).issues).toHaveLength(200);
  expect((await readOutcomes('100')).issues).toHaveLength(30);
  // Out of time after the first page: said, not hidden.
  let t = 0;
  const partial = await readOutcomes(null, 5, () => (t += 3) - 3);
  expect(partial.complete).toBe(false);
  expect(partial.issues).toHaveLength(100);
  expect([...store.keys()].filter((k) => k.startsWith(OUTCOMES_PREFIX))).toHaveLength(230);
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
  const kept = (store.get(outcomesKey(jira.projectId('SUP'), '10001')) as { outcomes: Outcome[] }).outcomes.filter((o) => o.metric === 'next_reply');
  expect(kept.map((o) => [o.cycle, o.state, o.workingMs])).toEqual([
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
  const kept = (store.get(outcomesKey(jira.projectId('SUP'), '10001')) as { outcomes: Outcome[] }).outcomes;
  expect(kept.map((o) => o.group)).toEqual(['Tier 2', 'Tier 2']);
});

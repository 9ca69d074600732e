import { readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { reachedSteps } from '@sla-desk/core';
import { egress, FIELD, freshSite, jira, store, testConfig, warmSite } from './setup';
import { APP_ACCOUNT } from '../../test/jira/emulator';
import { CONFIG_KEY, policyOf, type Config } from '../src/config';
import { JiraClient } from '../src/jira/client';
import { adfText } from '../src/jira/timeline';
import { ladderKey, ladderWarnings } from '../src/ladder';
import { planIssue } from '../src/issue';
import { findTransitions, onTransition, readIssue, type TransitionJob } from '../src/triggers';
import { setConfig } from '../src/resolvers';
import { parse } from 'yaml';

/**
 * Issue 20, Jira: the escalation ladder's actions, run by the app's own passes, each exactly once
 * per cycle, also when an invocation fails midway and Forge delivers the event again.
 */
const SLACK = 'https://hooks.slack.com/services/T000/B000/lead';
const MANAGER = 'https://hooks.slack.com/services/T000/B000/manager';
/** JSM parity with a ladder that uses every action, and a recurring Metric with a ladder of its own (cycles). */
const POLICY = readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'jsm-parity.yaml'), 'utf8')
  .replace(
    /    ladder:\n(      - .*\n){4}/,
    `    ladder:
      - { at: { percent: 50 }, label: Tell the assignee, actions: [{ note: true }, { notify: "${SLACK}" }] }
      - { at: { percent: 90 }, label: Tell the team lead, actions: [{ tag: sla_escalated }] }
      - { at: { breached: true }, label: Breached, actions: [{ raisePriority: true }, { note: true }] }
      - { at: { afterBreach: 1h }, label: Tell the manager, actions: [{ notify: "${MANAGER}" }, { assignGroup: ops }] }
  next_reply:
    label: Next reply
    stopsAt: next_public_reply
    ladder:
      - { at: { percent: 50 }, label: Half way, actions: [{ note: true }] }
      - { at: { breached: true }, label: Late, actions: [{ tag: reply_late }, { notify: "${SLACK}" }] }
`,
  )
  .replace(/(Highest|High|Medium|Low): \{ first_response: ([^,]+), resolution: ([^ ]+) \}/g, '$1: { first_response: $2, resolution: $3, next_reply: 2h }');
const config: Config = { ...testConfig, policy: { document: POLICY } };
const policy = policyOf(config).policy!;

const T = (iso: string) => Date.parse(iso);
/** Monday 09:00 UTC: High is 8 business hours to resolve on the 9-5 calendar. */
const CREATED = '2026-11-16T09:00:00.000+0000';
const client = () => new JiraClient('app', { sleep: async () => undefined });

function addIssue() {
  jira.addIssue({ id: '10001', key: 'SUP-1', fields: { created: CREATED, status: { name: 'Open' }, priority: { id: '2', name: 'High' }, reporter: { accountId: 'customer-1' }, labels: ['keep-me'] } });
  jira.addUser({ accountId: 'agent-1', displayName: 'Lea Agent', accountType: 'atlassian' });
  jira.addUser({ accountId: 'customer-1', displayName: 'Cory Customer', accountType: 'customer' });
}

beforeEach(async () => {
  freshSite(config);
  addIssue();
  egress.posts = [];
  egress.answer = () => 200;
  await warmSite(T(CREATED));
});

const issue = () => jira.issues.get('SUP-1')!;
const stepComments = (k?: string) => issue().comments.filter((c) => (c.properties ?? []).some((p) => p.key === 'sla-desk-step' && (k === undefined || (p.value as { key: string }).key === k)));
const RAISED = 'SLA Desk raised the Priority';
const notes = (k: string) => stepComments(k).filter((c) => !adfText(c.body).startsWith(RAISED));
const overrides = (k: string) => stepComments(k).filter((c) => adfText(c.body).startsWith(RAISED));
const labelAdds = () => jira.requests.filter((r) => r.method === 'PUT' && (r.body as { update?: unknown })?.update);

async function pass(at: number) {
  jira.now = () => new Date(at).toISOString();
  return onTransition({ body: { issueId: '10001', key: 'SUP-1', at } }, client(), at);
}

async function decisionAt(at: number) {
  const { site, issue: read } = await readIssue(client(), config, 'SUP-1', at, policy);
  return (await planIssue(client(), config, policy, read, at, site)).decision;
}

test('each level runs its actions once: a note, a label beside the others, the raise recorded and set; notify and assignGroup are Zendesk\'s', async () => {
  // 50 % of 8 business hours: 13:00.
  expect((await pass(T('2026-11-16T13:00:30Z'))).ladder).toEqual({ ran: ['resolution:1:1#0', 'resolution:1:1#1'] });
  expect(adfText(notes('resolution:1:1')[0].body)).toBe('SLA Desk: Time to resolution reached Tell the assignee (level 1), due Mon 16 Nov, 17:00 UTC.\n[sla-desk step resolution:1:1]');
  expect(notes('resolution:1:1')[0].jsdPublic).toBe(false);
  // No call leaves Atlassian: the notify is passed over on Jira.
  expect(egress.posts).toEqual([]);
  expect(issue().fields[FIELD.level]).toBe(1);
  // Another pass at the same level runs nothing.
  jira.requests = [];
  expect((await pass(T('2026-11-16T13:05:00Z'))).ladder).toBeUndefined();
  expect(jira.writes()).toEqual([]);

  // 90 %: 16:12. The label joins the issue's own.
  await pass(T('2026-11-16T16:12:30Z'));
  expect(issue().fields.labels).toEqual(['keep-me', 'sla_escalated']);
  expect(issue().fields[FIELD.level]).toBe(2);

  // The breach at 17:00: core raises the Priority one step as SLA Desk's Override, at the level's
  // instant; the app records it in a note and sets Jira's priority.
  const out = await pass(T('2026-11-16T17:00:30Z'));
  expect(out.ladder?.ran).toEqual(expect.arrayContaining(['resolution:1:3#0', 'resolution:1:3#1']));
  expect(adfText(overrides('resolution:1:3')[0].body)).toBe('SLA Desk raised the Priority from High to Highest: Time to resolution reached Breached (level 3).\n[sla-desk raise resolution:1:3]');
  expect(issue().fields.priority).toMatchObject({ name: 'Highest' });
  const d = await decisionAt(T('2026-11-16T17:01:00Z'));
  expect(d.priority.id).toBe('Highest');
  // (Its instant is the breach's: under priorityChange: recompute, Jira's priority now Highest
  // moves that breach to Highest's own 13:00; the raise and its note stay one.)
  expect(d.priority).toMatchObject({ source: 'override', override: { by: 'SLA Desk', from: 'High', to: 'Highest' } });
  // Once, however many passes see the level.
  await pass(T('2026-11-16T17:10:00Z'));
  expect(overrides('resolution:1:3')).toHaveLength(1);
  expect(issue().fields.priority).toMatchObject({ name: 'Highest' });
});

test('a step pending since a pass that failed after writing its note in the older form is not noted again', async () => {
  // The older form, written before notes had a reference line (still on issues): the retry finds it.
  const at = T('2026-11-16T13:00:30Z');
  store.set(ladderKey('10001'), { done: [], pending: { 'resolution:1:1#0': at } });
  issue().comments.push({ id: 'old', created: new Date(at).toISOString(), author: { accountId: APP_ACCOUNT, accountType: 'app' }, body: 'SLA Desk: Time to resolution reached Tell the assignee (level 1) (due 2026-11-16T17:00:00.000Z).', jsdPublic: false });
  expect((await pass(at + 1000)).ladder).toEqual({ ran: ['resolution:1:1#1'] });
  expect(issue().comments.filter((c) => adfText(c.body).includes('Tell the assignee'))).toHaveLength(1);
});

test('the SLA level field is a number written with the app field API: empty for a policy with no ladder', async () => {
  await pass(T('2026-11-16T13:00:30Z'));
  const write = jira.requests.find((r) => r.path.startsWith('/rest/api/3/app/field/value') && JSON.stringify(r.body).includes(FIELD.level))!;
  expect((write.body as { updates: { customField: string; value: unknown }[] }).updates.find((u) => u.customField === FIELD.level)!.value).toBe(1);
  store.set(CONFIG_KEY, testConfig); // KIWI STAGE+: no ladder
  await pass(T('2026-11-16T13:10:00Z'));
  expect(issue().fields[FIELD.level]).toBeNull();
});

test('the "next transition" field holds the next level\'s instant, so the finder queues it', async () => {
  // After the first response's at-risk instant (75 % of 4h: 12:00), the next is the resolution's level 1 (50 % of 8h: 13:00).
  await pass(T('2026-11-16T12:05:00Z'));
  expect(issue().fields[FIELD.next]).toBe('2026-11-16T13:00:00.000+0000');
  const pushed: { body: TransitionJob; delayInSeconds?: number }[] = [];
  const queue = { push: async (e: { body: TransitionJob }[]) => void pushed.push(...e) } as never;
  jira.now = () => '2026-11-16T12:55:00.000Z';
  expect(await findTransitions(queue, client(), T('2026-11-16T12:55:00Z'))).toMatchObject({ queued: 1 });
  expect(pushed[0]).toEqual({ body: { issueId: '10001', key: 'SUP-1', at: T('2026-11-16T13:00:00Z') }, delayInSeconds: 300 });
  await pass(pushed[0].body.at);
  expect(notes('resolution:1:1')).toHaveLength(1);
});

test('a consumer that fails midway, retried by Forge, completes each action exactly once', async () => {
  // At 18:05 the resolution (High, due 17:00) is breached: levels 1 to 3 are reached at once.
  const at = T('2026-11-16T18:05:00Z');
  for (let crash = 1; crash <= 40; crash++) {
    freshSite(config);
    addIssue();
    egress.posts = [];
    await warmSite(at);
    await until(at, crash, crash % 2 === 0);
    const fell = lastCrash.n;
    // Raised to Highest (4h, due 13:00), the issue is past its breach + 1h at once: level 4 too.
    const steps = reachedSteps(policy, await decisionAt(at + 10_000)).filter((s) => s.metric === 'resolution');
    expect(steps.map((s) => s.key)).toEqual(['resolution:1:1', 'resolution:1:2', 'resolution:1:3', 'resolution:1:4']);
    expect(notes('resolution:1:1')).toHaveLength(1);
    expect(egress.posts).toEqual([]);
    expect(issue().fields.labels).toEqual(['keep-me', 'sla_escalated']);
    expect(overrides('resolution:1:3')).toHaveLength(1);
    expect(notes('resolution:1:3')).toHaveLength(1);
    expect(issue().fields.priority).toMatchObject({ name: 'Highest' });
    const proof = store.get(ladderKey('10001')) as { done: string[]; pending: object };
    expect(proof.pending).toEqual({});
    expect(proof.done.sort()).toEqual(['resolution:1:1#0', 'resolution:1:1#1', 'resolution:1:2#0', 'resolution:1:3#0', 'resolution:1:3#1', 'resolution:1:4#0', 'resolution:1:4#1']);
    if (fell === 0) break; // the crash point is past the last side effect: every point was tried
  }
});

/** Where the last armed crash fell: the side effect's number (0: none fell), its kind, and whether it took effect first. */
let lastCrash = { n: 0, on: '', after: false, id: '' };

/**
 * One pass at `at`, failing at its `crash`-th side effect, then delivered again by Forge until it
 * completes.
 */
async function until(at: number, crash: number, after: boolean): Promise<void> {
  let fell = { n: 0, on: '', after, id: '' };
  for (let tries = 0; ; tries++) {
    const armed = crashAt(tries === 0 ? crash : 0, after);
    let done = false;
    try {
      await pass(at + tries * 1000);
      done = true;
    } catch (e) {
      if ((e as Error).message !== 'crash') throw e;
    } finally {
      armed.disarm();
    }
    if (tries === 0) fell = lastCrash;
    if (done) break;
    if (tries > 5) throw new Error('no progress');
  }
  lastCrash = fell;
}

/**
 * Fails the invocation at its `n`-th side effect (a Jira write, a storage write):
 * before it takes effect, or (`after`) once it has but before the app hears back, as a function
 * killed by Forge (timeout, out of memory) or a lost response would.
 */
function crashAt(n: number, after: boolean) {
  let seen = 0;
  lastCrash = { n: 0, on: '', after, id: '' };
  const requestJira = jira.requestJira.bind(jira);
  const set = store.set.bind(store);
  const hit = (on: string, id = '') => n > 0 && ++seen === n && ((lastCrash = { n, on, after, id }), true);
  jira.requestJira = (async (route: { value: string }, init: { method?: string } = {}, who?: never) => {
    const write = (init.method ?? 'GET') !== 'GET' && !route.value.startsWith('/rest/api/3/search/');
    if (!write || !hit('jira')) return requestJira(route, init, who);
    if (after) await requestJira(route, init, who);
    throw new Error('crash');
  }) as typeof jira.requestJira;
  store.set = ((key: string, value: unknown) => {
    if (!hit('kvs')) return set(key, value);
    if (after) set(key, value);
    throw new Error('crash');
  }) as typeof store.set;
  return {
    disarm() {
      jira.requestJira = requestJira;
      store.set = set;
    },
  };
}

test('property: over random histories, pass instants and failures, each step\'s actions run exactly once per cycle', async () => {
  const MIN = 60_000;
  let laterCycles = 0;
  const start = T(CREATED);
  // Replies and messages within the first working day, so next-reply cycles open and close; passes over two days.
  const kind = fc.oneof({ arbitrary: fc.constantFrom('agent', 'customer'), weight: 4 }, { arbitrary: fc.constantFrom('wait', 'open'), weight: 1 });
  const event = fc.record({ offset: fc.integer({ min: 1, max: 8 * 60 }), kind });
  const passes = fc.array(fc.record({ offset: fc.integer({ min: 1, max: 2 * 24 * 60 }), crash: fc.integer({ min: 0, max: 30 }), after: fc.boolean() }), { minLength: 1, maxLength: 8 });
  await fc.assert(
    fc.asyncProperty(fc.array(event, { maxLength: 10 }), passes, async (events, runs) => {
      freshSite(config);
      addIssue();
      egress.posts = [];
      await warmSite(start);
      // The history, written ahead: an evaluation sees only what happened before its instant.
      let seq = 0;
      for (const e of [...events].sort((a, b) => a.offset - b.offset)) {
        const at = new Date(start + e.offset * MIN).toISOString().replace('Z', '+0000');
        if (e.kind === 'agent' || e.kind === 'customer') issue().comments.push({ id: `p${seq++}`, created: at, author: { accountId: e.kind === 'agent' ? 'agent-1' : 'customer-1' }, body: 'text' });
        else {
          const before = (issue().fields.status as { name: string }).name;
          const to = e.kind === 'wait' ? 'Waiting for customer' : 'Open';
          if (before === to) continue;
          issue().histories.push({ id: `h${seq++}`, created: at, author: { accountId: 'agent-1' }, items: [{ field: 'status', fieldId: 'status', from: null, fromString: before, to: null, toString: to }] });
          issue().fields.status = { name: to };
        }
      }
      // The issue's status now is its last; the emulated site serves it as it stands.
      const reached = new Map<string, number>(); // step key -> number of actions
      for (const r of [...runs].sort((a, b) => a.offset - b.offset)) {
        const at = start + r.offset * MIN;
        await until(at, r.crash, r.after);
        for (const s of reachedSteps(policy, await decisionAt(at + 5000))) reached.set(s.key, s.actions.length);
      }
      for (const k of reached.keys()) if (Number(k.split(':')[1]) > 1) laterCycles++;
      for (const [key, n] of reached) {
        const step = policy.metrics[key.split(':')[0]].ladder![Number(key.split(':')[2]) - 1];
        expect(step.actions).toHaveLength(n);
        for (const a of step.actions) {
          if ('note' in a) expect(notes(key)).toHaveLength(1);
          if ('raisePriority' in a) expect(overrides(key).length).toBeLessThanOrEqual(1); // none when at the top already
          if ('tag' in a) expect(issue().fields.labels).toContain(a.tag);
        }
      }
      // Nothing ran for a step no pass reached, and no note or Override twice.
      for (const c of stepComments()) expect(reached.has((c.properties!.find((p) => p.key === 'sla-desk-step')!.value as { key: string }).key)).toBe(true);
      const keys = stepComments().map((c) => `${(c.properties!.find((p) => p.key === 'sla-desk-step')!.value as { key: string }).key}:${adfText(c.body).slice(0, 17)}`);
      expect(new Set(keys).size).toBe(keys.length);
      // One label request per step with a tag (a retry finds the label there).
      const tagged = [...reached.keys()].filter((k) => policy.metrics[k.split(':')[0]].ladder![Number(k.split(':')[2]) - 1].actions.some((a) => 'tag' in a));
      expect(labelAdds().length).toBeLessThanOrEqual(tagged.length + runs.length);
    }),
    { numRuns: 100, seed: 20 },
  );
  // The histories did open second cycles, whose levels ran again, once each.
  expect(laterCycles).toBeGreaterThan(0);
}, 120_000);

describe('no egress: the Forge app keeps "Runs on Atlassian"', () => {
  test('the manifest asks for no external fetch and no remote backend', () => {
    const m = parse(readFileSync(join(__dirname, '..', 'manifest.yml'), 'utf8'));
    expect(m.permissions?.external).toBeUndefined();
    expect(m.remotes).toBeUndefined();
    expect(JSON.stringify(m.modules)).not.toMatch(/"endpoint"|"remote"/);
  });
  test('notify and assignGroup are warnings on the admin page, and nothing is posted at run time', async () => {
    expect(ladderWarnings(policy)).toEqual([
      'metrics.resolution.ladder[0]: notify runs on Zendesk only: SLA Desk for Jira makes no call outside Atlassian (Runs on Atlassian), so on Jira this notification is not sent',
      'metrics.resolution.ladder[3]: notify runs on Zendesk only: SLA Desk for Jira makes no call outside Atlassian (Runs on Atlassian), so on Jira this notification is not sent',
      'metrics.resolution.ladder[3]: assignGroup runs on Zendesk only; on Jira it does nothing',
      'metrics.next_reply.ladder[1]: notify runs on Zendesk only: SLA Desk for Jira makes no call outside Atlassian (Runs on Atlassian), so on Jira this notification is not sent',
    ]);
    jira.addUser({ accountId: 'admin-1', displayName: 'Ada Admin', global: ['ADMINISTER'] });
    const saved = await setConfig({ config }, client(), async () => ({ progress: {} as never }));
    expect(saved).toMatchObject({ ok: true, warnings: expect.arrayContaining([expect.stringMatching(/notify runs on Zendesk only/)]) });
    await pass(T('2026-11-16T18:30:00Z'));
    expect(egress.posts).toEqual([]);
  });
});

describe('a rule-chosen tier', () => {
  test('is written to the SLA tier field, which is never read back as the issue\'s own Tier: it ends with the rule', async () => {
    // JSM parity's first rule: the vip label chooses the VIP tier.
    issue().fields.labels = ['vip'];
    await pass(T('2026-11-16T09:30:00Z'));
    expect(issue().fields[FIELD.tier]).toBe('VIP');
    // The label goes; the next read takes the tier from the issue's own field (none: the default), not the app's.
    jira.now = () => '2026-11-16T09:40:00.000Z';
    issue().histories.push({ id: 'h1', created: '2026-11-16T09:40:00.000+0000', author: { accountId: 'agent-1' }, items: [{ field: 'labels', fieldId: 'labels', from: null, fromString: 'vip', to: null, toString: null }] });
    issue().fields.labels = [];
    await pass(T('2026-11-16T09:45:00Z'));
    expect(issue().fields[FIELD.tier]).toBe('Standard');
    expect((await decisionAt(T('2026-11-16T09:46:00Z'))).rule).toBeUndefined();
  });

  test('an admin cannot map the issue\'s Tier onto the app\'s own field, where a rule\'s tier would stick', async () => {
    const r = await setConfig({ config: { ...config, map: { ...config.map, tier: FIELD.tier } } }, client(), async () => ({ progress: {} as never }));
    expect(r).toEqual({ ok: false, problems: [`map: ${FIELD.tier} is one of SLA Desk's own fields, which the app writes; map the issue's own field instead`] });
  });
});

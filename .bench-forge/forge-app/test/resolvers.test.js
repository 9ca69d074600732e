"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const setup_1 = require("./setup");
const timeline_1 = require("../src/jira/timeline");
const config_1 = require("../src/config");
const resolvers_1 = require("../src/resolvers");
const config = setup_1.testConfig;
// The resolver as Forge calls it: a function key, a payload and the product context from the UI,
// and the caller's identity from the runtime (the principal), which the UI cannot forge.
const handler = (0, resolvers_1.definitions)();
const call = (functionKey, accountId, payload = {}) => handler({ call: { functionKey, payload }, context: { accountId: 'lead-1', locale: 'en-US', timezone: 'America/Toronto', extension: { issue: { key: 'SUP-1', id: '10001' } } } }, { principal: { accountId } });
beforeEach(() => {
    setup_1.jira.reset();
    setup_1.store.clear();
    setup_1.store.set(config_1.CONFIG_KEY, config);
    setup_1.jira.groups.set('lead-1', ['jira-users', 'triage-leads']);
    setup_1.jira.groups.set('agent-1', ['jira-users']);
    (0, setup_1.addSupportIssue)(new Date(Date.now() - 10 * 60_000).toISOString(), { id: '2', name: 'High' });
});
test('the panel gets the shared view model, the glance label and whether the caller is a lead', async () => {
    const r = await call('panel', 'agent-1');
    expect(r.ok).toBe(true);
    expect(r.view.priority).toEqual({ label: 'P2', reason: 'Impact 2 x Urgency 1 → P2', overridden: false });
    expect(r.view.tier.label).toBe('Plus');
    expect(r.label).toMatch(/^P2 · Plus · /);
    expect(r.lead).toBe(false);
    expect((await call('panel', 'lead-1')).lead).toBe(true);
});
test('a non-lead\'s override is refused on the server, and nothing is written', async () => {
    const r = await call('override', 'agent-1', { to: 'P1', reason: 'Production is down' });
    expect(r).toEqual({ ok: false, problems: ['Only triage leads can override the priority.'] });
    expect(setup_1.jira.writes()).toEqual([]);
});
test('a lead\'s override needs a reason, then writes an internal comment and the priority', async () => {
    expect(await call('override', 'lead-1', { to: 'P1', reason: '' })).toEqual({ ok: false, problems: ['reason: a reason of at least 3 characters is required'] });
    expect(setup_1.jira.writes()).toEqual([]);
    const r = await call('override', 'lead-1', { to: 'P1', reason: 'Production is down' });
    expect(r.ok).toBe(true);
    const issue = setup_1.jira.issues.get('SUP-1');
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0].jsdPublic).toBe(false);
    expect((0, timeline_1.adfText)(issue.comments[0].body)).toMatch(/^Priority override by lead-1 at .*: P2 → P1\.\nReason: Production is down$/);
    expect(issue.fields.priority).toEqual({ id: '1', name: 'Highest' });
    // The override is kept in the timeline: read back from its comment, it now sets the priority.
    const after = await call('panel', 'agent-1');
    expect(after.view.priority).toMatchObject({ label: 'P1', overridden: true });
});
test('an invalid policy is refused with its paths, and the stored configuration is kept', async () => {
    const r = await call('setConfig', 'lead-1', { config: { ...config, policy: { document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }\npriorities: {}' } } });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(expect.arrayContaining(['classification.method: expected method: matrix, requester or severity']));
    expect(setup_1.store.get(config_1.CONFIG_KEY)).toEqual(config);
    expect((await call('setConfig', 'lead-1', { config: { ...config, policy: { preset: 'scalr' } } })).ok).toBe(true);
    expect((await call('getConfig', 'lead-1')).config.policy).toEqual({ preset: 'scalr' });
});
test('a policy naming a Jira priority the site lacks is refused, and nothing is saved', async () => {
    setup_1.jira.priorities = setup_1.jira.priorities.filter((p) => p.name !== 'Lowest');
    const r = await call('setConfig', 'lead-1', { config: { ...config, policy: { preset: 'bespoke-s1-s5' } } });
    expect(r).toEqual({ ok: false, problems: ['priorities.S5.jira: this Jira site has no priority named "Lowest"'] });
    expect(setup_1.store.get(config_1.CONFIG_KEY)).toEqual(config);
});
//# sourceMappingURL=resolvers.test.js.map
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const setup_1 = require("./setup");
const config_1 = require("../src/config");
const client_1 = require("../src/jira/client");
const triggers_1 = require("../src/triggers");
const NOW = Date.parse('2026-11-20T15:00:00Z');
const config = setup_1.testConfig;
const client = () => new client_1.JiraClient('app', { sleep: async () => undefined });
beforeEach(() => {
    setup_1.jira.reset();
    setup_1.store.clear();
    setup_1.store.set(config_1.CONFIG_KEY, config);
    (0, setup_1.addSupportIssue)('2026-11-20T14:00:00.000+0000', { id: '3', name: 'Medium' });
});
test('an issue event sets the priority from the matrix and writes the SLA fields: one read, two writes', async () => {
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
    expect(out).toEqual({ wrote: { priority: true, fields: 4 } });
    const issue = setup_1.jira.issues.get('SUP-1');
    expect(issue.fields.priority).toEqual({ id: '2', name: 'High' });
    // Plus P2: first response 1 business hour from Friday 09:00 Toronto.
    expect(issue.fields.customfield_10101).toBe('2026-11-20T15:00:00.000Z');
    expect(issue.fields.customfield_10103).toBe('breached');
    expect(issue.fields.customfield_10104).toBe('Plus');
    expect(setup_1.jira.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'POST']);
});
test('nothing is written when nothing changed', async () => {
    await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
    setup_1.jira.requests = [];
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'status', fieldId: 'status' }] } }, client(), NOW);
    expect(out.wrote).toEqual({ priority: false, fields: 0 });
    expect(setup_1.jira.requests.map((r) => r.method)).toEqual(['GET']);
});
test('a change that touches only the app\'s own fields is ignored without a request (loop guard)', async () => {
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' }, changelog: { items: [{ field: 'SLA state', fieldId: 'customfield_10103' }] } }, client(), NOW);
    expect(out.skipped).toBe('not-relevant');
    expect(setup_1.jira.requests).toEqual([]);
});
test('a missing urgency leaves the priority alone', async () => {
    setup_1.jira.issues.get('SUP-1').fields.customfield_10051 = null;
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
    expect(out.wrote.priority).toBe(false);
    expect(setup_1.jira.issues.get('SUP-1').fields.priority).toEqual({ id: '3', name: 'Medium' });
});
test('429 and 500 are retried, honouring Retry-After', async () => {
    const waits = [];
    setup_1.jira.failNext(1, 429, '2');
    setup_1.jira.failNext(1, 500);
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, new client_1.JiraClient('app', { sleep: async (ms) => void waits.push(ms) }), NOW);
    expect(out.wrote.priority).toBe(true);
    expect(waits[0]).toBe(2000);
    expect(waits).toHaveLength(2);
});
test('retries stop within the time budget, with a clear error', async () => {
    setup_1.jira.failNext(10, 503, '30');
    await expect((0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, new client_1.JiraClient('app', { sleep: async () => undefined, budgetMs: 20_000 }), NOW)).rejects.toThrow('Jira answered 503 to GET /rest/api/3/issue/SUP-1');
});
test('an invalid stored policy never crashes the trigger, and the log holds no ticket content', async () => {
    setup_1.store.set(config_1.CONFIG_KEY, { ...config, policy: { document: 'sla: 1\nid: x\nname: x\nclassification: { method: vote }' } });
    const logged = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m) => void logged.push(m));
    const out = await (0, triggers_1.onIssueEvent)({ issue: { id: '10001', key: 'SUP-1' } }, client(), NOW);
    spy.mockRestore();
    expect(out.skipped).toBe('invalid-policy');
    expect(setup_1.jira.requests).toEqual([]);
    expect(JSON.parse(logged[0])).toEqual({ level: 'error', msg: 'invalid SLA policy', issueId: '10001', problems: expect.any(Number) });
    expect(JSON.parse(logged[0]).problems).toBeGreaterThan(0);
});
//# sourceMappingURL=trigger.test.js.map
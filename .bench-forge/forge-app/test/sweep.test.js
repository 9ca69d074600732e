"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const setup_1 = require("./setup");
const config_1 = require("../src/config");
const timeline_1 = require("../src/jira/timeline");
const client_1 = require("../src/jira/client");
const triggers_1 = require("../src/triggers");
const client = () => new client_1.JiraClient('app', { sleep: async () => undefined });
beforeEach(() => {
    setup_1.jira.reset();
    setup_1.store.clear();
    setup_1.store.set(config_1.CONFIG_KEY, setup_1.testConfig);
    // Plus P2: first response 1 business hour from Friday 09:00 Toronto, due 15:00Z.
    (0, setup_1.addSupportIssue)('2026-11-20T14:00:00.000+0000', { id: '2', name: 'High' });
});
test('comments once when an issue turns at risk, once more when it breaches, and never twice for one state', async () => {
    const atRisk = await (0, triggers_1.sweep)(client(), Date.parse('2026-11-20T14:50:00Z'));
    expect(atRisk).toEqual({ checked: 1, notified: 1, wrote: 1 });
    const issue = setup_1.jira.issues.get('SUP-1');
    expect((0, timeline_1.adfText)(issue.comments[0].body)).toBe('SLA Desk: Initial response is at risk: due 2026-11-20T15:00:00.000Z.');
    expect(issue.comments[0].jsdPublic).toBe(false);
    setup_1.jira.requests = [];
    expect(await (0, triggers_1.sweep)(client(), Date.parse('2026-11-20T14:55:00Z'))).toEqual({ checked: 1, notified: 0, wrote: 0 });
    expect(setup_1.jira.writes()).toEqual([]);
    expect((await (0, triggers_1.sweep)(client(), Date.parse('2026-11-20T15:05:00Z'))).notified).toBe(1);
    expect((0, timeline_1.adfText)(issue.comments[1].body)).toBe('SLA Desk: Initial response was breached at 2026-11-20T15:00:00.000Z.');
});
test('pages through the search, reading no issue one by one', async () => {
    for (let i = 2; i <= 120; i++)
        setup_1.jira.addIssue({ ...setup_1.jira.issues.get('SUP-1'), id: String(10000 + i), key: `SUP-${i}`, comments: [], histories: [] });
    const out = await (0, triggers_1.sweep)(client(), Date.parse('2026-11-20T14:10:00Z'));
    expect(out.checked).toBe(120);
    expect(setup_1.jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/search/jql')).toHaveLength(3);
    expect(setup_1.jira.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
});
//# sourceMappingURL=sweep.test.js.map
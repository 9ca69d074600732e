"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SWEEP_JQL = void 0;
exports.onIssueEvent = onIssueEvent;
exports.sweep = sweep;
const kvs_1 = require("@forge/kvs");
const config_1 = require("./config");
const client_1 = require("./jira/client");
const sla_1 = require("./sla");
/**
 * avi:jira:created:issue and avi:jira:updated:issue. Loops are guarded three ways: the manifest's
 * ignoreSelf drops events the app caused, a changelog that touches nothing SLA Desk reads is
 * ignored, and nothing is written when nothing changed. One read; at most one write for the app's
 * fields, plus one for the priority when the matrix changes it.
 */
async function onIssueEvent(event, client = new client_1.JiraClient('app'), now = Date.now()) {
    const config = await (0, config_1.loadConfig)();
    const { policy, problems } = (0, config_1.policyOf)(config);
    if (!policy) {
        // Logged without ticket content: which issue, and what is wrong with the policy.
        console.error(JSON.stringify({ level: 'error', msg: 'invalid SLA policy', issueId: event.issue.id, problems: problems.length }));
        return { skipped: 'invalid-policy', wrote: { priority: false, fields: 0 } };
    }
    if (!(0, sla_1.relevantChange)(config.map, event.changelog?.items))
        return { skipped: 'not-relevant', wrote: { priority: false, fields: 0 } };
    const issue = await client.getIssue(event.issue.key, (0, config_1.appFieldIds)(config));
    const p = (0, sla_1.plan)(policy, config.map, config.fields, issue, now);
    if (p.priority)
        await client.setPriority(issue.key, p.priority);
    if (p.fieldValues.length)
        await client.setAppFieldValues(issue.id, p.fieldValues);
    return { wrote: { priority: p.priority !== null, fields: p.fieldValues.length } };
}
exports.SWEEP_JQL = 'statusCategory != Done ORDER BY updated DESC';
const stateKey = (issueId) => `sla-desk-state-${issueId}`;
/**
 * The scheduled trigger: finds open issues whose SLA state changed since the last sweep, comments
 * (internally) when one turns at risk or breached, and refreshes the app's fields. It remembers
 * each issue's last state in storage, so a state change is reported once.
 */
async function sweep(client = new client_1.JiraClient('app'), now = Date.now()) {
    const config = await (0, config_1.loadConfig)();
    const { policy } = (0, config_1.policyOf)(config);
    const out = { checked: 0, notified: 0, wrote: 0 };
    if (!policy)
        return out;
    let token;
    do {
        const page = await client.searchIssues(exports.SWEEP_JQL, (0, config_1.appFieldIds)(config), token);
        for (const issue of page.issues) {
            out.checked++;
            const p = (0, sla_1.plan)(policy, config.map, config.fields, issue, now);
            const state = p.decision.metrics.find((m) => m.state === 'breached')?.state ?? p.decision.metrics.find((m) => m.state === 'at_risk')?.state ?? 'ok';
            const last = await kvs_1.kvs.get(stateKey(issue.id)).catch(() => undefined);
            if (state !== last) {
                const metric = p.decision.metrics.find((m) => m.state === state);
                if (metric && metric.due !== null) {
                    const words = state === 'breached' ? 'was breached at' : 'is at risk: due';
                    await client.addComment(issue.key, `SLA Desk: ${metric.label} ${words} ${new Date(metric.due).toISOString()}.`, true);
                    out.notified++;
                }
                await kvs_1.kvs.set(stateKey(issue.id), state);
            }
            if (p.fieldValues.length) {
                await client.setAppFieldValues(issue.id, p.fieldValues);
                out.wrote++;
            }
        }
        token = page.nextPageToken;
    } while (token);
    return out;
}
//# sourceMappingURL=triggers.js.map
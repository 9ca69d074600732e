"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.plan = plan;
exports.relevantChange = relevantChange;
const core_1 = require("@sla-desk/core");
const timeline_1 = require("./jira/timeline");
const ORDER = ['breached', 'at_risk', 'running', 'paused', 'met', 'not_applicable'];
/** What an issue event should write, computed from the issue alone. Pure. */
function plan(policy, map, fields, issue, now) {
    const timeline = core_1.TimelineSchema.parse((0, timeline_1.timelineOfIssue)(policy, map, issue));
    const decision = (0, core_1.evaluate)(policy, timeline, now);
    const current = issue.fields.priority?.name ?? null;
    // With no impact or urgency yet there is no priority: leave the issue's alone.
    const priority = policy.classification.method === 'matrix' && decision.priority.jira && decision.priority.jira !== current ? decision.priority.jira : null;
    const wanted = [];
    for (const m of decision.metrics) {
        const id = fields.due[m.metric];
        if (id)
            wanted.push({ fieldId: id, value: m.due === null ? null : new Date(m.due).toISOString() });
    }
    if (fields.state)
        wanted.push({ fieldId: fields.state, value: ORDER.find((s) => decision.metrics.some((m) => m.state === s)) ?? 'not_applicable' });
    if (fields.tier)
        wanted.push({ fieldId: fields.tier, value: decision.tier.label });
    const fieldValues = wanted.filter((w) => !same(issue.fields[w.fieldId], w.value));
    return { decision, timeline, priority, fieldValues };
}
function same(have, want) {
    if (have === undefined || have === null)
        return want === null;
    if (typeof have === 'string' && typeof want === 'string' && !Number.isNaN(Date.parse(have)) && !Number.isNaN(Date.parse(want)))
        return Date.parse(have) === Date.parse(want);
    return have === want;
}
/** Only changes to these can change a decision: anything else (the app's own fields) is ignored. */
function relevantChange(map, items) {
    if (!items || !items.length)
        return true;
    const watched = new Set(['status', 'priority', 'comment', map.impact, map.urgency, map.tier].filter(Boolean));
    return items.some((it) => watched.has(it.fieldId ?? '') || watched.has(it.field ?? ''));
}
//# sourceMappingURL=sla.js.map
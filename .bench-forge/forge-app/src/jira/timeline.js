"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.timelineOfIssue = timelineOfIssue;
exports.adfText = adfText;
exports.priorityOfJira = priorityOfJira;
const core_1 = require("@sla-desk/core");
function timelineOfIssue(policy, map, issue) {
    const f = issue.fields;
    const reporter = f.reporter?.accountId;
    const events = [];
    const histories = [...(issue.changelog?.histories ?? [])].sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
    // The changelog says what each field was before its first change: that is its value at creation.
    const initial = new Map();
    for (const h of histories)
        for (const it of h.items)
            if (!initial.has(key(it)))
                initial.set(key(it), it.fromString);
    const now = (fieldKey, current) => (initial.has(fieldKey) ? initial.get(fieldKey) : current);
    const fields = { status: statusWord(policy, map, now('status', f.status?.name ?? null)) };
    const c = policy.classification;
    if (c.method === 'matrix') {
        if (map.impact)
            fields.impact = levelOf(c.impact, now(map.impact, optionText(f[map.impact])));
        if (map.urgency)
            fields.urgency = levelOf(c.urgency, now(map.urgency, optionText(f[map.urgency])));
    }
    else {
        fields.priority = priorityOfJira(policy, now('priority', f.priority?.name ?? null));
    }
    if (map.tier)
        fields.tier = tierOf(policy, now(map.tier, optionText(f[map.tier])));
    for (const h of histories) {
        for (const it of h.items) {
            const k = key(it);
            const at = h.created;
            if (k === 'status')
                events.push({ type: 'field', at, field: 'status', value: statusWord(policy, map, it.toString) });
            else if (k === 'priority' && c.method !== 'matrix')
                events.push({ type: 'field', at, field: 'priority', value: priorityOfJira(policy, it.toString) });
            else if (c.method === 'matrix' && k === map.impact)
                events.push({ type: 'field', at, field: 'impact', value: levelOf(c.impact, it.toString) });
            else if (c.method === 'matrix' && k === map.urgency)
                events.push({ type: 'field', at, field: 'urgency', value: levelOf(c.urgency, it.toString) });
            else if (k === map.tier)
                events.push({ type: 'field', at, field: 'tier', value: tierOf(policy, it.toString) });
        }
    }
    for (const cm of f.comment?.comments ?? [])
        events.push(commentEvent(cm, reporter));
    return { id: issue.key, createdAt: f.created, fields, events };
}
function key(it) {
    return it.fieldId ?? it.field;
}
function commentEvent(cm, reporter) {
    const text = adfText(cm.body);
    const override = text ? (0, core_1.parseOverrideNote)(text) : null;
    if (override)
        return { ...override, at: cm.created };
    const agent = cm.author?.accountId !== undefined && cm.author.accountId !== reporter;
    // On Jira Service Management, jsdPublic says whether the customer sees the comment.
    return { type: 'reply', at: cm.created, public: cm.jsdPublic !== false, author: agent ? 'agent' : 'requester' };
}
/** The plain text of an Atlassian Document Format body (or a plain string). */
function adfText(body) {
    if (typeof body === 'string')
        return body;
    const parts = [];
    const walk = (n, depth) => {
        if (!n || typeof n !== 'object')
            return;
        const node = n;
        if (node.type === 'text' && typeof node.text === 'string')
            parts.push(node.text);
        if (node.type === 'hardBreak')
            parts.push('\n');
        node.content?.forEach((child, i) => {
            if (node.type === 'doc' && i > 0)
                parts.push('\n');
            walk(child, depth + 1);
        });
    };
    walk(body, 0);
    return parts.join('');
}
function optionText(v) {
    if (v === null || v === undefined)
        return null;
    if (typeof v === 'string')
        return v;
    const o = v;
    return o.value ?? o.name ?? null;
}
/** "2. Important", "2" or "Important" -> the level id "2". */
function levelOf(levels, text) {
    if (!text)
        return null;
    const t = text.trim().toLowerCase();
    const hit = levels.find((l) => t === l.id.toLowerCase() || t === l.label.toLowerCase() || t === `${l.id}. ${l.label}`.toLowerCase() || t.startsWith(`${l.id.toLowerCase()}.`));
    return hit ? hit.id : null;
}
function tierOf(policy, text) {
    if (!text)
        return null;
    const t = text.trim().toLowerCase();
    return Object.entries(policy.tiers).find(([id, tier]) => id.toLowerCase() === t || tier.label.toLowerCase() === t)?.[0] ?? text;
}
function priorityOfJira(policy, name) {
    if (!name)
        return null;
    return Object.entries(policy.priorities).find(([, p]) => p.jira.toLowerCase() === name.toLowerCase())?.[0] ?? null;
}
function statusWord(policy, map, name) {
    if (!name)
        return null;
    const n = name.toLowerCase();
    if (map.pauseStatuses.some((s) => s.toLowerCase() === n))
        return policy.clock.pauseStatuses[0] ?? 'pending';
    if (map.doneStatuses.some((s) => s.toLowerCase() === n))
        return policy.clock.solvedStatuses[0] ?? 'solved';
    return 'open';
}
//# sourceMappingURL=timeline.js.map
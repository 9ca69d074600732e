"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const core_1 = require("@sla-desk/core");
const fs_1 = require("fs");
const path_1 = require("path");
const core_2 = require("@sla-desk/core");
const timeline_1 = require("../src/jira/timeline");
const kiwi = (0, core_2.parsePolicy)((0, fs_1.readFileSync)((0, path_1.join)(__dirname, '..', '..', 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8')).policy;
const map = { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052', pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done'] };
const adf = (text) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
test('changelog and comments become the host-neutral timeline', () => {
    const tl = (0, timeline_1.timelineOfIssue)(kiwi, map, {
        id: '1',
        key: 'SUP-7',
        fields: {
            created: '2026-11-20T14:00:00.000+0000',
            status: { name: 'Waiting for customer' },
            priority: { id: '2', name: 'High' },
            reporter: { accountId: 'customer' },
            customfield_10050: { value: '2. Important' },
            customfield_10051: { value: '1. Critical' },
            customfield_10052: { value: 'Basic' },
            comment: {
                comments: [
                    { id: 'c1', created: '2026-11-20T14:20:00.000+0000', author: { accountId: 'agent' }, body: adf('On it'), jsdPublic: true },
                    { id: 'c2', created: '2026-11-20T14:25:00.000+0000', author: { accountId: 'agent' }, body: adf('internal'), jsdPublic: false },
                    {
                        id: 'c3',
                        created: '2026-11-20T15:00:00.000+0000',
                        author: { accountId: 'app' },
                        body: adf((0, core_1.overrideNote)({ type: 'override', at: '2026-11-20T15:00:00.000Z', by: 'lead', from: 'P2', to: 'P3', reason: 'Customer unreachable', notify: false })),
                        jsdPublic: false,
                    },
                ],
            },
        },
        changelog: {
            histories: [
                { id: 'h1', created: '2026-11-20T14:10:00.000+0000', items: [{ field: 'Urgency', fieldId: 'customfield_10051', from: null, fromString: null, to: '1', toString: '1. Critical' }] },
                { id: 'h2', created: '2026-11-20T14:30:00.000+0000', items: [{ field: 'status', fieldId: 'status', from: '1', fromString: 'Open', to: '2', toString: 'Waiting for customer' }] },
            ],
        },
    });
    expect(tl.fields).toEqual({ status: 'open', impact: '2', urgency: null, tier: 'basic' });
    expect(tl.events).toEqual([
        { type: 'field', at: '2026-11-20T14:10:00.000+0000', field: 'urgency', value: '1' },
        { type: 'field', at: '2026-11-20T14:30:00.000+0000', field: 'status', value: 'pending' },
        { type: 'reply', at: '2026-11-20T14:20:00.000+0000', public: true, author: 'agent' },
        { type: 'reply', at: '2026-11-20T14:25:00.000+0000', public: false, author: 'agent' },
        { type: 'override', at: '2026-11-20T15:00:00.000+0000', by: 'lead', from: 'P2', to: 'P3', reason: 'Customer unreachable', notify: false },
    ]);
    const d = (0, core_1.evaluate)(kiwi, core_1.TimelineSchema.parse(tl), '2026-11-20T15:30:00Z');
    expect(d.priority).toMatchObject({ id: 'P3', source: 'override' });
    expect(d.metrics[0]).toMatchObject({ metric: 'first_response', state: 'met' });
    expect(d.metrics[1]).toMatchObject({ metric: 'resolution', state: 'paused' });
});
//# sourceMappingURL=timeline.test.js.map
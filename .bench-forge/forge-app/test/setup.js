"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.testConfig = exports.realRoute = exports.store = exports.jira = void 0;
exports.addSupportIssue = addSupportIssue;
const api_1 = require("@forge/api");
Object.defineProperty(exports, "realRoute", { enumerable: true, get: function () { return api_1.route; } });
const emulator_1 = require("../../test/jira/emulator");
const config_1 = require("../src/config");
/** One emulated Jira site per test file; @forge/api's requestJira goes to it. */
exports.jira = new emulator_1.JiraEmulator();
exports.store = new Map();
jest.mock('@forge/api', () => {
    const actual = jest.requireActual('@forge/api');
    const requester = { requestJira: (r, init) => exports.jira.requestJira(r, init) };
    return { __esModule: true, ...actual, route: actual.route, default: { asApp: () => requester, asUser: () => requester } };
});
jest.mock('@forge/kvs', () => ({
    kvs: {
        // As @forge/kvs: a missing key is an error, not undefined.
        get: async (key) => {
            if (!exports.store.has(key))
                throw Object.assign(new Error(`key ${key} not found`), { code: 'KEY_NOT_FOUND' });
            return exports.store.get(key);
        },
        set: async (key, value) => {
            exports.store.set(key, value);
        },
    },
}));
/** The configuration the tests install: KIWI STAGE+ with mapped fields and a lead group. */
exports.testConfig = {
    ...config_1.DEFAULT_CONFIG,
    map: { impact: 'customfield_10050', urgency: 'customfield_10051', tier: 'customfield_10052', pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done'] },
    fields: { due: { first_response: 'customfield_10101', resolution: 'customfield_10102' }, state: 'customfield_10103', tier: 'customfield_10104' },
    leadGroups: ['triage-leads'],
};
/** SUP-1: Impact 2, Urgency 1, Plus, created at `created`, with the given native priority. */
function addSupportIssue(created, priority) {
    return exports.jira.addIssue({
        id: '10001',
        key: 'SUP-1',
        fields: {
            created,
            status: { name: 'Open' },
            priority,
            reporter: { accountId: 'customer-1' },
            customfield_10050: { value: '2. Important' },
            customfield_10051: { value: '1. Critical' },
            customfield_10052: { value: 'Plus' },
        },
    });
}
//# sourceMappingURL=setup.js.map
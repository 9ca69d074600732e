"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_CONFIG = exports.CONFIG_KEY = void 0;
exports.loadConfig = loadConfig;
exports.saveConfig = saveConfig;
exports.policyOf = policyOf;
exports.appFieldIds = appFieldIds;
const kvs_1 = require("@forge/kvs");
const core_1 = require("@sla-desk/core");
const presets_1 = require("./presets");
exports.CONFIG_KEY = 'sla-desk-config';
exports.DEFAULT_CONFIG = {
    policy: { preset: 'kiwi-stage-plus' },
    map: { pauseStatuses: ['Waiting for customer'], doneStatuses: ['Done', 'Resolved', 'Closed'] },
    fields: { due: {} },
    leadGroups: [],
};
async function loadConfig() {
    // @forge/kvs reports a missing key as an error, not as undefined.
    try {
        const stored = (await kvs_1.kvs.get(exports.CONFIG_KEY));
        return stored ?? exports.DEFAULT_CONFIG;
    }
    catch {
        return exports.DEFAULT_CONFIG;
    }
}
function saveConfig(config) {
    return kvs_1.kvs.set(exports.CONFIG_KEY, config);
}
/** The configured policy, or the problems that make it unusable (shown on the admin page). */
function policyOf(config) {
    if ('preset' in config.policy) {
        const p = presets_1.PRESETS[config.policy.preset];
        return p ? { policy: p, problems: [] } : { problems: [`policy: unknown preset "${config.policy.preset}"`] };
    }
    const { policy, problems } = (0, core_1.parsePolicy)(config.policy.document);
    return policy ? { policy, problems: [] } : { problems: problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) };
}
/** Every field id an evaluation reads: the mapped Impact, Urgency and Tier, and the app's own. */
function appFieldIds(config) {
    return [config.map.impact, config.map.urgency, config.map.tier, ...Object.values(config.fields.due), config.fields.state, config.fields.tier].filter((x) => !!x);
}
//# sourceMappingURL=config.js.map
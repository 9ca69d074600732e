"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.isLead = isLead;
exports.panel = panel;
exports.override = override;
exports.getConfig = getConfig;
exports.missingPriorities = missingPriorities;
exports.setConfig = setConfig;
exports.definitions = definitions;
const resolver_1 = __importDefault(require("@forge/resolver"));
const core_1 = require("@sla-desk/core");
const config_1 = require("./config");
const client_1 = require("./jira/client");
const presets_1 = require("./presets");
const sla_1 = require("./sla");
/** Is the caller a triage lead? Checked here, on the server: the UI only hides the control. */
async function isLead(client, config, accountId) {
    if (!accountId || !config.leadGroups.length)
        return false;
    const groups = await client.userGroups(accountId);
    return groups.some((g) => config.leadGroups.includes(g));
}
async function panel(context, client = new client_1.JiraClient('app'), now = Date.now()) {
    const config = await (0, config_1.loadConfig)();
    const { policy, problems } = (0, config_1.policyOf)(config);
    const key = context.extension?.issue?.key;
    if (!policy || !key)
        return { ok: false, problems: policy ? ['no issue in context'] : problems };
    const issue = await client.getIssue(key, (0, config_1.appFieldIds)(config));
    const { decision, timeline } = (0, sla_1.plan)(policy, config.map, config.fields, issue, now);
    const view = (0, core_1.ticketView)(decision, (0, core_1.localeOf)(context.locale), context.timezone ?? 'UTC');
    return {
        ok: true,
        view,
        // The panel re-evaluates these every second, so its countdown runs without another call.
        policy,
        timeline,
        locale: (0, core_1.localeOf)(context.locale),
        timezone: context.timezone ?? 'UTC',
        policyName: policy.name,
        priorities: Object.entries(policy.priorities).map(([id, p]) => ({ id, label: p.label })),
        current: decision.priority.id,
        lead: await isLead(client, config, context.accountId),
        // The glance's label, e.g. "P2 · Plus · 3h 20m".
        label: [decision.priority.id ?? '—', decision.tier.label, view.metrics.find((m) => m.state !== 'met' && m.state !== 'not_applicable')?.text].filter(Boolean).join(' · '),
    };
}
async function override(payload, context, client = new client_1.JiraClient('app'), now = Date.now()) {
    const config = await (0, config_1.loadConfig)();
    const { policy, problems } = (0, config_1.policyOf)(config);
    const issue = context.extension?.issue;
    if (!policy || !issue)
        return { ok: false, problems };
    if (!(await isLead(client, config, context.accountId)))
        return { ok: false, problems: ['Only triage leads can override the priority.'] };
    const current = await panel(context, client, now);
    const made = (0, core_1.makeOverride)(policy, { by: context.accountId, from: current.ok ? current.current : null, to: payload.to, reason: payload.reason, notify: payload.notify === true }, now);
    if (!made.override)
        return { ok: false, problems: made.problems.map(core_1.formatProblem) };
    const locale = (0, core_1.localeOf)(context.locale);
    // The internal comment is the audit trail, and the timeline reads the override back from it.
    await client.addComment(issue.key, (0, core_1.overrideNote)(made.override, locale), true);
    if (made.override.notify)
        await client.addComment(issue.key, (0, core_1.overrideNotice)(made.override, locale), false);
    const jira = policy.priorities[made.override.to]?.jira;
    if (jira)
        await client.setPriority(issue.key, jira);
    return { ok: true, override: made.override };
}
async function getConfig() {
    const config = await (0, config_1.loadConfig)();
    return { config, presets: Object.values(presets_1.PRESETS).map((p) => ({ id: p.id, name: p.name })), problems: (0, config_1.policyOf)(config).problems };
}
/** Jira priorities the policy names that this site lacks, as admin errors with their paths. */
async function missingPriorities(client, config) {
    const { policy } = (0, config_1.policyOf)(config);
    if (!policy)
        return [];
    const names = new Set((await client.getPriorities()).map((p) => p.name.toLowerCase()));
    return Object.entries(policy.priorities)
        .filter(([, p]) => !names.has(p.jira.toLowerCase()))
        .map(([id, p]) => `priorities.${id}.jira: this Jira site has no priority named "${p.jira}"`);
}
/** Saves only a configuration whose policy checks and whose priorities exist; otherwise nothing is written. */
async function setConfig(payload, client = new client_1.JiraClient('app')) {
    const config = payload.config;
    if (!config || typeof config !== 'object' || !config.policy || !config.map || !config.fields)
        return { ok: false, problems: ['config: expected policy, map and fields'] };
    if ('document' in config.policy) {
        const errors = (0, core_1.checkPolicyText)(config.policy.document).problems.filter((p) => p.level === 'error');
        if (errors.length)
            return { ok: false, problems: errors.map(core_1.formatProblem) };
    }
    else if (!presets_1.PRESETS[config.policy.preset]) {
        return { ok: false, problems: [`policy.preset: unknown preset "${config.policy.preset}" (known: ${Object.keys(presets_1.PRESETS).join(', ')})`] };
    }
    const missing = await missingPriorities(client, config);
    if (missing.length)
        return { ok: false, problems: missing };
    await (0, config_1.saveConfig)(config);
    return { ok: true, key: config_1.CONFIG_KEY };
}
function definitions() {
    const resolver = new resolver_1.default();
    resolver.define('panel', ({ context }) => panel(context));
    resolver.define('override', ({ payload, context }) => override(payload, context));
    resolver.define('getConfig', () => getConfig());
    resolver.define('setConfig', ({ payload }) => setConfig(payload));
    return resolver.getDefinitions();
}
//# sourceMappingURL=resolvers.js.map
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.useLiveView = useLiveView;
exports.SlaView = SlaView;
exports.OverrideForm = OverrideForm;
const jsx_runtime_1 = require("react/jsx-runtime");
const react_1 = require("react");
const react_2 = require("@forge/react");
const call_1 = require("./call");
const core_1 = require("@sla-desk/core");
/** UI Kit lozenge appearances for the view model's tones, so Jira shows what Zendesk shows. */
const APPEARANCE = {
    success: 'success',
    warning: 'moved',
    danger: 'removed',
    neutral: 'default',
    info: 'inprogress',
};
/** Re-evaluates the timeline every second: the countdown runs without calling Jira again. */
function useLiveView(data, clock = Date.now) {
    const [now, setNow] = (0, react_1.useState)(clock());
    (0, react_1.useEffect)(() => {
        const id = setInterval(() => setNow(clock()), 1000);
        return () => clearInterval(id);
    }, [clock]);
    if (!data)
        return null;
    return (0, core_1.ticketView)((0, core_1.evaluate)(data.policy, data.timeline, now), data.locale, data.timezone);
}
function SlaView({ view, policyName }) {
    return ((0, jsx_runtime_1.jsxs)(react_2.Stack, { space: "space.100", children: [(0, jsx_runtime_1.jsxs)(react_2.Inline, { space: "space.100", alignBlock: "center", children: [(0, jsx_runtime_1.jsx)(react_2.Heading, { as: "h4", children: view.priority.label }), (0, jsx_runtime_1.jsx)(react_2.Lozenge, { appearance: "inprogress", children: view.tier.label }), view.maintenance.map((m) => ((0, jsx_runtime_1.jsx)(react_2.Lozenge, { appearance: "moved", children: m.text }, m.label)))] }), (0, jsx_runtime_1.jsxs)(react_2.Text, { children: [view.priority.reason, ", ", policyName, " ", view.tier.label] }), view.metrics.map((m) => ((0, jsx_runtime_1.jsxs)(react_2.Inline, { space: "space.100", spread: "space-between", children: [(0, jsx_runtime_1.jsx)(react_2.Text, { children: m.label }), (0, jsx_runtime_1.jsx)(react_2.Lozenge, { appearance: APPEARANCE[m.tone], children: m.text })] }, m.metric))), view.warnings.map((w) => ((0, jsx_runtime_1.jsx)(react_2.SectionMessage, { appearance: "warning", children: (0, jsx_runtime_1.jsx)(react_2.Text, { children: w }) }, w)))] }));
}
function OverrideForm({ priorities, current, onSubmit }) {
    const [to, setTo] = (0, react_1.useState)(priorities.find((p) => p.id !== current)?.id ?? '');
    const [reason, setReason] = (0, react_1.useState)('');
    const [problems, setProblems] = (0, react_1.useState)([]);
    return ((0, jsx_runtime_1.jsx)(react_2.Form, { onSubmit: async () => setProblems(await onSubmit(to, reason)), children: (0, jsx_runtime_1.jsxs)(react_2.Box, { children: [(0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "sla-override-to", children: "New priority" }), (0, jsx_runtime_1.jsx)(react_2.Select, { id: "sla-override-to", options: priorities.map((p) => ({ label: p.label, value: p.id })), onChange: (o) => setTo(o.value) }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "sla-override-reason", children: "Reason (required)" }), (0, jsx_runtime_1.jsx)(react_2.TextArea, { id: "sla-override-reason", value: reason, onChange: (e) => setReason((0, call_1.valueOf)(e)) }), problems.map((p) => ((0, jsx_runtime_1.jsx)(react_2.Text, { children: p }, p))), (0, jsx_runtime_1.jsx)(react_2.Button, { type: "submit", appearance: "primary", children: "Override priority" })] }) }));
}
//# sourceMappingURL=SlaView.js.map
"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Admin = Admin;
const jsx_runtime_1 = require("react/jsx-runtime");
const react_1 = require("react");
const react_2 = __importStar(require("@forge/react"));
const call_1 = require("./call");
/** The admin page: the policy (a preset, or a pasted policy checked like `sla check`) and the field mapping. */
function Admin() {
    const [config, setConfig] = (0, react_1.useState)(null);
    const [presets, setPresets] = (0, react_1.useState)([]);
    const [doc, setDoc] = (0, react_1.useState)('');
    const [problems, setProblems] = (0, react_1.useState)([]);
    const [saved, setSaved] = (0, react_1.useState)(false);
    (0, react_1.useEffect)(() => {
        void (0, call_1.call)('getConfig').then((r) => {
            setConfig(r.config);
            setPresets(r.presets);
            setProblems(r.problems);
            if ('document' in r.config.policy)
                setDoc(r.config.policy.document);
        });
    }, []);
    if (!config)
        return (0, jsx_runtime_1.jsx)(react_2.Text, { children: "Loading\u2026" });
    const set = (patch) => setConfig({ ...config, ...patch });
    const map = (key) => (e) => set({ map: { ...config.map, [key]: (0, call_1.valueOf)(e) || undefined } });
    return ((0, jsx_runtime_1.jsx)(react_2.Form, { onSubmit: async () => {
            const next = doc.trim() ? { ...config, policy: { document: doc } } : config;
            const r = await (0, call_1.call)('setConfig', { config: next });
            setProblems(r.problems ?? []);
            setSaved(r.ok);
        }, children: (0, jsx_runtime_1.jsxs)(react_2.Stack, { space: "space.200", children: [(0, jsx_runtime_1.jsx)(react_2.Heading, { as: "h2", children: "SLA Desk" }), problems.length > 0 && ((0, jsx_runtime_1.jsx)(react_2.SectionMessage, { appearance: "error", title: "The policy does not check; nothing was saved", children: problems.map((p) => ((0, jsx_runtime_1.jsx)(react_2.Text, { children: p }, p))) })), saved && (0, jsx_runtime_1.jsx)(react_2.SectionMessage, { appearance: "success", children: "Saved." }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "preset", children: "Policy preset" }), (0, jsx_runtime_1.jsx)(react_2.Select, { id: "preset", options: presets.map((p) => ({ label: p.name, value: p.id })), onChange: (o) => set({ policy: { preset: o.value } }) }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "doc", children: "Or paste a policy (YAML or JSON)" }), (0, jsx_runtime_1.jsx)(react_2.TextArea, { id: "doc", value: doc, onChange: (e) => setDoc((0, call_1.valueOf)(e)) }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "impact", children: "Impact field id" }), (0, jsx_runtime_1.jsx)(react_2.Textfield, { id: "impact", value: config.map.impact ?? '', onChange: map('impact') }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "urgency", children: "Urgency field id" }), (0, jsx_runtime_1.jsx)(react_2.Textfield, { id: "urgency", value: config.map.urgency ?? '', onChange: map('urgency') }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "tier", children: "Tier field id" }), (0, jsx_runtime_1.jsx)(react_2.Textfield, { id: "tier", value: config.map.tier ?? '', onChange: map('tier') }), (0, jsx_runtime_1.jsx)(react_2.Label, { labelFor: "leads", children: "Triage-lead groups (comma-separated)" }), (0, jsx_runtime_1.jsx)(react_2.Textfield, { id: "leads", value: config.leadGroups.join(', '), onChange: (e) => set({ leadGroups: (0, call_1.valueOf)(e).split(',').map((g) => g.trim()).filter(Boolean) }) }), (0, jsx_runtime_1.jsx)(react_2.Button, { type: "submit", appearance: "primary", children: "Save" })] }) }));
}
react_2.default.render((0, jsx_runtime_1.jsx)(Admin, {}));
//# sourceMappingURL=admin.js.map
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
exports.Panel = Panel;
const jsx_runtime_1 = require("react/jsx-runtime");
const react_1 = require("react");
const react_2 = __importStar(require("@forge/react"));
const call_1 = require("./call");
const SlaView_1 = require("./SlaView");
/** The issue panel: the live countdown, the tier and the reason, and the override for leads. */
function Panel() {
    const [data, setData] = (0, react_1.useState)(null);
    const load = () => (0, call_1.call)('panel').then(setData, (e) => setData({ ok: false, problems: [e.message] }));
    (0, react_1.useEffect)(() => void load(), []);
    const view = (0, SlaView_1.useLiveView)(data && data.ok ? data : null);
    if (!data)
        return (0, jsx_runtime_1.jsx)(react_2.Text, { children: "Loading\u2026" });
    if (!data.ok) {
        return ((0, jsx_runtime_1.jsx)(react_2.SectionMessage, { appearance: "error", title: "SLA Desk", children: data.problems.map((p) => ((0, jsx_runtime_1.jsx)(react_2.Text, { children: p }, p))) }));
    }
    return ((0, jsx_runtime_1.jsxs)(react_2.Stack, { space: "space.200", children: [view && (0, jsx_runtime_1.jsx)(SlaView_1.SlaView, { view: view, policyName: data.policyName }), data.lead && ((0, jsx_runtime_1.jsx)(SlaView_1.OverrideForm, { priorities: data.priorities, current: data.current, onSubmit: async (to, reason) => {
                    const r = await (0, call_1.call)('override', { to, reason });
                    if (r.ok)
                        await load();
                    return r.problems ?? [];
                } }))] }));
}
react_2.default.render((0, jsx_runtime_1.jsx)(Panel, {}));
//# sourceMappingURL=panel.js.map
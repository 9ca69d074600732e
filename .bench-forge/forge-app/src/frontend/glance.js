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
exports.Glance = Glance;
const jsx_runtime_1 = require("react/jsx-runtime");
const react_1 = require("react");
const react_2 = __importStar(require("@forge/react"));
const call_1 = require("./call");
const SlaView_1 = require("./SlaView");
/** The issue glance: the same live view as the panel, without the override. */
function Glance() {
    const [data, setData] = (0, react_1.useState)(null);
    (0, react_1.useEffect)(() => void (0, call_1.call)('panel').then(setData, (e) => setData({ ok: false, problems: [e.message] })), []);
    const view = (0, SlaView_1.useLiveView)(data && data.ok ? data : null);
    if (!data)
        return (0, jsx_runtime_1.jsx)(react_2.Text, { children: "Loading\u2026" });
    if (!data.ok)
        return (0, jsx_runtime_1.jsx)(react_2.Text, { children: data.problems.join('; ') });
    return view ? (0, jsx_runtime_1.jsx)(SlaView_1.SlaView, { view: view, policyName: data.policyName }) : null;
}
react_2.default.render((0, jsx_runtime_1.jsx)(Glance, {}));
//# sourceMappingURL=glance.js.map
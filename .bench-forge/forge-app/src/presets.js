"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PRESETS = void 0;
const presets_generated_json_1 = __importDefault(require("./presets.generated.json"));
/** The bundled presets, validated by scripts/build.mjs. */
exports.PRESETS = presets_generated_json_1.default;
//# sourceMappingURL=presets.js.map
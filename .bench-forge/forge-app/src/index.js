"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolver = void 0;
exports.onIssueEvent = onIssueEvent;
exports.sweep = sweep;
const resolvers_1 = require("./resolvers");
const triggers_1 = require("./triggers");
/** The functions manifest.yml names. */
exports.resolver = (0, resolvers_1.definitions)();
async function onIssueEvent(event) {
    return (0, triggers_1.onIssueEvent)(event);
}
async function sweep() {
    return (0, triggers_1.sweep)();
}
//# sourceMappingURL=index.js.map
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.call = call;
exports.valueOf = valueOf;
const bridge_1 = require("@forge/bridge");
/** A resolver call with the answer typed as the resolver returns it. */
function call(functionKey, payload) {
    return (0, bridge_1.invoke)(functionKey, payload);
}
/** The text of a UI Kit change event (events cross the bridge as plain data). */
function valueOf(e) {
    return typeof e.target?.value === 'string' ? e.target.value : '';
}
//# sourceMappingURL=call.js.map
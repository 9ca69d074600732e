"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const fs_1 = require("fs");
const path_1 = require("path");
const manifest_1 = require("@forge/manifest");
const yaml_1 = require("yaml");
/** `forge lint` needs a login, so the manifest is checked offline with Atlassian's own validator. */
const MANIFEST = (0, path_1.join)(__dirname, '..', 'manifest.yml');
test('manifest.yml passes @forge/manifest\'s full validation, resources and handlers included', async () => {
    const r = await (0, manifest_1.validate)(false, MANIFEST);
    expect(r.errors ?? []).toEqual([]);
    expect(r.success).toBe(true);
});
test('runtime, modules, loop guard and the fewest scopes', () => {
    const m = (0, yaml_1.parse)((0, fs_1.readFileSync)(MANIFEST, 'utf8'));
    expect(m.app.runtime.name).toBe('nodejs22.x');
    expect(Object.keys(m.modules).sort()).toEqual(['function', 'jira:adminPage', 'jira:customField', 'jira:issueGlance', 'jira:issuePanel', 'scheduledTrigger', 'trigger']);
    expect(m.modules.scheduledTrigger[0].interval).toBe('hour');
    expect(m.modules.trigger[0].events).toEqual(['avi:jira:created:issue', 'avi:jira:updated:issue']);
    expect(m.modules.trigger[0].filter.ignoreSelf).toBe(true);
    expect(m.modules['jira:customField'].every((f) => f.readOnly)).toBe(true);
    expect(m.permissions.scopes).toEqual(['read:jira-work', 'write:jira-work', 'read:jira-user', 'storage:app']);
    for (const mod of ['jira:issueGlance', 'jira:issuePanel', 'jira:adminPage'])
        expect(m.modules[mod][0].render).toBe('native');
});
//# sourceMappingURL=manifest.test.js.map
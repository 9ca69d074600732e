import { readFileSync } from 'fs';
import { join } from 'path';
import { validate } from '@forge/manifest';
import { parse } from 'yaml';

/** `forge lint` needs a login, so the manifest is checked offline with Atlassian's own validator. */
const MANIFEST = join(__dirname, '..', 'manifest.yml');

test('manifest.yml passes @forge/manifest\'s full validation, resources and handlers included', async () => {
  const r = await validate(false, MANIFEST);
  expect(r.errors ?? []).toEqual([]);
  expect(r.success).toBe(true);
});

test('runtime, modules, loop guard and the fewest scopes', () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  expect(m.app.runtime.name).toBe('nodejs22.x');
  expect(Object.keys(m.modules).sort()).toEqual(['function', 'jira:adminPage', 'jira:customField', 'jira:issueGlance', 'jira:issuePanel', 'scheduledTrigger', 'trigger']);
  expect(m.modules.scheduledTrigger[0].interval).toBe('hour');
  expect(m.modules.trigger[0].events).toEqual(['avi:jira:created:issue', 'avi:jira:updated:issue']);
  expect(m.modules.trigger[0].filter.ignoreSelf).toBe(true);
  expect(m.modules['jira:customField'].every((f: { readOnly: boolean }) => f.readOnly)).toBe(true);
  // manage:jira-configuration only for the admin page's "create the fields" action.
  expect(m.permissions.scopes).toEqual(['read:jira-work', 'write:jira-work', 'read:jira-user', 'manage:jira-configuration', 'storage:app']);
  for (const mod of ['jira:issueGlance', 'jira:issuePanel', 'jira:adminPage']) expect(m.modules[mod][0].render).toBe('native');
});

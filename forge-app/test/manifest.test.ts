import { readFileSync } from 'fs';
import { join } from 'path';
import { validate } from '@forge/manifest';
import { parse } from 'yaml';
import { QUEUE } from '../src/recalculate';

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
  expect(Object.keys(m.modules).sort()).toEqual(['consumer', 'function', 'jira:adminPage', 'jira:customField', 'jira:issueGlance', 'jira:issuePanel', 'scheduledTrigger', 'trigger']);
  expect(m.modules.scheduledTrigger[0].interval).toBe('hour');
  expect(m.modules.trigger[0].events).toEqual(['avi:jira:created:issue', 'avi:jira:updated:issue']);
  expect(m.modules.trigger[0].filter.ignoreSelf).toBe(true);
  expect(m.modules['jira:customField'].every((f: { readOnly: boolean }) => f.readOnly)).toBe(true);
  // manage:jira-configuration only for the admin page's "create the fields" action.
  // read:servicedesk-request only for the tier from a JSM organization property.
  expect(m.permissions.scopes).toEqual(['read:jira-work', 'write:jira-work', 'read:jira-user', 'manage:jira-configuration', 'storage:app', 'read:servicedesk-request']);
  for (const mod of ['jira:issueGlance', 'jira:issuePanel', 'jira:adminPage']) expect(m.modules[mod][0].render).toBe('native');
  // @forge/events 2+: the consumer names a function (no resolver), on the queue the code pushes to.
  expect(m.modules.consumer[0]).toEqual({ key: 'sla-desk-recalculate-consumer', queue: QUEUE, function: 'recalculate-page' });
  expect(m.modules.function.find((f: { key: string }) => f.key === 'recalculate-page').handler).toBe('index.recalculatePage');
});

// @forge/lint's client-side linters, as `forge lint` runs them but offline (see scripts/forge-lint.cjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lintApp } = require('../scripts/forge-lint.cjs') as { lintApp(dir: string, manifest?: object): Promise<{ count: { errors: number; warnings: number }; linters: string[]; results: { errors: { message: string }[]; warnings: { message: string }[] }[] }> };
const APP = join(__dirname, '..');

test('@forge/lint\'s offline linters find no problem in the app', async () => {
  const r = await lintApp(APP);
  expect(r.linters).toEqual(expect.arrayContaining(['HandlerLinter', 'FullManifestLinter', 'InvokeEndpointLinter', 'StorageModulesLinter', 'DeprecatedApiModuleLinter']));
  expect(r.linters).not.toContain('PermissionLinter');
  expect(r.count).toMatchObject({ errors: 0, warnings: 0 });
}, 60_000);

test('the same linters do catch a broken manifest: a trigger whose handler is not exported', async () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  m.modules.function.find((f: { key: string }) => f.key === m.modules.trigger[0].function).handler = 'index.noSuchHandler';
  const r = await lintApp(APP, m);
  // The handler linter reports a missing export as a warning, as `forge lint` does.
  expect(r.count.warnings).toBe(1);
  expect(r.results.flatMap((x) => x.warnings.map((e) => e.message)).join('\n')).toMatch(/noSuchHandler/);
}, 60_000);

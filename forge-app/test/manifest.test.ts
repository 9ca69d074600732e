import { readFileSync } from 'fs';
import { join } from 'path';
import { validate } from '@forge/manifest';
import { parse } from 'yaml';
import { QUEUE } from '../src/recalculate';
import { TRANSITION_QUEUE } from '../src/triggers';
import { allowed, routeOf, ROUTE_SCOPES } from '../../test/jira/scopes';
import { APP_FIELD_MODULES } from '../src/site';
import { PRESETS } from '../src/presets';
import { JiraEmulator } from '../../test/jira/emulator';

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
  expect(Object.keys(m.modules).sort()).toEqual(['consumer', 'function', 'jira:adminPage', 'jira:customField', 'jira:dashboardGadget', 'jira:issueGlance', 'jira:issuePanel', 'jira:projectPage', 'scheduledTrigger', 'sql', 'trigger']);
  // The report's outcomes: the app's Forge SQL database (docs/forge-reports.md).
  expect(m.modules.sql).toEqual([{ key: 'main', engine: 'mysql' }]);
  expect(m.modules.scheduledTrigger[0]).toEqual({ key: 'sla-desk-transitions', function: 'find-transitions', interval: 'fiveMinute' });
  expect(m.modules.trigger[0].events).toEqual(['avi:jira:created:issue', 'avi:jira:updated:issue', 'avi:jira:commented:issue']);
  expect(m.modules.trigger[0].filter.ignoreSelf).toBe(true);
  // After an install or an upgrade no issue event has come: the open issues are recalculated.
  expect(m.modules.trigger[1]).toEqual({ key: 'sla-desk-lifecycle', function: 'on-app-lifecycle', events: ['avi:forge:installed:app', 'avi:forge:upgraded:app'] });
  // A deleted issue's outcomes go with it: its own function, which reads nothing from Jira.
  expect(m.modules.trigger[2]).toEqual({ key: 'sla-desk-issue-deleted', function: 'on-issue-deleted', events: ['avi:jira:deleted:issue'] });
  expect(m.modules.function.find((f: { key: string }) => f.key === 'on-issue-deleted').handler).toBe('index.onIssueDeleted');
  expect(m.modules.function.find((f: { key: string }) => f.key === 'on-app-lifecycle').handler).toBe('index.onAppLifecycle');
  expect(m.modules['jira:customField'].every((f: { readOnly: boolean }) => f.readOnly)).toBe(true);
  // manage:jira-configuration for the admin page's "create the fields" action, project roles and
  // priority schemes;
  // the organization-property scope only for the tier from a JSM organization property;
  // write:servicedesk-request for internal comments on service projects (JSM's request comment).
  expect(m.permissions.scopes).toEqual(['read:jira-work', 'write:jira-work', 'read:jira-user', 'manage:jira-configuration', 'storage:app', 'write:app-data:jira', 'read:organization.property:jira-service-management', 'write:servicedesk-request']);
  for (const mod of ['jira:issueGlance', 'jira:issuePanel', 'jira:adminPage', 'jira:dashboardGadget', 'jira:projectPage']) expect(m.modules[mod][0].render).toBe('native');
  // @forge/events 2+: the consumer names a function (no resolver), on the queue the code pushes to.
  expect(m.modules.consumer[0]).toEqual({ key: 'sla-desk-recalculate-consumer', queue: QUEUE, function: 'recalculate-page' });
  expect(m.modules.consumer[1]).toEqual({ key: 'sla-desk-transition-consumer', queue: TRANSITION_QUEUE, function: 'on-transition' });
  // The admin page has a resolver of its own; the glance and the panel share one with no admin function.
  expect(m.modules['jira:adminPage'][0].resolver.function).toBe('admin-resolver');
  expect(m.modules['jira:issuePanel'][0].resolver.function).toBe('resolver');
  expect(m.modules['jira:issueGlance'][0].resolver.function).toBe('resolver');
  expect(m.modules.function.find((f: { key: string }) => f.key === 'recalculate-page').handler).toBe('index.recalculatePage');
});

/**
 * The SLA report's modules, by the rules of Atlassian's manifest reference (Jira dashboard gadget,
 * Jira project page) and of HOSTS.md (a page's own resolver function).
 */
test('the report: a dashboard gadget and a project page, UI Kit, on a resolver function of their own', () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  const resources = new Map((m.resources as { key: string; path: string }[]).map((r) => [r.key, r.path]));
  const [gadget] = m.modules['jira:dashboardGadget'];
  const [page] = m.modules['jira:projectPage'];
  // A gadget needs a title, a description and a thumbnail (shown in "Add gadget"); a project page a title.
  for (const f of ['key', 'title', 'description', 'thumbnail', 'resource']) expect(typeof gadget[f]).toBe('string');
  for (const f of ['key', 'title', 'resource']) expect(typeof page[f]).toBe('string');
  // Keys: letters, digits, _ and -; icons and thumbnails within 255 characters, from the app's own resources.
  for (const mod of [gadget, page]) expect(mod.key).toMatch(/^[a-zA-Z0-9_-]+$/);
  for (const icon of [gadget.thumbnail, page.icon]) {
    expect(icon.length).toBeLessThanOrEqual(255);
    expect(resources.get(/^resource:([^;]+);/.exec(icon)![1])).toBe('static');
  }
  expect(['basic', 'blank', 'native']).toContain(page.layout);
  // UI Kit (render: native) from their own sources, which render one report component.
  expect(resources.get(gadget.resource)).toBe('src/frontend/report-gadget.tsx');
  expect(resources.get(page.resource)).toBe('src/frontend/report-page.tsx');
  for (const path of [gadget.resource, page.resource].map((r) => resources.get(r)!)) {
    const src = readFileSync(join(__dirname, '..', path), 'utf8');
    expect(src).toMatch(/from '\.\/Report'/);
    expect(src).not.toMatch(/@forge\/ui['/]/);
  }
  // Their own function: nothing else shares it, and it is the report resolver's.
  expect(gadget.resolver.function).toBe('report-resolver');
  expect(page.resolver.function).toBe('report-resolver');
  const users = Object.values(m.modules).flat().filter((x) => (x as { resolver?: { function?: string } }).resolver?.function === 'report-resolver');
  expect(users).toEqual([gadget, page]);
  expect(m.modules.function.find((f: { key: string }) => f.key === 'report-resolver').handler).toBe('index.reportResolver');
  // Runs on Atlassian: the reports add no egress and no remote (nor does anything else).
  expect(m.permissions.external).toBeUndefined();
  expect(m.remotes).toBeUndefined();
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

test('the same linters do catch a broken manifest: the life cycle trigger\'s handler not exported', async () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  m.modules.function.find((f: { key: string }) => f.key === m.modules.trigger[1].function).handler = 'index.noLifecycleHandler';
  const r = await lintApp(APP, m);
  expect(r.results.flatMap((x) => x.warnings.map((e) => e.message)).join('\n')).toMatch(/noLifecycleHandler/);
}, 60_000);

test('the same linters do catch a broken manifest: the sql module left out while the code uses @forge/sql', async () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  delete m.modules.sql;
  const r = await lintApp(APP, m);
  expect(r.count.errors).toBeGreaterThan(0);
  expect(r.results.flatMap((x) => x.errors.map((e) => e.message)).join('\n')).toMatch(/sql/i);
}, 60_000);

test('the same linters do catch a broken manifest: a trigger whose handler is not exported', async () => {
  const m = parse(readFileSync(MANIFEST, 'utf8'));
  m.modules.function.find((f: { key: string }) => f.key === m.modules.trigger[0].function).handler = 'index.noSuchHandler';
  const r = await lintApp(APP, m);
  // The handler linter reports a missing export as a warning, as `forge lint` does.
  expect(r.count.warnings).toBe(1);
  expect(r.results.flatMap((x) => x.warnings.map((e) => e.message)).join('\n')).toMatch(/noSuchHandler/);
}, 60_000);

/** Every Jira route the app's client calls, read from its route`...` templates: method and path. */
function clientRoutes(): { method: string; path: string }[] {
  const src = readFileSync(join(__dirname, '..', 'src', 'jira', 'client.ts'), 'utf8');
  const out: { method: string; path: string }[] = [];
  for (const m of src.matchAll(/route`(\/rest[^`?]+)[^`]*`(?:,\s*\{\s*method:\s*'(\w+)')?/g)) {
    out.push({ method: m[2] ?? 'GET', path: m[1].replace(/\$\{[^}]+\}/g, 'X') });
  }
  return out;
}

describe('OAuth scopes, checked offline (@forge/lint\'s permission linter downloads a schema)', () => {
  const scopes = parse(readFileSync(MANIFEST, 'utf8')).permissions.scopes as string[];

  test('every route the app calls has its scopes from Atlassian\'s reference, and the manifest holds them', () => {
    const routes = clientRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(18);
    const missing = routes.filter((r) => !routeOf(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    const refused = routes.filter((r) => !allowed(routeOf(r.method, r.path)!, scopes)).map((r) => `${r.method} ${r.path}`);
    expect(refused).toEqual([]);
    // Scopes Atlassian recommends today and will require are there too.
    for (const r of ROUTE_SCOPES) for (const s of r.recommended ?? []) expect(scopes).toContain(s);
  });

  test('the check fails when the manifest lacks a scope', () => {
    const without = scopes.filter((s) => s !== 'read:organization.property:jira-service-management');
    const refused = clientRoutes().filter((r) => !allowed(routeOf(r.method, r.path)!, without)).map((r) => r.path);
    expect(refused).toEqual(['/rest/servicedeskapi/organization/X/property/X']);
    // JSM's request comment (an internal comment on a service project) needs its own scope.
    const noRequest = scopes.filter((s) => s !== 'write:servicedesk-request');
    expect(clientRoutes().filter((r) => !allowed(routeOf(r.method, r.path)!, noRequest)).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/servicedeskapi/request/X/comment']);
  });

  test('the emulated site refuses a call whose scope the manifest lacks, as Forge does (401)', async () => {
    const { JiraEmulator } = await import('../../test/jira/emulator');
    const { route } = jest.requireActual('@forge/api');
    const site = new JiraEmulator(scopes.filter((s) => s !== 'read:jira-user'));
    expect((await site.requestJira(route`/rest/api/3/myself`)).status).toBe(401);
    expect((await site.requestJira(route`/rest/api/3/priorityscheme`)).status).toBe(200);
    // The project's priority scheme needs manage:jira-configuration (or the granular beta scope).
    expect((await new JiraEmulator(scopes.filter((s) => s !== 'manage:jira-configuration')).requestJira(route`/rest/api/3/priorityscheme`)).status).toBe(401);
    expect((await new JiraEmulator(scopes).requestJira(route`/rest/api/3/myself`)).status).toBe(200);
  });

  test('the app finds each of its own custom fields by the module key the manifest declares', () => {
    const keys = parse(readFileSync(MANIFEST, 'utf8')).modules['jira:customField'].map((f: { key: string }) => f.key);
    expect(Object.keys(APP_FIELD_MODULES).sort()).toEqual([...keys].sort());
  });

  test('recurring Metrics have due fields of their own: datetime, read-only, filled with the zendesk-parity preset\'s metric ids', () => {
    const fields = parse(readFileSync(MANIFEST, 'utf8')).modules['jira:customField'] as { key: string; name: string; type: string; readOnly: boolean }[];
    const due = (key: string) => {
      const f = { due: {} as Record<string, string> };
      APP_FIELD_MODULES[key](f, 'customfield_1');
      return Object.keys(f.due);
    };
    expect(fields.filter((f) => f.key === 'sla-due-next-reply' || f.key === 'sla-due-periodic-update').map((f) => ({ ...f, metrics: due(f.key) }))).toEqual([
      { key: 'sla-due-next-reply', name: 'SLA: next reply due', description: expect.any(String), type: 'datetime', readOnly: true, metrics: ['next_reply'] },
      { key: 'sla-due-periodic-update', name: 'SLA: next update due', description: expect.any(String), type: 'datetime', readOnly: true, metrics: ['periodic_update'] },
    ]);
    const parity = PRESETS['zendesk-parity'].metrics;
    expect([parity.next_reply.stopsAt, parity.periodic_update.stopsAt]).toEqual(['next_public_reply', 'periodic_update']);
    // The emulated site deploys every field the manifest declares, of a type Forge takes.
    const ids = new JiraEmulator([]).deployAppFields(fields);
    expect(Object.keys(ids)).toEqual(fields.map((f) => f.key));
    expect(() => new JiraEmulator([]).deployAppFields([{ key: 'x', name: 'X', type: 'datetimes' }])).toThrow('jira:customField x: type "datetimes" is not one of');
  });
});

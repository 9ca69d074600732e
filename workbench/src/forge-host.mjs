// The Forge runtime, emulated: loads the Forge app's own compiled code (resolvers, triggers) with
// @forge/api's requestJira pointed at the Jira REST emulator and @forge/kvs at a Map. Used by the
// workbench and by npm run bench; the app's code is not changed or copied.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Compiles the app code the hosts run (Forge resolvers and triggers, the ZAF adapter, the Jira emulator). */
export function compileHosts(root, outDir) {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(root, 'workbench', 'tsconfig.hosts.json')];
  if (outDir) args.push('--outDir', outDir);
  execFileSync(process.execPath, args, { stdio: 'inherit' });
}

/**
 * Loads the compiled Forge app from `buildDir` (the outDir of compileHosts) against `jira` (a
 * JiraEmulator) and `store` (a Map standing in for Forge storage).
 */
export function loadForge(root, buildDir, store, jiraOf) {
  const req = createRequire(join(root, 'forge-app', 'package.json'));
  const { JiraEmulator } = req(join(buildDir, 'test', 'jira', 'emulator.js'));
  // The emulated site grants exactly the manifest's scopes, and has the fields Forge creates from it.
  const manifest = parse(readFileSync(join(root, 'forge-app', 'manifest.yml'), 'utf8'));
  const jira = jiraOf ? jiraOf(JiraEmulator, manifest) : new JiraEmulator(manifest.permissions.scopes);
  jira.deployAppFields(manifest.modules['jira:customField']);
  const actual = req('@forge/api');
  const asApp = { requestJira: (r, init) => jira.requestJira(r, init, { as: 'app' }) };
  // asUser acts as the invoking user, whom the host sets on jira.currentUser for each resolver call.
  const asUser = { requestJira: (r, init) => jira.requestJira(r, init, { as: 'user', accountId: jira.currentUser ?? 'anonymous' }) };
  const { APP_ID, ENV_ID } = req(join(buildDir, 'test', 'jira', 'emulator.js'));
  const getAppContext = () => ({ appAri: { appId: APP_ID }, environmentAri: { environmentId: ENV_ID } });
  req.cache[req.resolve('@forge/api')].exports = { ...actual, __esModule: true, route: actual.route, getAppContext, default: { asApp: () => asApp, asUser: () => asUser } };
  req('@forge/kvs');
  req.cache[req.resolve('@forge/kvs')].exports = {
    __esModule: true,
    kvs: {
      // As @forge/kvs: a missing key is an error, not undefined.
      get: async (k) => {
        if (!store.has(k)) throw Object.assign(new Error(`key ${k} not found`), { code: 'KEY_NOT_FOUND' });
        return store.get(k);
      },
      set: async (k, v) => void store.set(k, v),
    },
  };
  const src = join(buildDir, 'forge-app', 'src');
  return {
    jira,
    manifest,
    JiraEmulator,
    triggers: req(join(src, 'triggers.js')),
    resolvers: req(join(src, 'resolvers.js')),
    config: req(join(src, 'config.js')),
    recalculate: req(join(src, 'recalculate.js')),
    JiraClient: req(join(src, 'jira', 'client.js')).JiraClient,
    site: req(join(src, 'site.js')),
    adfText: req(join(src, 'jira', 'timeline.js')).adfText,
  };
}

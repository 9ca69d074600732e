#!/usr/bin/env node
'use strict';
/**
 * `forge lint` without a login: @forge/lint's client-side linters, run on the app's manifest and
 * sources. Two things differ from the CLI, both because this machine reaches no Atlassian service:
 * - feature flags come from an offline reader that answers "no flag" (the CLI asks Statsig);
 * - the permission linter is left out, because it downloads the scope schema. The manifest test
 *   checks the scopes against what the code calls instead.
 */
const { readFileSync } = require('fs');
const { join, relative } = require('path');
const YAML = require('yaml');
const { getClientSideLintersOnly, lint, problemCount } = require('@forge/lint');
const { StatsigReader } = require('@forge/cli-shared');

class OfflineFlags extends StatsigReader {
  async checkGate() {
    return null;
  }
  async getDynamicConfig() {
    return null;
  }
}

const quiet = { info() {}, warn() {}, debug() {}, error() {}, trace() {}, logNewLine() {}, logBlankLine() {} };

function sources(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of require('fs').readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tsx?|jsx?)$/.test(e.name) && !/\.d\.ts$/.test(e.name)) out.push(p);
    }
  };
  walk(join(dir, 'src'));
  return out.map((p) => relative(dir, p)).sort();
}

/** Lints the app in `dir` (its manifest.yml, or the given manifest object) and returns the results. */
async function lintApp(dir, manifest = YAML.parse(readFileSync(join(dir, 'manifest.yml'), 'utf8'))) {
  const flags = new OfflineFlags();
  const linters = (await getClientSideLintersOnly(manifest, 'development', quiet, flags)).filter((l) => l.constructor.name !== 'PermissionLinter');
  // The linters resolve handler files and tsconfig from the working directory, as the CLI does.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const results = await lint(sources(dir), manifest, 'development', quiet, flags, { linters });
    return { results, count: problemCount(results), linters: linters.map((l) => l.constructor.name) };
  } finally {
    process.chdir(cwd);
  }
}

module.exports = { lintApp };

if (require.main === module) {
  lintApp(join(__dirname, '..')).then(
    ({ results, count, linters }) => {
      for (const r of results) for (const p of [...r.errors, ...r.warnings]) console.log(`${r.file}:${p.line}:${p.column} ${p.severity ?? ''} ${p.message}`);
      console.log(`${linters.length} linters: ${count.errors} errors, ${count.warnings} warnings`);
      process.exit(count.errors ? 1 : 0);
    },
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

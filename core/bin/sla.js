#!/usr/bin/env node
'use strict';
const { existsSync } = require('fs');
const { join } = require('path');
if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) {
  process.stderr.write('sla: the core is not built yet; run "npm run build" from the repository root\n');
  process.exit(1);
}
// A closed pipe (sla ... | head) is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
require('../dist/cli')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    process.stderr.write(`sla: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 1;
  });

const { availableParallelism } = require('os');

/** @type {import('jest').Config} */
module.exports = {
  projects: ['<rootDir>/core', '<rootDir>/zendesk-app', '<rootDir>/forge-app', '<rootDir>/test'],
  // Jest's default is one worker less than the cores: one worker on CI's two. Most suites wait on
  // I/O (a browser, servers on loopback, a database), so two workers there halve the wall time
  // (test/zendesk-service: 3 min 47 s with one, 1 min 57 s with two, same CPU time).
  maxWorkers: Math.max(2, availableParallelism() - 1),
};

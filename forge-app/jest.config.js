/** @type {import('jest').Config} */
module.exports = {
  displayName: 'forge-app',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // Forge SQL's stand-in: one MariaDB server for the run (test/sql-server.ts).
  globalSetup: '<rootDir>/test/sql-server.ts',
  globalTeardown: '<rootDir>/test/sql-server-teardown.ts',
};

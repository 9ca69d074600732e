/** @type {import('jest').Config} */
module.exports = {
  displayName: 'cross-package',
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // The workbench servers these tests start share one MariaDB (Forge SQL's stand-in) with the Forge app's tests.
  globalSetup: '<rootDir>/../forge-app/test/sql-server.ts',
  globalTeardown: '<rootDir>/../forge-app/test/sql-server-teardown.ts',
};

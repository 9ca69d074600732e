/** @type {import('jest').Config} */
module.exports = {
  displayName: 'zendesk-app',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
};

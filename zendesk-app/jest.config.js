/** @type {import('jest').Config} */
module.exports = {
  displayName: 'zendesk-app',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  setupFiles: ['<rootDir>/test/setup-dom.cjs'],
  // As in the Vite build: core from source.
  moduleNameMapper: { '^@sla-desk/core$': '<rootDir>/../core/src/index.ts', '^@sla-desk/core/lint$': '<rootDir>/../core/src/lint.ts' },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // Garden depends on react-merge-refs, which ships only as an ES module.
    '^.+react-merge-refs.+\\.m?js$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!react-merge-refs/)'],
};

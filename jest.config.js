/** @type {import('jest').Config} */
module.exports = {
  projects: ['<rootDir>/core', '<rootDir>/zendesk-app', '<rootDir>/forge-app', '<rootDir>/test'],
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Generates stacks/config-validator.js and dashboards/prebuilt-dashboards.json from the source, as the build does.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // No test measures time. A Pulumi program run under mocks takes a few
  // seconds on an idle 2-core machine and several times that on a busy one;
  // jest's 5 s default made such tests fail at random (issue 11).
  testTimeout: 120_000,
};

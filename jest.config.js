/**
 * Four projects: unit tests are pure, workflow replay tests need no servers; integration and e2e tests share one real
 * Temporal dev server and FerretDB.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const serverBacked = {
  transform,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
module.exports = {
  testTimeout: 120000,
  // The Temporal native runtime keeps handles open after teardown (sdk-typescript#928).
  forceExit: true,
  projects: [
    { displayName: 'unit', transform, testEnvironment: 'node', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // Replays recorded workflow histories: no servers.
    {
      displayName: 'workflows',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
    },
    { ...serverBacked, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...serverBacked, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};

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
  // No forceExit: every test closes what it opens, so jest exits by itself (docs/ci.md, "Jest exits by itself").
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

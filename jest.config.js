// Two projects: fast unit tests (pure core, constructs, snapshots) and end-to-end
// tests that drive a real Terraform against a disposable devvm (see test/harness/).
// Snapshots live in the top-level __snapshots__/ (cdktf convention), see test/snapshot-resolver.js.
const common = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testEnvironment: 'node',
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  // Every test file: property tests run from a fixed seed (FC_SEED overrides it), and any
  // read of the live roster/roster.yaml or roster/site.yaml throws (tests use test/fixtures/).
  setupFiles: ['<rootDir>/test/setup/fast-check-seed.ts', '<rootDir>/test/support/live-inputs-guard.js'],
};

module.exports = {
  // Property tests run hundreds of cases; on a busy 2-core machine 5 s is too tight.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      // The commands the unit tests start carry the live-inputs guard too.
      setupFiles: [...common.setupFiles, '<rootDir>/test/setup/guard-children.js'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/e2e-setup.js'],
    },
  ],
};

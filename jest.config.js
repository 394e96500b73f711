/**
 * One jest run for the whole repository: unit specs colocated with the sources, and integration specs under
 * packages/<name>/tests that drive the real nx and helm. Node runs with --experimental-vm-modules (see the test
 * script) because the helm runner loads execa, an ES module, with a dynamic import.
 */
// jest reads its config as CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { availableParallelism } = require('node:os');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/packages/nx-helm/tsconfig.json' }],
  },
  testMatch: ['<rootDir>/packages/*/src/**/*.spec.ts', '<rootDir>/packages/*/tests/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/packages/nx-helm/dist/'],
  testTimeout: 180000,
  // Integration suites wait on nx, helm, npm and registries as much as they compute: at least two run side by side,
  // also on a machine of 2 cores (where jest's default, one less than the cores, would be 1).
  maxWorkers: Math.max(2, availableParallelism() - 1),
};

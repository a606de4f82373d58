'use strict';
// ts-jest transpiles file by file (isolatedModules in tsconfig.test.json): type errors are caught once by `npm run typecheck`,
// which keeps each test run fast. TypeScript is pinned to 5.x because ts-jest's peer range is <7.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
  testTimeout: 60000,
};

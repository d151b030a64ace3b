import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.ysh-data/**', '**/dist/**', '**/.tsbuild/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['tests/src/global-setup.ts'],
    reporters: ['default', './tests/src/summary-reporter.ts'],
  },
});

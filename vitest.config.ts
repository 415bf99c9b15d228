import { defineConfig } from 'vitest/config';

// One runner for every suite. Server suites read DATABASE_URL: unset means PGlite.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx', 'hardware/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores: more workers only thrash the SQLite fsyncs and the browser.
    maxWorkers: 2,
  },
});

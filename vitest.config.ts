import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that start the Go fixture bind 127.0.0.1 ports and spawn processes; two cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});

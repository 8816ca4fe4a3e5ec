import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that start the Go fixture bind 127.0.0.1 ports and spawn processes; two cores here.
    pool: 'forks',
    maxWorkers: 2,
    // Nothing a test runs (the CLI it spawns included) may write into the user's own data folder.
    env: { LEAKBAR_DATA_DIR: join(tmpdir(), `leakbar-test-data-${process.pid}`) },
  },
});

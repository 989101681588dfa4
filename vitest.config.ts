import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests, and e2e tests against real SSH/systemd hosts. The e2e project
// boots the lab once per run (test/lab/global-setup.ts) and runs its files one at a time, since
// they share those hosts. Every test file gets a private TMPDIR, removed after it (test/support/tmp.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/lab/**/*.test.ts'],
          setupFiles: ['test/support/tmp.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          setupFiles: ['test/support/tmp.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';
import { labCount } from './test/lab/labs.ts';

// Two projects: pure unit tests, and e2e tests against real SSH/systemd hosts. The e2e project
// boots its lab(s) once per run (test/lab/global-setup.ts) and runs one file per lab at a time:
// one lab by default, files one after another; LAB_BRIDGE_2 / LAB_SUBNET_2 add a second lab and
// a second worker (test/lab/worker-lab.ts gives each file a lab of its own). Every test file gets a
// private TMPDIR, removed after it (test/support/tmp.ts).
const labs = labCount();

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
          setupFiles: ['test/support/tmp.ts', 'test/lab/worker-lab.ts'],
          fileParallelism: labs > 1,
          maxWorkers: labs,
          // after the unit files, in a group of its own: its worker count is the number of labs
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

// Vitest globalSetup for the e2e suite: boots the lab once per test run, tears it down at the end.
//
// Wire it (the lead does) in vitest.config.ts:  test: { globalSetup: ['test/lab/global-setup.ts'] }
// In an e2e test file:
//   import { labOrSkip } from '../lab/index.ts';
//   const lab = labOrSkip();                       // LabInfo, or undefined after saying why
//   describe.skipIf(!lab)('deploy', () => { ... lab!.inventoryPath, lab!.hosts ... });
//
// As root: `labUp(LAB_HOSTS ?? 3, { fresh: true })`, then LabInfo reaches the test workers in
// LAB_INFO (and .lab/lab.json). Not root: nothing is booted and LAB_SKIP says why, so e2e tests
// skip with that message. Knobs: LAB_HOSTS=<n>; LAB_KEEP=1 leaves the lab up afterwards;
// LAB_REUSE=1 keeps already-running hosts instead of starting fresh (faster, less clean);
// LAB_BRIDGE / LAB_SUBNET as for the CLI. Missing tools as root fail the run: that is a broken
// machine, not a reason to skip.
import { isRoot } from './preflight.ts';
import { labDown, labUp } from './lab.ts';
import { mustRunE2e } from './info.ts';

const log = (line: string) => console.log(`[lab] ${line}`);
let booted = false;

export async function setup(): Promise<void> {
  if (!isRoot()) {
    if (mustRunE2e()) throw new Error('CI: the e2e suite needs root (systemd-nspawn lab hosts); refusing to skip it');
    process.env.LAB_SKIP =
      'the lab needs root (systemd-nspawn hosts, a bridge, overlay mounts); run the e2e tests as root';
    console.warn(`[lab] e2e tests will be skipped: ${process.env.LAB_SKIP}`);
    return;
  }
  const n = Number(process.env.LAB_HOSTS ?? 3);
  booted = true;
  const info = await labUp(n, { log, fresh: process.env.LAB_REUSE !== '1' });
  process.env.LAB_INFO = JSON.stringify(info);
}

export async function teardown(): Promise<void> {
  if (!booted || process.env.LAB_KEEP === '1') return;
  await labDown({ log });
}

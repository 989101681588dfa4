// Vitest globalSetup for the e2e suite: boots the lab(s) once per test run, tears them down at the end.
//
// Wire it (the lead does) in vitest.config.ts:  test: { globalSetup: ['test/lab/global-setup.ts'] }
// In an e2e test file:
//   import { labOrSkip } from '../lab/index.ts';
//   const lab = labOrSkip();                       // LabInfo, or undefined after saying why
//   describe.skipIf(!lab)('deploy', () => { ... lab!.inventoryPath, lab!.hosts ... });
//
// As root: `labUp(LAB_HOSTS ?? 3, { fresh: true })` per lab, then LabInfo reaches the test workers
// in LAB_INFO (and .lab/lab.json). Not root: nothing is booted and LAB_SKIP says why, so e2e tests
// skip with that message. Knobs: LAB_HOSTS=<n>; LAB_KEEP=1 leaves the lab(s) up afterwards;
// LAB_REUSE=1 keeps already-running hosts instead of starting fresh (faster, less clean);
// LAB_BRIDGE / LAB_SUBNET as for the CLI. LAB_BRIDGE_2 / LAB_SUBNET_2 (and _3, …) add labs, one per
// vitest worker, so e2e files run in parallel (labs.ts; worker-lab.ts gives each file a free lab).
// Missing tools as root fail the run: that is a broken machine, not a reason to skip.
import { isRoot } from './preflight.ts';
import { labBuild, labDown, labUp } from './lab.ts';
import { mustRunE2e } from './info.ts';
import { labEnvs, labInfoVar } from './labs.ts';

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
  const envs = labEnvs();
  booted = true;
  await labBuild({ log: logFor(envs[0]!) }); // once, before the labs boot side by side from it
  const infos = await Promise.all(
    envs.map((env) => labUp(n, { env, log: logFor(env), fresh: process.env.LAB_REUSE !== '1' })),
  );
  infos.forEach((info, i) => (process.env[labInfoVar(i + 1)] = JSON.stringify(info)));
}

export async function teardown(): Promise<void> {
  if (!booted || process.env.LAB_KEEP === '1') return;
  await Promise.all(labEnvs().map((env) => labDown({ env, log: logFor(env) })));
}

function logFor(env: NodeJS.ProcessEnv) {
  return (line: string) => console.log(`[lab ${env.LAB_BRIDGE ?? 'ekp-lab0'}] ${line}`);
}

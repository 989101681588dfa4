// Vitest setupFile of the e2e project: gives this test file a lab of its own for its whole run.
// With several labs (labs.ts) the file claims a free one: an exclusive `claim` file in the lab's
// directory, holding this process's pid, removed after the file's last hook. (VITEST_POOL_ID is no
// use here: after the unit group, every e2e worker got pool id 1.) The claimed lab's LabInfo and
// LAB_BRIDGE / LAB_SUBNET / LAB_DIR become this process's, so labOrSkip(), stopHost() & co. and
// the CLI children all act on that lab alone.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { labClaimPath as claimFile, labCount, labEnvs, labInfoVar } from './labs.ts';
import { releaseClaim, tryClaim } from './claim.ts';

async function claimLab(): Promise<number> {
  const envs = labEnvs();
  // vitest runs at most one file per lab, and a file lets go before the next one starts
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(100)) {
    const k = envs.findIndex((env) => tryClaim(claimFile(env)));
    if (k >= 0) return k + 1;
  }
  throw new Error(`no free lab among ${envs.length} within 120 s (claim files ${envs.map(claimFile).join(', ')})`);
}

if (labCount() > 1 && !process.env.LAB_SKIP) {
  const k = await claimLab();
  const env = labEnvs()[k - 1]!;
  afterAll(() => releaseClaim(claimFile(env)));
  const info = process.env[labInfoVar(k)];
  Object.assign(process.env, { LAB_BRIDGE: env.LAB_BRIDGE ?? '', LAB_SUBNET: env.LAB_SUBNET ?? '' });
  if (env.LAB_DIR) process.env.LAB_DIR = env.LAB_DIR;
  // Without the global setup's copy, info.ts reads this lab's own lab.json (LAB_DIR), never lab 1's.
  if (info) process.env.LAB_INFO = info;
  else delete process.env.LAB_INFO;
}

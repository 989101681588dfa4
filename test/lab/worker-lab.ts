// Vitest setupFile of the e2e project: gives this test file a lab of its own for its whole run.
// With several labs (labs.ts) the file claims a free one (claim.ts: a unix socket the kernel
// releases with its process), let go after the file's last hook. (VITEST_POOL_ID is no
// use here: after the unit group, every e2e worker got pool id 1.) The claimed lab's LabInfo and
// LAB_BRIDGE / LAB_SUBNET / LAB_DIR become this process's, so labOrSkip(), stopHost() & co. and
// the CLI children all act on that lab alone.
import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { labClaimPath as claimFile, labCount, labEnvs, labInfoVar } from './labs.ts';
import { releaseClaim, tryClaim } from './claim.ts';

async function claimLab(): Promise<{ k: number; claim: Server }> {
  const envs = labEnvs();
  // vitest runs at most one file per lab, and a file lets go before the next one starts
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(100)) {
    for (const [i, env] of envs.entries()) {
      const claim = await tryClaim(claimFile(env));
      if (claim) return { k: i + 1, claim };
    }
  }
  throw new Error(`no free lab among ${envs.length} within 120 s (claims ${envs.map(claimFile).join(', ')})`);
}

if (labCount() > 1 && !process.env.LAB_SKIP) {
  const { k, claim } = await claimLab();
  const env = labEnvs()[k - 1]!;
  afterAll(() => releaseClaim(claim));
  const info = process.env[labInfoVar(k)];
  Object.assign(process.env, { LAB_BRIDGE: env.LAB_BRIDGE ?? '', LAB_SUBNET: env.LAB_SUBNET ?? '' });
  if (env.LAB_DIR) process.env.LAB_DIR = env.LAB_DIR;
  // Without the global setup's copy, info.ts reads this lab's own lab.json (LAB_DIR), never lab 1's.
  if (info) process.env.LAB_INFO = info;
  else delete process.env.LAB_INFO;
}

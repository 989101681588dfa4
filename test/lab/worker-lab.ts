// Vitest setupFile of the e2e project: points this worker at its own lab. VITEST_POOL_ID (1..number
// of workers) picks lab k; its LabInfo and its LAB_BRIDGE / LAB_SUBNET / LAB_DIR become this
// worker's, so labOrSkip(), stopHost() & co. and the CLI children all act on that lab alone.
import { labCount, labEnvs, labInfoVar } from './labs.ts';

const k = Number(process.env.VITEST_POOL_ID ?? '1');
if (k > 1 && !process.env.LAB_SKIP) {
  if (k > labCount()) throw new Error(`e2e worker ${k} has no lab: only ${labCount()} configured (LAB_BRIDGE_<k>)`);
  const env = labEnvs()[k - 1]!;
  const info = process.env[labInfoVar(k)];
  Object.assign(process.env, {
    LAB_BRIDGE: env.LAB_BRIDGE,
    LAB_SUBNET: env.LAB_SUBNET,
    LAB_DIR: env.LAB_DIR,
  });
  // Without the global setup's copy, info.ts reads this lab's own lab.json (LAB_DIR), never lab 1's.
  if (info) process.env.LAB_INFO = info;
  else delete process.env.LAB_INFO;
}

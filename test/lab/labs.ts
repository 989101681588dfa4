// Several labs for one e2e run: the README's lab (LAB_BRIDGE / LAB_SUBNET, files in .lab/,
// inventory hosts/lab.yaml) plus one more per LAB_BRIDGE_<k> / LAB_SUBNET_<k> (k = 2, 3, …), its
// files in .lab/lab<k>/. Vitest runs one e2e worker per lab; worker-lab.ts gives each file a free one.
import path from 'node:path';
import { labConfig } from './config.ts';
import { LabError } from './errors.ts';

/** How many labs the environment asks for (the e2e project's worker count). */
export function labCount(env: NodeJS.ProcessEnv = process.env): number {
  let k = 1;
  while (env[`LAB_BRIDGE_${k + 1}`]) k++;
  return k;
}

/** The environment each lab's functions (labUp, stopHost, …) run with: lab 1 is `env` itself. */
export function labEnvs(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv[] {
  const envs = [env];
  for (let k = 2; k <= labCount(env); k++) {
    const subnet = env[`LAB_SUBNET_${k}`];
    if (!subnet) throw new LabError(`LAB_BRIDGE_${k} is set but LAB_SUBNET_${k} is not`);
    envs.push({ ...env, LAB_BRIDGE: env[`LAB_BRIDGE_${k}`], LAB_SUBNET: subnet, LAB_DIR: `.lab/lab${k}` });
  }
  const bridges = envs.map((e) => e.LAB_BRIDGE ?? 'ekp-lab0');
  const subnets = envs.map((e) => e.LAB_SUBNET ?? '10.213.0');
  if (new Set(bridges).size < envs.length || new Set(subnets).size < envs.length)
    throw new LabError(`each lab needs its own bridge and subnet, got ${bridges.join(', ')} / ${subnets.join(', ')}`);
  return envs;
}

/** What names a lab's claim (worker-lab.ts, claim.ts): a path unique to the lab and the checkout. */
export function labClaimPath(env: NodeJS.ProcessEnv): string {
  return path.resolve(labConfig(env).labDir, 'claim');
}

/** Where the global setup leaves lab k's LabInfo for the workers: LAB_INFO, LAB_INFO_2, … */
export function labInfoVar(k: number): string {
  return k === 1 ? 'LAB_INFO' : `LAB_INFO_${k}`;
}

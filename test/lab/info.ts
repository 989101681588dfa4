// LabInfo: what a running lab offers to tests, and how test files get it (or skip with a reason).
// Channels, first match wins: LAB_SKIP / LAB_INFO in the environment (set by global-setup.ts before
// vitest starts its workers), then .lab/lab.json (written by every `up`, e.g. `pnpm run lab up 3`).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { labConfig, labPaths } from './config.ts';

export interface LabHost {
  name: string;
  address: string;
  /** systemd-nspawn pid on the control machine (changes after startHost). */
  pid: number;
}

export interface LabInfo {
  hosts: LabHost[];
  /** hosts/lab.yaml: the inventory for exactly these hosts. */
  inventoryPath: string;
  keyPath: string;
  knownHostsPath: string;
  bridgeAddress: string;
  /** Files placed here are served at mirrorUrl (e.g. v1.35.0/envoy-1.35.0-linux-x86_64). */
  mirrorDir: string;
  mirrorUrl: string;
  apiservers: { port: number; url: string }[];
  envoyVersion: string;
}

export function labInfoPath(): string {
  return labPaths(labConfig()).infoPath;
}

export function writeLabInfo(file: string, info: LabInfo): void {
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
}

export function removeLabInfo(file: string): void {
  rmSync(file, { force: true });
}

export function readLabInfo(file = labInfoPath()): LabInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabInfo;
  } catch {
    return undefined;
  }
}

export const NO_LAB =
  'no lab: e2e tests need root and a running lab (vitest globalSetup test/lab/global-setup.ts, or `pnpm run lab up 3` as root)';

/** Where the lab comes from, or why there is none. */
export function findLab(env: NodeJS.ProcessEnv = process.env): { lab: LabInfo } | { skip: string } {
  if (env.LAB_SKIP) return { skip: env.LAB_SKIP };
  if (env.LAB_INFO) return { lab: JSON.parse(env.LAB_INFO) as LabInfo };
  const lab = readLabInfo();
  return lab ? { lab } : { skip: NO_LAB };
}

let warned = false;

/** CI=true (set by .ci/run): e2e tests that would skip fail the run instead. */
export function mustRunE2e(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

/**
 * For e2e test files: the running lab, or undefined after printing (once) why the tests skip.
 *   const lab = labOrSkip();
 *   describe.skipIf(!lab)('deploy to the lab', () => { ... lab!.hosts ... });
 */
export function labOrSkip(): LabInfo | undefined {
  const found = findLab();
  if ('lab' in found) return found.lab;
  // In CI the e2e suite is the point of the run: a skip would pass it silently.
  if (mustRunE2e()) throw new Error(`CI: the e2e tests cannot run: ${found.skip}`);
  if (!warned) console.warn(`e2e tests skipped: ${found.skip}`);
  warned = true;
  return undefined;
}

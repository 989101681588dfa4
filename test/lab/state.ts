// .lab/state.json: the settings the running lab was brought up with. `down`, `status`, stopHost
// and startHost act on the recorded lab, whatever LAB_BRIDGE/LAB_SUBNET say now.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { labConfig, labPaths, type LabConfig } from './config.ts';

interface LabState {
  bridge: string;
  subnet: string;
  rootfs: string;
}

export function readState(env: NodeJS.ProcessEnv = process.env): LabState | undefined {
  try {
    return JSON.parse(readFileSync(labPaths(labConfig(env)).statePath, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function writeState(cfg: LabConfig, rootfs: string): void {
  const state: LabState = { bridge: cfg.bridge, subnet: cfg.subnet, rootfs };
  writeFileSync(labPaths(cfg).statePath, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeState(cfg: LabConfig): void {
  rmSync(labPaths(cfg).statePath, { force: true });
}

/** The recorded lab's config, or the environment's when no lab was ever brought up here. */
export function currentConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  const state = readState(env);
  return labConfig(state ? { ...env, LAB_BRIDGE: state.bridge, LAB_SUBNET: state.subnet } : env);
}

// The lab's public surface for e2e tests. Everything needs root except labOrSkip/findLab.
export {
  labBuild,
  labUp,
  labDown,
  labStatus,
  stopHost,
  killHost,
  startHost,
  stopApiserver,
  startApiserver,
  apiserverMode,
} from './lab.ts';
export type { LabOptions, HostStatus, ServiceStatus } from './lab.ts';
export { labOrSkip, findLab, readLabInfo } from './info.ts';
export type { LabInfo, LabHost } from './info.ts';
export { writeLabInventory, renderLabInventory } from './inventory.ts';
export type { LabInventoryOptions, InventoryExtra } from './inventory.ts';
export { sshArgs, sshRun } from './ssh.ts';
export { LabError } from './errors.ts';

// deploy, plan, install: converge the selected hosts (plan = check mode with diffs, nothing changes).
import { deployPlaybook, installPlaybook } from '../../roles/index.ts';
import { selectCheckedHosts, type CommonOptions } from './common.ts';
import { playRoles } from './play.ts';

export interface DeployOptions extends CommonOptions {
  diff?: boolean;
  allowDowngrade?: boolean;
  maxFail?: number;
}

export async function deployCommand(o: DeployOptions): Promise<number> {
  const { inv, hosts } = await selectCheckedHosts(o);
  const roles = await deployPlaybook(inv, o);
  return (await playRoles(inv, hosts, roles, { check: false, diff: !!o.diff, forks: o.forks, json: o.json, maxFailPercent: o.maxFail })).code;
}

export async function planCommand(o: DeployOptions): Promise<number> {
  const { inv, hosts } = await selectCheckedHosts(o);
  const roles = await deployPlaybook(inv, o);
  return (await playRoles(inv, hosts, roles, { check: true, diff: o.diff !== false, forks: o.forks, json: o.json })).code;
}

export async function installCommand(o: DeployOptions): Promise<number> {
  const { inv, hosts } = await selectCheckedHosts(o);
  const roles = await installPlaybook(inv, o);
  return (await playRoles(inv, hosts, roles, { check: false, diff: !!o.diff, forks: o.forks, json: o.json, maxFailPercent: o.maxFail })).code;
}

// uninstall and rollback: the two ways back.
import { envoyRollback, uninstall } from '../../roles/index.ts';
import { selectCheckedHosts, selectHosts, type CommonOptions } from './common.ts';
import { playRoles } from './play.ts';

export async function uninstallCommand(o: CommonOptions & { purge?: boolean; check?: boolean }): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  return (await playRoles(inv, hosts, [uninstall({ purge: !!o.purge })], { check: !!o.check, diff: false, forks: o.forks, json: o.json })).code;
}

export async function rollbackCommand(o: CommonOptions & { check?: boolean }): Promise<number> {
  // The release rolled back to restarts on the config on disk, which this inventory rendered.
  const { inv, hosts } = await selectCheckedHosts(o);
  return (await playRoles(inv, hosts, [envoyRollback], { check: !!o.check, diff: false, forks: o.forks, json: o.json })).code;
}

// vip-metric: the VIP state file for node_exporter (render/vip-metric.ts) present and current after a
// deploy. keepalived's notify writes it on each transition, but a reload (a changed configuration)
// runs no notify: where the file is missing or says something else (another address, another
// group), the notify script is run once with keepalived's current state. Without the textfile
// directory (no node_exporter on the host) it is skipped, and says so.
import { pathFact } from '../facts/file.ts';
import { sha256 } from '../facts/gather.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { KEEPALIVED_UNIT, VRRP_INSTANCE, vipNotifyPath } from '../render/keepalived.ts';
import { vipMetricPath, vipMetricText } from '../render/vip-metric.ts';
import { change, ok, skip, type Module } from '../runner/types.ts';
import { quote } from '../ssh/index.ts';

/** The notify script, with the state keepalived last logged for the instance (BACKUP before any). */
export function writeCurrentState(inv: Inventory): string {
  const instance = quote(`(${VRRP_INSTANCE})`);
  return [
    `s=$(journalctl -u ${quote(KEEPALIVED_UNIT)} -o cat --no-pager -n 300 2>/dev/null | grep -F ${instance} | grep -oE 'Entering [A-Z]+ STATE' | tail -n 1 | cut -d ' ' -f 2)`,
    `exec /bin/sh ${quote(vipNotifyPath(inv))} INSTANCE ${VRRP_INSTANCE} "\${s:-BACKUP}" 0`,
  ].join('\n');
}

export function vipMetric(inv: Inventory, host: HostSpec): Module {
  const path = vipMetricPath(inv);
  const dir = pathFact(inv.vip?.textfileDir ?? '/');
  const cur = pathFact(path ?? '/');
  return {
    facts: () => (path ? [dir, cur] : []),
    plan({ facts }) {
      if (!path || !inv.vip) return ok();
      if (facts.get(dir).type !== 'directory')
        return skip(
          `${inv.vip.textfileDir} does not exist (no prometheus-node-exporter?): the VIP state for Prometheus is not written; set vip.textfileDir to node_exporter's --collector.textfile.directory`,
        );
      const f = facts.get(cur);
      const known = [true, false].map((m) => sha256(vipMetricText(inv, host, m)));
      if (f.type === 'file' && known.includes(f.sha256)) return ok();
      return change([{ kind: 'exec', action: `write the VIP state to ${path}`, command: writeCurrentState(inv) }], {
        message: f.type === 'absent' ? 'created' : 'rewritten for this inventory',
      });
    },
  };
}

// Where a host's health listener answers (render/health-listener.ts serves it), as a peer or the
// host itself reaches it: keepalived's track script, the restart's last-ready check and its gate.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { HEALTH_PATH, healthListenerAddress } from './health-listener.ts';

/** A wildcard bind is reached on the host's own address (from peers and from the host alike). */
export function healthUrl(inv: Inventory, host: HostSpec): string {
  const bind = healthListenerAddress(inv, host);
  const address = /^(0\.0\.0\.0|[0:]+)$/.test(bind) ? host.address : bind;
  return `http://${address.includes(':') ? `[${address}]` : address}:${inv.healthListener.port}${HEALTH_PATH}`;
}

// Where a host's health listener answers (render/health-listener.ts serves it): keepalived's
// track script and doctor's VIP checks poll it.
import { isIP } from 'node:net';
import type { HostSpec, Inventory } from '../inventory/types.ts';

const DEFAULT_PORT = 9903;

export function healthUrl(inv: Inventory, host: HostSpec): string {
  void inv;
  const address = host.address;
  const h = isIP(address) === 6 ? `[${address}]` : address;
  return `http://${h}:${DEFAULT_PORT}/healthz`;
}

// Where a host's health listener answers (render/health-listener.ts serves it): keepalived's
// track script polls it; the inventory rules refuse a VIP with the health listener turned off.
import { isIP } from 'node:net';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { HEALTH_PATH, healthListenerAddress } from './health-listener.ts';

export function healthUrl(inv: Inventory, host: HostSpec): string {
  const bound = healthListenerAddress(inv, host);
  // a wildcard bind answers on loopback too; curl cannot dial 0.0.0.0 portably
  const address = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' ? '::1' : bound;
  const h = isIP(address) === 6 ? `[${address}]` : address;
  return `http://${h}:${inv.healthListener.port}${HEALTH_PATH}`;
}

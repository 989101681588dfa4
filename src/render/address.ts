// Socket addresses as Envoy wants them: IP literals only (no brackets), ports as uint32.

import { isIP } from 'node:net';
import type { Inventory } from '../inventory/types.ts';

/** `{socket_address: ...}` for a listener, admin or endpoint address. */
export function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}

export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}

/** `::` means "every address" to an operator; Envoy binds it v6-only unless ipv4_compat is set. */
export function isIpv6Any(address: string): boolean {
  return isIP(address) === 6 && /^[0:]+$/.test(address);
}

/** The loopback admin interface as a URL, fetched on the host itself (curl over SSH). */
export function adminUrl(inv: Inventory, path: string): string {
  const host = inv.admin.address.includes(':') ? `[${inv.admin.address}]` : inv.admin.address;
  return `http://${host}:${inv.admin.port}${path.startsWith('/') ? path : `/${path}`}`;
}

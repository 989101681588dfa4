// Network facts for the VIP: which interface carries an address (keepalived binds VRRP there), and
// which VIP-related addresses a host holds right now.
import type { FactSpec } from './types.ts';
import { quote } from '../ssh/index.ts';

/** `ip -o addr show to <address>`: the interface name, or null when no interface has it. */
export function interfaceFact(address: string): FactSpec<string | null> {
  return {
    key: `net:iface:${address}`,
    script: `ip -o addr show to ${quote(address)}`,
    inline: true,
    parse: parseIpAddrInterface,
  };
}

/** `2: host0    inet 10.0.0.11/24 brd …` → host0 (the `@if7` suffix of a veth is not part of its name). */
export function parseIpAddrInterface(out: string): string | null {
  const m = /^\d+:\s+([A-Za-z0-9_.-]{1,15})(?:@\S+)?\s+inet6?\s/m.exec(out);
  return m ? m[1]! : null;
}

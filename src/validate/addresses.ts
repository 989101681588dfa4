// Socket addresses as Envoy binds them: loopback test and "would these two binds collide".
import { isIP } from 'node:net';
import { isPlainObject } from './scalars.ts';

export interface Bind {
  address: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** Where it was declared, for problems. */
  file: string;
  path: string;
}

/** `{socket_address: {...}}` → Bind; undefined for pipes, internal addresses or malformed input. */
export function bindOf(addr: unknown, file: string, path: string): Bind | undefined {
  const sa = isPlainObject(addr) ? (addr.socket_address ?? addr.socketAddress) : undefined;
  if (!isPlainObject(sa)) return undefined;
  const address = sa.address;
  const port = Number(sa.port_value ?? sa.portValue ?? 0);
  if (typeof address !== 'string' || !Number.isInteger(port)) return undefined;
  return { address, port, protocol: sa.protocol === 'UDP' ? 'UDP' : 'TCP', file, path: `${path}.socket_address` };
}

export function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  if (isIP(ip) === 6) return ip === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(ip) || /^::ffff:127\./i.test(ip);
  return false;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * Same port and protocol, and the same address or a wildcard of the same family (Linux refuses a
 * second listening socket there). `::` does not take IPv4 ports: Envoy sets IPV6_V6ONLY unless
 * ipv4_compat, which we do not model.
 */
export function collide(a: Bind, b: Bind): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol || a.port === 0) return false;
  if (a.address === b.address) return true;
  const fa = isIP(a.address);
  if (fa === 0 || fa !== isIP(b.address)) return false;
  return WILDCARDS.has(a.address) || WILDCARDS.has(b.address);
}

export const showBind = (b: Bind): string =>
  `${b.address.includes(':') ? `[${b.address}]` : b.address}:${b.port}${b.protocol === 'UDP' ? '/udp' : ''}`;

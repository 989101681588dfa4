// Value formats of the inventory: durations, addresses, host:port, names and paths. Pure
// functions shared by the schema (to reject a value) and the resolver (to convert it).
import { isIP } from 'node:net';

/** Cluster names end up in file names (eds_<name>.yaml) and Envoy stat names. */
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,60}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** POSIX-portable user and group names; they reach remote commands (chown, sudo -u). */
export const UNIX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Envoy release versions are plain X.Y.Z: they are spliced into the download URL (v<version>). */
export const SEMVER = /^(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})$/;
export const SHA256 = /^[0-9a-f]{64}$/;
export const DURATION = /^(?=\d)(?:\d+h)?(?:\d+m(?!s))?(?:\d+s)?(?:\d+ms)?$/;
export const PERCENT = /^(100|[1-9]\d?)%$/;
/** Characters allowed in file paths: no spaces, quotes or shell metacharacters ;$()`&|<>*?. */
export const SAFE_PATH = /^[A-Za-z0-9_./+=,@:~-]+$/;
export const HTTP_URL = /^https?:\/\/[A-Za-z0-9_./+=,@:~%[\]-]+$/;
export const HEALTH_PATH = /^\/[A-Za-z0-9_./~%=-]*(\?[A-Za-z0-9_./~%=&-]*)?$/;

/** `10.0.0.100/24`: an address and a prefix length; isCidr checks the length against the family. */
export const CIDR = /^[0-9A-Fa-f:.]+\/\d{1,3}$/;
/** Linux interface names: at most 15 characters, no "/" or whitespace (IFNAMSIZ). */
export const IFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `1m30s` -> 90000; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(n) * UNIT_MS[unit!]!;
  return Number.isSafeInteger(total) ? total : undefined;
}

/** A DNS name: dot-separated labels of letters, digits and inner hyphens; not all-numeric. */
export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label is a mistyped IPv4 address, not a name (no TLD is numeric).
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/** An IP address or a DNS name: what may be dialed. */
export function isHostAddress(text: string): boolean {
  return isIpAddress(text) || isDnsName(text);
}

export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return isIP(address) === 6 && canonicalIp(address) === '::1';
}

/** Canonical form of an IP so that `::0:1` and `::1` compare equal; names are lowercased. */
export function canonicalIp(text: string): string {
  if (isIP(text) !== 6) return text.toLowerCase().replace(/\.$/, '');
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

export function ipFamily(address: string): 4 | 6 | undefined {
  const f = isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || canonicalIp(address) === '::';
}

/** `10.0.0.1:6443`, `[fd00::1]:6443`, `api.example:6443` -> host and port. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1], port } : undefined;
  const host = m[2]!;
  return isIP(host) === 4 || isDnsName(host) ? { host, port } : undefined;
}

/** `[user@]host[:port]` for ssh -J. */
export function isProxyJump(text: string): boolean {
  const m = /^(?:([a-z_][a-z0-9_.-]{0,31})@)?(.+)$/.exec(text);
  if (!m) return false;
  const rest = m[2]!;
  if (isHostAddress(rest)) return true;
  return parseHostPort(rest) !== undefined;
}

/** `~` or `~/x` -> home-relative; other values unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home.replace(/\/$/, '')}/${path.slice(2)}`;
  return path;
}

/** Control-machine paths: `~` only as a whole first segment (`~user` is not expanded). */
export function isLocalPath(path: string): boolean {
  return (
    SAFE_PATH.test(path) &&
    (!path.includes('~') || path === '~' || (path.startsWith('~/') && !path.slice(1).includes('~')))
  );
}

/** Remote paths: absolute, no `..` segment (they are created and chowned as root). */
export function isSafeAbsolutePath(path: string): boolean {
  return SAFE_PATH.test(path) && path.startsWith('/') && !path.split('/').includes('..') && !path.includes('~');
}

/** An IP address and a prefix length valid for its family (/1-/32 or /1-/128). */
export function isCidr(text: string): boolean {
  const c = parseCidr(text);
  return c !== undefined;
}

export function parseCidr(text: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  if (!CIDR.test(text)) return undefined;
  const [address, bits] = text.split('/') as [string, string];
  const family = ipFamily(address);
  const prefix = Number(bits);
  if (!family || prefix < 1 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

/** An IP address as a bigint (IPv4 in 32 bits, IPv6 in 128), for prefix arithmetic. */
export function ipToBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const hex = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail = ''] = hex.split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = hex.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

/** Whether `address` lies in the subnet `base`/`prefix` (same family required). */
export function inSubnet(address: string, base: string, prefix: number): boolean {
  const family = ipFamily(base);
  if (!family || ipFamily(address) !== family) return false;
  const bits = BigInt(family === 4 ? 32 : 128);
  const shift = bits - BigInt(prefix);
  return ipToBigInt(address) >> shift === ipToBigInt(base) >> shift;
}

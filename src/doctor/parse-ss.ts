// `ss -Hltnp`: which process owns which listening TCP socket.

export interface ListenSocket {
  address: string; // without brackets or %interface: 0.0.0.0, 127.0.0.1, ::, *
  port: number;
  processes: { name: string; pid: number }[];
}

/** One line per listening socket: `LISTEN 0 1024 0.0.0.0:6443 0.0.0.0:* users:(("envoy",pid=230,fd=7))`. */
export function parseSs(out: string): ListenSocket[] {
  const sockets: ListenSocket[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // with -H there is no header; without it, skip the header line
    if (cols.length < 5 || cols[0] === 'State' || cols[0] === 'Netid') continue;
    const local = splitHostPort(cols[3]!);
    if (!local) continue;
    const processes = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)].map((m) => ({
      name: m[1]!,
      pid: Number(m[2]),
    }));
    sockets.push({ ...local, processes });
  }
  return sockets;
}

export function splitHostPort(s: string): { address: string; port: number } | undefined {
  const i = s.lastIndexOf(':');
  if (i <= 0) return undefined;
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port)) return undefined;
  const address = s
    .slice(0, i)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  return { address, port };
}

const ANY = new Set(['0.0.0.0', '*', '::', '[::]']);

export function isWildcard(address: string): boolean {
  return ANY.has(address);
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

/** Sockets that accept connections for address:port: the exact address or a wildcard bind. */
export function socketsFor(sockets: ListenSocket[], address: string, port: number): ListenSocket[] {
  return sockets.filter(
    (s) => s.port === port && (s.address === address || isWildcard(s.address) || isWildcard(address)),
  );
}

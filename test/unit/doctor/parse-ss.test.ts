import { describe, expect, it } from 'vitest';
import { isLoopback, parseSs, socketsFor, splitHostPort } from '../../../src/doctor/parse-ss.ts';

// Captured from a lab host (iproute2 6.1, `ss -Hltnp`), plus IPv6 and interface-scoped forms.
const SS = `LISTEN 0      1024         0.0.0.0:6443       0.0.0.0:*    users:(("envoy",pid=230,fd=7))
LISTEN 0      1024         0.0.0.0:6444       0.0.0.0:*    users:(("envoy",pid=230,fd=8),("envoy",pid=231,fd=8))
LISTEN 0      100        127.0.0.1:10000      0.0.0.0:*    users:(("envoy",pid=230,fd=6))
LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=36,fd=3))
LISTEN 0      128             [::]:22            [::]:*    users:(("sshd",pid=36,fd=4))
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*
`;

describe('parseSs', () => {
  const sockets = parseSs(SS);

  it('reads address, port and every owning process', () => {
    expect(sockets).toHaveLength(6);
    expect(sockets[0]).toEqual({ address: '0.0.0.0', port: 6443, processes: [{ name: 'envoy', pid: 230 }] });
    expect(sockets[1]!.processes.map((p) => p.pid)).toEqual([230, 231]);
    expect(sockets[4]).toMatchObject({ address: '::', port: 22 });
    expect(sockets[5]).toEqual({ address: '127.0.0.53', port: 53, processes: [] });
  });

  it('skips the header line ss prints without -H', () => {
    expect(parseSs(`State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n${SS}`)).toHaveLength(6);
  });

  it('matches a listener address against exact and wildcard binds', () => {
    expect(socketsFor(sockets, '10.0.0.5', 6443)).toHaveLength(1);
    expect(socketsFor(sockets, '0.0.0.0', 10000)).toHaveLength(1);
    expect(socketsFor(sockets, '10.0.0.5', 7000)).toHaveLength(0);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '::1', '127.0.0.53'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1'].some(isLoopback)).toBe(false);
    expect(splitHostPort('[fe80::1%eth0]:80')).toEqual({ address: 'fe80::1', port: 80 });
    expect(splitHostPort('garbage')).toBeUndefined();
  });
});

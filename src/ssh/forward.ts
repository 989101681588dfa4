// Local port forward: a listener on 127.0.0.1 whose connections are tunnelled (direct-tcpip) to
// remoteHost:remotePort as the SSH host sees it. Tunnels are not sessions: MaxSessions does not count them.

import { createServer, type Socket } from 'node:net';
import type { Client } from 'ssh2';

export interface Forward {
  localPort: number;
  close(): Promise<void>;
}

export async function openForward(
  client: Client,
  remoteHost: string,
  remotePort: number,
  localPort = 0,
  onBytes?: (sent: number, received: number) => void,
): Promise<Forward> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.pause();
    client.forwardOut('127.0.0.1', sock.remotePort ?? 0, remoteHost, remotePort, (err, channel) => {
      if (err) return void sock.destroy();
      channel.on('error', () => sock.destroy());
      channel.on('close', () => sock.destroy());
      sock.on('close', () => channel.close());
      if (onBytes) {
        sock.on('data', (d: Buffer) => onBytes(d.length, 0));
        channel.on('data', (d: Buffer) => onBytes(0, d.length));
      }
      sock.pipe(channel).pipe(sock);
      sock.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(localPort, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('forward listener has no TCP address');
  let closing: Promise<void> | undefined;
  return {
    localPort: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

// A port already served by a process of another checkout must stop `lab up`, not pass as ours.
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labConfig } from './config.ts';
import { startService } from './services.ts';

describe('startService', () => {
  it('refuses a port another process listens on, naming that process', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const cfg = { ...labConfig({}), labDir: mkdtempSync(path.join(tmpdir(), 'ekp-services-')) };
    const spec = { id: 'mirror', script: '/nonexistent/server-mirror.ts', args: [], address: '127.0.0.1', port };
    try {
      await expect(startService(cfg, spec)).rejects.toThrow(
        new RegExp(`mirror: 127.0.0.1:${port} is already taken by pid ${process.pid}: .*node`),
      );
    } finally {
      server.close();
    }
  });
});

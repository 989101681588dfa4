// ~/.ssh/config against a real sshd on loopback: an alias resolved through HostName, Port, User
// and IdentityFile, a ProxyJump chain of two hops (both through the same sshd), the inventory
// winning where it says something, and -v naming what was offered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { configureTrace, connect } from '../../../src/ssh/index.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';

const why = sshdUnavailable();

describe.skipIf(why !== undefined)('~/.ssh/config honoured against a real sshd', () => {
  let sshd: TestSshd;
  let config: string;
  const env = { HOME: '/nonexistent-home' }; // no agent, no default keys: only what the config names

  beforeAll(async () => {
    sshd = await startSshd();
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    config = join(sshd.dir, 'ssh_config');
    writeFileSync(
      config,
      `Host lb-alias
  HostName 127.0.0.1
  Port ${sshd.port}
  User root
  IdentityFile ${join(sshd.dir, 'id_user')}

Host lb-jumped
  HostName 127.0.0.1
  Port ${sshd.port}
  ProxyJump hop1,hop2

Host hop1 hop2
  HostName 127.0.0.1
  Port ${sshd.port}

Host *
  IdentityFile ${join(sshd.dir, 'id_user')}
`,
    );
  });
  afterAll(async () => sshd?.stop());

  /** An inventory host at `address` whose ssh: wrote only `given` (the rest may come from the config). */
  function host(address: string, over: Partial<HostSpec['ssh']> = {}, given: HostSpec['ssh']['given'] = []) {
    const h = sshd.host(over);
    const { identityFile: _, ...ssh } = h.ssh;
    return { ...h, address, ssh: { ...ssh, ...over, port: over.port ?? 22, given } };
  }

  it('an alias: HostName, Port, User and IdentityFile from the config', async () => {
    const t = await connect(host('lb-alias'), { env, sshConfig: config });
    try {
      expect((await t.exec(['echo', 'via', 'alias'])).stdout).toBe('via alias\n');
    } finally {
      await t.close();
    }
  });

  it('a ProxyJump chain of two hops, traced by -v', async () => {
    let traced = '';
    const previous = configureTrace({ level: 1, write: (l) => (traced += l) });
    try {
      const t = await connect(host('lb-jumped'), { env, sshConfig: config });
      try {
        expect((await t.exec(['echo', 'jumped'])).stdout).toBe('jumped\n');
      } finally {
        await t.close();
      }
    } finally {
      configureTrace(previous);
    }
    const connecting = traced.split('\n').filter((l) => l.includes('connecting to'));
    expect(connecting).toHaveLength(3); // hop1, hop2 through hop1, the host through hop2
    expect(connecting[0]).toContain(`root@[127.0.0.1]:${sshd.port}, offering ${join(sshd.dir, 'id_user')}`);
    expect(connecting[2]).toContain('(through the proxyJump)');
  });

  it('the inventory wins: a port it gives is used even where the config says another', async () => {
    const err = await connect(host('lb-alias', { port: 1 }, ['port']), { env, sshConfig: config }).catch(
      (e: unknown) => e as Error,
    );
    expect(String(err)).toContain('cannot connect to 127.0.0.1:1');
  });
});

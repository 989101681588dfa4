// FIDO keys in ssh-agent against a real sshd: ssh2 never offers them, so a login with only such a
// key in the agent fails; the error (and -v) names the key instead of a bare "authentication failed".
// With a plain key beside it the login works.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { configureTrace, connect } from '../../../src/ssh/index.ts';
import { skKeyFile, startAgent, type TestAgent } from '../../support/ssh-agent.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';

const why = sshdUnavailable() ?? (existsSync('/usr/bin/ssh-agent') ? undefined : 'no ssh-agent');

describe.skipIf(why !== undefined)('ssh-agent with a FIDO key, against a real sshd', () => {
  let sshd: TestSshd;
  let agent: TestAgent;
  let host: HostSpec;

  beforeAll(async () => {
    sshd = await startSshd();
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    agent = await startAgent(sshd.dir);
    skKeyFile(join(sshd.dir, 'id_sk'));
    agent.add(join(sshd.dir, 'id_sk'));
    const { identityFile: _, ...ssh } = sshd.host().ssh; // no key file: the agent only
    host = { ...sshd.host(), ssh };
  });
  afterAll(async () => {
    agent?.stop();
    await sshd?.stop();
  });
  const env = () => ({ HOME: '/nonexistent-home', SSH_AUTH_SOCK: agent.socket });

  it('only a FIDO key in the agent: the refused login names it', async () => {
    const err = await connect(host, { env: env() }).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(
      /authentication failed for user root .*; ssh-agent also holds keys this tool cannot offer .*: sk-ssh-ed25519@openssh\.com SHA256:\S+ fido-key; see docs\/troubleshooting\.md/,
    );
  });

  it('with a plain key beside it, the login works and -v names the skipped key', async () => {
    agent.add(sshd.userKey);
    let traced = '';
    const previous = configureTrace({ level: 1, write: (l) => (traced += l) });
    try {
      const t = await connect(host, { env: env() });
      try {
        expect((await t.exec(['echo', 'agent'])).stdout).toBe('agent\n');
      } finally {
        await t.close();
      }
    } finally {
      configureTrace(previous);
    }
    expect(traced).toMatch(/lb1: ssh-agent keys the SSH library cannot offer: sk-ssh-ed25519@openssh\.com SHA256:/);
  });
});

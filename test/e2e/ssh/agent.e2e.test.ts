// Login keys from ssh-agent against a real sshd: FIDO (`-sk`) keys, signed by a software
// authenticator behind the agent protocol and verified by sshd itself, user-presence check
// included; and the keys the SSH library still cannot offer (certificates), which a refused login
// names instead of a bare "authentication failed".
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { configureTrace, connect } from '../../../src/ssh/index.ts';
import { startFidoAgent, type FidoAgent } from '../../support/fido-agent.ts';
import { startAgent, type TestAgent } from '../../support/ssh-agent.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';

const why = sshdUnavailable() ?? (existsSync('/usr/bin/ssh-agent') ? undefined : 'no ssh-agent');

/** `host` with no key file: the agent only. */
function agentOnly(sshd: TestSshd): HostSpec {
  const { identityFile: _, ...ssh } = sshd.host().ssh;
  return { ...sshd.host(), ssh };
}

/** Connect, run `echo`, close; what -v traced on the way. */
async function login(host: HostSpec, socket: string): Promise<string> {
  let traced = '';
  const previous = configureTrace({ level: 1, write: (l) => (traced += l) });
  try {
    const t = await connect(host, { env: { HOME: '/nonexistent-home', SSH_AUTH_SOCK: socket } });
    try {
      expect((await t.exec(['echo', 'agent'])).stdout).toBe('agent\n');
    } finally {
      await t.close();
    }
  } finally {
    configureTrace(previous);
  }
  return traced;
}

describe.skipIf(why !== undefined)('FIDO keys through ssh-agent, against a real sshd', () => {
  let sshd: TestSshd;
  let agent: FidoAgent;
  let host: HostSpec;
  const authorize = (...lines: string[]) =>
    writeFileSync(join(sshd.dir, 'authorized_keys'), `${lines.join('\n')}\n`, { mode: 0o600 });

  beforeAll(async () => {
    sshd = await startSshd();
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    agent = await startFidoAgent(sshd.dir, ['sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ssh-ed25519@openssh.com']);
    host = agentOnly(sshd);
  });
  afterAll(async () => {
    await agent?.stop();
    await sshd?.stop();
  });
  beforeEach(() => {
    agent.touch = true;
    agent.refuse = false;
    agent.signed.length = 0;
  });

  it('an sk-ssh-ed25519 key logs in, after the agent’s first key is refused; -v asks for the touch', async () => {
    const [ecdsa, ed25519] = agent.keys;
    authorize(ed25519!.authorizedKey());
    const traced = await login(host, agent.socket);
    expect(agent.signed).toEqual([{ type: 'sk-ssh-ed25519@openssh.com', counter: expect.any(Number), flags: 1 }]);
    expect(sshd.log()).toMatch(/Accepted publickey for root from 127\.0\.0\.1 port \d+ ssh2: ED25519-SK SHA256:/);
    expect(traced).toMatch(/lb1: ssh-agent holds FIDO keys: the login may wait 60 s for a touch/);
    expect(traced).toMatch(/lb1: confirm user presence for key sk-ssh-ed25519@openssh\.com SHA256:\S+ \(touch/);
    expect(traced).not.toContain(`confirm user presence for key ${ecdsa!.type}`); // refused before any signature
  });

  it('an sk-ecdsa-sha2-nistp256 key logs in', async () => {
    authorize(agent.keys[0]!.authorizedKey());
    await login(host, agent.socket);
    expect(agent.signed.map((s) => s.type)).toEqual(['sk-ecdsa-sha2-nistp256@openssh.com']);
    expect(sshd.log()).toMatch(/Accepted publickey for root from 127\.0\.0\.1 port \d+ ssh2: ECDSA-SK SHA256:/);
  });

  it('a signature without user presence is refused by sshd, unless the key is no-touch-required', async () => {
    agent.touch = false;
    authorize(agent.keys[1]!.authorizedKey());
    const err = await login(host, agent.socket).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/authentication failed for user root/);
    expect(sshd.log()).toMatch(/user presence \(authenticator touch\) requirement not met/);
    expect(agent.signed.map((s) => s.flags)).toEqual([0]);

    authorize(agent.keys[1]!.authorizedKey('no-touch-required'));
    await login(host, agent.socket);
    expect(agent.signed.map((s) => s.flags)).toEqual([0, 0]);
  });

  it('an agent that cannot sign (no device, no touch in time) fails the login and says so', async () => {
    agent.refuse = true;
    authorize(agent.keys[1]!.authorizedKey());
    const err = await login(host, agent.socket).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/ssh-agent refused to sign \(was the security key touched\?\)/);
  });
});

describe.skipIf(why !== undefined)('ssh-agent with a certificate, against a real sshd', () => {
  let sshd: TestSshd;
  let agent: TestAgent;

  beforeAll(async () => {
    sshd = await startSshd();
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    agent = await startAgent(sshd.dir);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'user-ca', '-f', join(sshd.dir, 'user_ca')]);
    // the stranger's key with a certificate beside it: ssh-add loads both
    execFileSync('ssh-keygen', [
      '-q',
      '-s',
      join(sshd.dir, 'user_ca'),
      '-I',
      'cert-id',
      '-n',
      'root',
      `${sshd.strangerKey}.pub`,
    ]);
    execFileSync('ssh-add', [sshd.strangerKey], {
      env: { ...process.env, SSH_AUTH_SOCK: agent.socket },
      stdio: 'ignore',
    });
  });
  afterAll(async () => {
    agent?.stop();
    await sshd?.stop();
  });

  it('a refused login names the certificate the tool could not offer', async () => {
    const err = await login(agentOnly(sshd), agent.socket).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(
      /authentication failed for user root .*; ssh-agent also holds keys this tool cannot offer \(its SSH library cannot use certificates\): ssh-ed25519-cert-v01@openssh\.com SHA256:\S+ \S*id_stranger; see docs\/troubleshooting\.md/,
    );
  });

  it('with a plain key beside it, the login works and -v names the skipped certificate', async () => {
    agent.add(sshd.userKey);
    const traced = await login(agentOnly(sshd), agent.socket);
    expect(traced).toMatch(
      /lb1: ssh-agent keys the SSH library cannot offer: ssh-ed25519-cert-v01@openssh\.com SHA256:/,
    );
  });
});

// What ssh-agent holds, asked over its socket: a real OpenSSH ssh-agent with a plain ed25519 key, an
// ED25519-SK (FIDO) key and a user certificate. ssh2 drops the last two without a word: the tool
// offers the FIDO key itself (fido-agent.ts) and names the certificate.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHint, agentKeys, parseIdentities, unusableAgentKeys } from '../../../src/ssh/agent-keys.ts';
import { skKeyFile, startAgent, type TestAgent } from '../../support/ssh-agent.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-agent-'));
let agent: TestAgent;
let socket: string;

describe.skipIf(!existsSync('/usr/bin/ssh-agent'))('ssh-agent keys', () => {
  beforeAll(async () => {
    agent = await startAgent(dir);
    socket = agent.socket;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'plain-key', '-f', join(dir, 'id_plain')]);
    skKeyFile(join(dir, 'id_sk'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'user-ca', '-f', join(dir, 'ca')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'certified', '-f', join(dir, 'id_cert')]);
    execFileSync('ssh-keygen', ['-q', '-s', join(dir, 'ca'), '-I', 'ops', '-n', 'root', join(dir, 'id_cert.pub')]);
    agent.add(join(dir, 'id_plain'));
    agent.add(join(dir, 'id_sk'));
    agent.add(join(dir, 'id_cert')); // the key and its certificate
  });
  afterAll(() => agent?.stop());

  it('lists every key with its type, fingerprint (as ssh-add -l) and comment', async () => {
    const keys = await agentKeys(socket);
    const listed = execFileSync('ssh-add', ['-l'], {
      env: { ...process.env, SSH_AUTH_SOCK: socket },
      encoding: 'utf8',
    });
    expect(keys.map((k) => [k.type, k.comment])).toEqual([
      ['ssh-ed25519', 'plain-key'],
      ['sk-ssh-ed25519@openssh.com', 'fido-key'],
      ['ssh-ed25519', 'certified'],
      ['ssh-ed25519-cert-v01@openssh.com', 'certified'],
    ]);
    // (ssh-add -l shows a certificate by its key's fingerprint; the tool, by the certificate's)
    for (const k of keys.filter((k) => !k.type.includes('-cert-'))) expect(listed).toContain(k.fingerprint);
  });

  it('names the keys the tool never offers (certificates, not FIDO keys), for -v and a refused login', async () => {
    const keys = await agentKeys(socket);
    const fp = keys[3]!.fingerprint;
    expect(unusableAgentKeys(keys)).toEqual([`ssh-ed25519-cert-v01@openssh.com ${fp} certified`]);
    expect(await agentHint(socket)).toBe(
      `; ssh-agent also holds keys this tool cannot offer (its SSH library cannot use certificates): ` +
        `ssh-ed25519-cert-v01@openssh.com ${fp} certified; see docs/troubleshooting.md`,
    );
  });

  it('no agent to ask is no keys, and no hint', async () => {
    expect(await agentKeys(join(dir, 'absent.sock'))).toEqual([]);
    expect(await agentHint(undefined)).toBe('');
  });

  it('an answer of another kind is refused', () => {
    expect(() => parseIdentities(Buffer.from([5, 0, 0, 0, 0]))).toThrow('message type 5');
  });
});

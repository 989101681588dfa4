import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SshSpec } from '../../../src/inventory/types.ts';
import { authMethods, isEncryptedKey } from '../../../src/ssh/auth.ts';

const dir = mkdtempSync(join(tmpdir(), 'auth-'));
function key(name: string, passphrase = '', type = 'ed25519', extra: string[] = []): string {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', '', '-f', file, ...extra], { stdio: 'ignore' });
  return file;
}
const plain = key('plain');
const secret = key('secret', 'correct horse');
const pemSecret = key('pem', 'secret-pw', 'rsa', ['-m', 'PEM', '-b', '2048']);

const spec = (over: Partial<SshSpec> = {}): SshSpec => ({
  user: 'deploy',
  port: 22,
  knownHosts: '/dev/null',
  hostKeyChecking: 'strict',
  become: false,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 60_000,
  ...over,
});

describe('isEncryptedKey', () => {
  it('tells encrypted keys (OpenSSH and PEM) from plain ones', () => {
    expect(isEncryptedKey(readFileSync(plain, 'utf8'))).toBe(false);
    expect(isEncryptedKey(readFileSync(secret, 'utf8'))).toBe(true);
    expect(isEncryptedKey(readFileSync(pemSecret, 'utf8'))).toBe(true);
  });
});

describe('authMethods', () => {
  it('uses only the identity file when set, with the passphrase from the environment', async () => {
    const m = await authMethods('lb1', spec({ identityFile: secret }), {
      SSH_AUTH_SOCK: '/agent',
      SSH_KEY_PASSPHRASE: 'correct horse',
    });
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ type: 'publickey', username: 'deploy', passphrase: 'correct horse' });
  });

  it('says an encrypted identity file needs SSH_KEY_PASSPHRASE, without leaking anything', async () => {
    await expect(authMethods('lb1', spec({ identityFile: secret }), {})).rejects.toThrow(
      `lb1: identity file ${secret} is encrypted: set SSH_KEY_PASSPHRASE or load it into ssh-agent`,
    );
  });

  it('names a missing identity file', async () => {
    await expect(authMethods('lb1', spec({ identityFile: join(dir, 'nope') }), {})).rejects.toThrow(
      /lb1: cannot read identity file .*nope: ENOENT/,
    );
  });

  it('falls back to the agent, then default keys; skips encrypted defaults without a passphrase', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    execFileSync('cp', [plain, join(home, '.ssh', 'id_ed25519')]);
    execFileSync('cp', [secret, join(home, '.ssh', 'id_rsa')]);
    const m = await authMethods('lb1', spec(), { HOME: home, SSH_AUTH_SOCK: '/run/agent.sock' });
    expect(m.map((x) => x.type)).toEqual(['agent', 'publickey']);
    // the agent is read through FidoAwareAgent, which also offers its FIDO keys
    expect(m[0]).toMatchObject({ agent: { socket: '/run/agent.sock' }, username: 'deploy' });
  });

  it('explains when there are no credentials at all', async () => {
    await expect(authMethods('lb1', spec(), { HOME: join(dir, 'empty-home') })).rejects.toThrow(
      /lb1: no SSH credentials: set ssh\.identityFile, start ssh-agent/,
    );
  });
});

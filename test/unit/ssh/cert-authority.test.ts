// @cert-authority host keys: the SSH library (ssh2 1.17) negotiates plain host keys only, so a host
// known_hosts trusts only through a CA is refused with a message naming the CA line and how to pin
// the plain key; never trust-on-first-use instead, even under accept-new.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyHostKey, type HostKeyTarget } from '../../../src/ssh/host-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-ca-'));
function keygen(name: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, name)], { stdio: 'ignore' });
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
}
const ca = keygen('ca');
const host = keygen('host');
// a real host certificate for the key, as a fleet with a CA has: it changes nothing for ssh2
execFileSync('ssh-keygen', [
  '-q',
  '-s',
  join(dir, 'ca'),
  '-h',
  '-I',
  'lb1',
  '-n',
  'lb1.example.com',
  join(dir, 'host.pub'),
]);
const blob = Buffer.from(host.split(' ')[1]!, 'base64');
const fp = execFileSync('ssh-keygen', ['-lf', join(dir, 'host.pub')], { encoding: 'utf8' }).split(' ')[1]!;

const user = join(dir, 'known_hosts');
const global = join(dir, 'ssh_known_hosts');
const target = (hostKeyChecking: HostKeyTarget['hostKeyChecking'], port = 22): HostKeyTarget => ({
  name: 'lb1',
  address: 'lb1.example.com',
  port,
  knownHosts: user,
  hostKeyChecking,
  globalKnownHosts: global,
});

describe('@cert-authority', () => {
  it('a host trusted only through a CA is refused, naming the CA line and how to pin its key', async () => {
    // as in OpenSSH, a host on another port is looked up as [host]:port: the CA line must name that form
    writeFileSync(user, `# fleet CA\n@cert-authority *.example.com,[*.example.com]:* ${ca}\n`);
    writeFileSync(global, '');
    const err = (await verifyHostKey(target('strict', 2222), blob).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `lb1: [lb1.example.com]:2222 is trusted through @cert-authority only (${user} line 2), and this tool cannot ` +
        `check host certificates (its SSH library verifies plain host keys only): refusing to connect (it offered ` +
        `ssh-ed25519 ${fp}). Pin the host's own key beside the CA line, read over a connection OpenSSH verifies with ` +
        `the certificate: echo "[lb1.example.com]:2222 $(ssh -p 2222 lb1.example.com cat ` +
        `/etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f1,2)" >> ${user}`,
    );
  });

  it('accept-new does not record a key for such a host: the CA, not first use, is its policy', async () => {
    writeFileSync(user, '');
    writeFileSync(global, `@cert-authority *.example.com ${ca}\n`);
    await expect(verifyHostKey(target('accept-new'), blob)).rejects.toThrow(
      `lb1.example.com is trusted through @cert-authority only (${global} line 1)`,
    );
    expect(readFileSync(user, 'utf8')).toBe('');
  });

  it('with the plain key pinned beside the CA line, the host is trusted', async () => {
    writeFileSync(user, `@cert-authority *.example.com ${ca}\nlb1.example.com ${host}\n`);
    writeFileSync(global, '');
    await expect(verifyHostKey(target('strict'), blob)).resolves.toBeUndefined();
  });

  it('a CA for other hosts changes nothing: accept-new records the key as before', async () => {
    writeFileSync(user, `@cert-authority *.other.example ${ca}\n`);
    writeFileSync(global, '');
    await expect(verifyHostKey(target('accept-new'), blob)).resolves.toBeUndefined();
    expect(readFileSync(user, 'utf8')).toContain(`lb1.example.com ${host}`);
  });
});

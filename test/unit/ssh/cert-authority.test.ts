// @cert-authority host keys: the SSH library (ssh2 1.17) negotiates plain host keys only, so a host
// known_hosts trusts only through a CA is accepted only with the key its checked certificate
// certifies (connect.ts fetches it with ssh-keyscan -c); otherwise it is refused with a message
// naming the CA line, why, and how to pin the plain key; never trust-on-first-use, even under accept-new.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertScan } from '../../../src/ssh/cert-scan.ts';
import { keygen, signHostKey } from '../../support/ssh-certs.ts';
import { hostKeyOffer, verifyHostKey, type HostKeyTarget } from '../../../src/ssh/host-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-ca-'));
const ca = keygen(join(dir, 'ca'));
const host = keygen(join(dir, 'host'));
// a real host certificate for the key, as a fleet with a CA has: it changes nothing for ssh2
signHostKey(join(dir, 'ca'), join(dir, 'host.pub'), { id: 'lb1', principals: 'lb1.example.com' });
const blob = Buffer.from(host.split(' ')[1]!, 'base64');
const fp = execFileSync('ssh-keygen', ['-lf', join(dir, 'host.pub')], { encoding: 'utf8' }).split(' ')[1]!;

const user = join(dir, 'known_hosts');
const global = join(dir, 'ssh_known_hosts');
const target = (hostKeyChecking: HostKeyTarget['hostKeyChecking'], port = 22, certified?: CertScan): HostKeyTarget => ({
  name: 'lb1',
  address: 'lb1.example.com',
  port,
  knownHosts: user,
  hostKeyChecking,
  globalKnownHosts: global,
  ...(certified ? { certified } : {}),
});

describe('@cert-authority', () => {
  it('through a proxy (no certificate fetched) it is refused, naming the CA line, why and how to pin its key', async () => {
    // as in OpenSSH, a host on another port is looked up as [host]:port: the CA line must name that form
    writeFileSync(user, `# fleet CA\n@cert-authority *.example.com,[*.example.com]:* ${ca}\n`);
    writeFileSync(global, '');
    const err = (await verifyHostKey(target('strict', 2222), blob).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `lb1: [lb1.example.com]:2222 is trusted through @cert-authority only (${user} line 2), and it is reached ` +
        `through a ProxyJump or ProxyCommand, and ssh-keyscan, which fetches the host certificate the SSH library ` +
        `cannot negotiate, connects directly only: refusing to connect (it offered ssh-ed25519 ${fp}). If OpenSSH ` +
        `trusts it, pin the host's own key beside the CA line, read over a connection OpenSSH verifies with ` +
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

  it('the key its checked certificate certifies is trusted, and not recorded even under accept-new', async () => {
    writeFileSync(user, `@cert-authority *.example.com ${ca}\n`);
    writeFileSync(global, '');
    await expect(
      verifyHostKey(target('accept-new', 22, { keys: [blob], problems: [] }), blob),
    ).resolves.toBeUndefined();
    expect(readFileSync(user, 'utf8')).toBe(`@cert-authority *.example.com ${ca}\n`);
  });

  it('any other key, or no valid certificate, is refused with the reason', async () => {
    writeFileSync(user, `@cert-authority *.example.com ${ca}\n`);
    writeFileSync(global, '');
    const other = Buffer.from(keygen(join(dir, 'other')).split(' ')[1]!, 'base64');
    await expect(verifyHostKey(target('accept-new', 22, { keys: [other], problems: [] }), blob)).rejects.toThrow(
      `(${user} line 1), and it presented ssh-ed25519 ${fp}, not the key its certificate certifies: refusing`,
    );
    const expired = {
      keys: [],
      problems: ['ssh-ed25519-cert-v01@openssh.com "lb1": it expired at 2026-01-01T00:00:00.000Z'],
    };
    await expect(verifyHostKey(target('strict', 22, expired), blob)).rejects.toThrow(
      `and no certificate it presented is valid for it: ssh-ed25519-cert-v01@openssh.com "lb1": it expired at`,
    );
    const revoked = { keys: [], problems: [], refused: 'every @cert-authority key naming it is marked @revoked' };
    await expect(verifyHostKey(target('strict', 22, revoked), blob)).rejects.toThrow(
      `(${user} line 1), and every @cert-authority key naming it is marked @revoked: refusing to connect`,
    );
    await expect(verifyHostKey(target('strict', 22, { keys: [], problems: [] }), blob)).rejects.toThrow(
      `and ssh-keyscan -c got no host certificate from it: refusing to connect`,
    );
    expect(readFileSync(user, 'utf8')).toBe(`@cert-authority *.example.com ${ca}\n`);
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

describe('@cert-authority CA keys offered for checking', () => {
  it('a CA key marked @revoked for the host vouches for nothing', async () => {
    writeFileSync(user, `@cert-authority *.example.com ${ca}\n@cert-authority *.example.com ${host}\n`);
    writeFileSync(global, `@revoked *.example.com ${ca}\n`);
    const offer = await hostKeyOffer(user, 'lb1.example.com', 22, global);
    expect(offer.caKeys).toEqual([blob]);
    writeFileSync(global, '');
    expect((await hostKeyOffer(user, 'lb1.example.com', 22, global)).caKeys).toHaveLength(2);
  });
});

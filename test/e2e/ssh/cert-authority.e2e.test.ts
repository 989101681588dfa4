// @cert-authority for real: the loopback sshd presents a host certificate made by ssh-keygen -s;
// known_hosts holds only the CA line. The tool fetches the certificate with ssh-keyscan -c, checks
// it, and connects accepting only the key it certifies; a certificate by another CA is refused.
// On the lab: every host's sshd gets a certificate, and `status` works with only the CA line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { configureTrace, connect } from '../../../src/ssh/index.ts';
import { quote } from '../../../src/ssh/quote.ts';
import { deploy, labInventory, onHost, runCli } from '../support/cli.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';
import { keygen, signHostKey } from '../../support/ssh-certs.ts';

const env = { HOME: '/nonexistent-home' };

describe.skipIf(sshdUnavailable() !== undefined)('@cert-authority against a real sshd', () => {
  let sshd: TestSshd;
  let ca = '';
  let otherCa = '';
  let knownHosts = '';

  beforeAll(async () => {
    sshd = await startSshd((dir) => {
      ca = keygen(join(dir, 'ca'));
      otherCa = keygen(join(dir, 'other_ca'));
      signHostKey(join(dir, 'ca'), join(dir, 'host_ed25519.pub'), {
        id: 'lb1',
        principals: '127.0.0.1',
        extra: ['-V', '-5m:+1h'],
      });
      return [`HostCertificate ${join(dir, 'host_ed25519-cert.pub')}`];
    });
    knownHosts = join(sshd.dir, 'known_hosts');
  });
  afterAll(async () => sshd?.stop());

  it('a host trusted only through its CA is verified and reached; nothing is recorded', async () => {
    const line = `@cert-authority [127.0.0.1]:* ${ca}\n`;
    writeFileSync(knownHosts, line, { mode: 0o600 });
    let traced = '';
    const previous = configureTrace({ level: 1, write: (l) => (traced += l) });
    try {
      const t = await connect(sshd.host({ hostKeyChecking: 'accept-new' }), { env });
      try {
        expect((await t.exec(['echo', 'certified'])).stdout).toBe('certified\n');
      } finally {
        await t.close();
      }
    } finally {
      configureTrace(previous);
    }
    expect(traced).toContain(`host certificates of [127.0.0.1]:${sshd.port}: 1 valid`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(line);
  });

  it('a certificate by another CA is refused, saying why', async () => {
    writeFileSync(knownHosts, `@cert-authority [127.0.0.1]:* ${otherCa}\n`, { mode: 0o600 });
    const err = await connect(sshd.host({ hostKeyChecking: 'accept-new' }), { env }).catch((e: unknown) => e as Error);
    expect(String(err)).toContain(
      `[127.0.0.1]:${sshd.port} is trusted through @cert-authority only (${knownHosts} line 1), and no certificate ` +
        `it presented is valid for it: ssh-ed25519-cert-v01@openssh.com "lb1": its CA key is not on a matching ` +
        `@cert-authority line: refusing to connect`,
    );
    expect(readFileSync(knownHosts, 'utf8')).toBe(`@cert-authority [127.0.0.1]:* ${otherCa}\n`);
  });
});

const lab = labOrSkip();

describe.skipIf(!lab)('@cert-authority on the lab', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ekp-labca-'));
  const knownHosts = join(dir, 'known_hosts');
  let inventory = '';

  const cert = '/etc/ssh/ssh_host_ed25519_key-cert.pub';
  const dropIn = '/etc/ssh/sshd_config.d/host-cert.conf';

  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
    const ca = keygen(join(dir, 'ca'));
    for (const h of lab!.hosts) {
      const pub = join(dir, `${h.name}.pub`);
      writeFileSync(pub, await onHost(lab!, h.name, 'cat /etc/ssh/ssh_host_ed25519_key.pub'));
      const signed = signHostKey(join(dir, 'ca'), pub, {
        id: h.name,
        principals: h.address,
        extra: ['-V', '-5m:+1h'],
      });
      await onHost(
        lab!,
        h.name,
        `printf %s ${quote(signed)} > ${cert} && echo ${quote(`HostCertificate ${cert}`)} > ${dropIn} && systemctl reload ssh`,
      );
    }
    writeFileSync(knownHosts, `@cert-authority ${lab!.hosts.map((h) => h.address).join(',')} ${ca}\n`);
    inventory = labInventory(lab!, (doc) => (doc.ssh.knownHosts = knownHosts));
  });

  // the lab's sshd as other test files expect it: no certificate offered
  afterAll(async () => {
    for (const h of lab!.hosts) await onHost(lab!, h.name, `rm -f ${cert} ${dropIn} && systemctl reload ssh`);
  });

  it('status reaches every host with known_hosts holding only the CA line', async () => {
    const before = readFileSync(knownHosts, 'utf8');
    const res = await runCli(['status', '--hosts', inventory, '-v']);
    expect(res.code, res.stderr).toBe(0);
    const n = lab!.hosts.length;
    expect(res.stdout).toContain(`${n} hosts: ${n} healthy, 0 degraded, 0 down, 0 unreachable`);
    for (const h of lab!.hosts) expect(res.stderr).toContain(`${h.name}: host certificates of ${h.address}: 1 valid`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
  });
});

// Host certificates made by the real ssh-keygen -s, checked as ssh(1) would against a CA key:
// every CA key type, and each way a certificate must be refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkScannedCerts } from '../../../src/ssh/cert-scan.ts';
import { parseHostCert } from '../../../src/ssh/host-cert.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-hostcert-'));
let n = 0;
function keygen(type: string, bits?: string): { file: string; blob: Buffer } {
  const file = join(dir, `k${n++}`);
  const size = bits ? ['-b', bits] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...size, '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
  return { file, blob: Buffer.from(readFileSync(`${file}.pub`, 'utf8').split(' ')[1]!, 'base64') };
}
/** Sign the host key's .pub with the CA as ssh-keygen does; returns the certificate's .pub line. */
function sign(ca: { file: string }, host: { file: string }, extra: string[], principals = 'lb1.example.com'): string {
  const p = principals ? ['-n', principals] : [];
  execFileSync('ssh-keygen', ['-q', '-s', ca.file, '-I', 'lb1-id', ...p, ...extra, `${host.file}.pub`]);
  return readFileSync(`${host.file}-cert.pub`, 'utf8').trim();
}
/** A line as ssh-keyscan -c prints it. */
const scanned = (certLine: string): string => `lb1.example.com ${certLine}\n`;

const ca = keygen('ed25519');
const host = keygen('ed25519');

describe('host certificates', () => {
  it.each([
    ['ed25519 CA', ['ed25519'], []],
    ['ecdsa-sha2-nistp256 CA', ['ecdsa', '256'], []],
    ['ecdsa-sha2-nistp384 CA', ['ecdsa', '384'], []],
    ['ecdsa-sha2-nistp521 CA', ['ecdsa', '521'], []],
    ['rsa CA, rsa-sha2-256', ['rsa', '2048'], ['-t', 'rsa-sha2-256']],
    ['rsa CA, rsa-sha2-512', ['rsa', '2048'], ['-t', 'rsa-sha2-512']],
  ])('a valid certificate by an %s certifies the host key', (_, [type, bits], extra) => {
    const c = keygen(type!, bits);
    for (const h of [host, keygen('ecdsa', '384'), keygen('rsa', '2048')]) {
      const scan = checkScannedCerts(scanned(sign(c, h, ['-h', ...extra])), [c.blob], 'lb1.example.com');
      expect(scan.problems).toEqual([]);
      expect(scan.keys).toEqual([h.blob]);
    }
  });

  it('the host name is matched as asked for, case aside', () => {
    const line = scanned(sign(ca, host, ['-h'], 'lb1.example.com,10.0.0.1'));
    expect(checkScannedCerts(line, [ca.blob], '10.0.0.1').keys).toEqual([host.blob]);
    expect(checkScannedCerts(line, [ca.blob], 'LB1.example.com').keys).toEqual([host.blob]);
  });

  const refused = (line: string, host_ = 'lb1.example.com', caKeys = [ca.blob]) => {
    const scan = checkScannedCerts(scanned(line), caKeys, host_);
    expect(scan.keys).toEqual([]);
    return scan.problems.join('\n');
  };

  it('an expired or not yet valid certificate is refused', () => {
    expect(refused(sign(ca, host, ['-h', '-V', '-2w:-1w']))).toMatch(/"lb1-id": it expired at 20\d\d-/);
    expect(refused(sign(ca, host, ['-h', '-V', '+1w:+2w']))).toMatch(/it is not valid yet \(from 20\d\d-/);
  });

  it('a certificate for another host, or naming no host, is refused', () => {
    expect(refused(sign(ca, host, ['-h']), 'lb2.example.com')).toContain(
      'its principals (lb1.example.com) do not name lb2.example.com',
    );
    expect(refused(sign(ca, host, ['-h'], ''))).toContain('it names no principals');
  });

  it('a certificate signed by another CA is refused', () => {
    const other = keygen('ed25519');
    expect(refused(sign(other, host, ['-h']))).toContain('its CA key is not on a matching @cert-authority line');
  });

  it('a tampered signature or a tampered body is refused', () => {
    const [type, b64] = sign(ca, host, ['-h']).split(' ');
    const sig = Buffer.from(b64!, 'base64');
    sig[sig.length - 1]! ^= 1;
    expect(refused(`${type} ${sig.toString('base64')}`)).toContain('its CA signature is not valid');
    // a principal rewritten to another name of the same length: the CA never signed that
    const body = Buffer.from(
      Buffer.from(b64!, 'base64').toString('latin1').replace('lb1.example', 'lb9.example'),
      'latin1',
    );
    expect(refused(`${type} ${body.toString('base64')}`, 'lb9.example.com')).toContain('its CA signature is not valid');
  });

  it('a user certificate is no host certificate', () => {
    expect(refused(sign(ca, host, []))).toContain('it is a user certificate, not a host certificate');
  });

  it('a critical option is refused, as none is defined for hosts', () => {
    expect(refused(sign(ca, host, ['-h', '-O', 'force-command=true']))).toContain(
      'it has critical options this tool does not know (force-command)',
    );
  });

  it('a truncated certificate or a plain key is refused without a crash', () => {
    const [type, b64] = sign(ca, host, ['-h']).split(' ');
    const cut = Buffer.from(b64!, 'base64').subarray(0, 100).toString('base64');
    expect(refused(`${type} ${cut}`)).toContain('certificate truncated');
    expect(() => parseHostCert(host.blob)).toThrow('ssh-ed25519 is not a certificate type');
  });

  it("keyscan's output is read with or without the host name in front", () => {
    const line = sign(ca, host, ['-h']);
    const other = keygen('ecdsa', '256');
    // OpenSSH 9.2 prints `<type> <base64>` lines, the last without its newline
    const bare = `${sign(ca, other, ['-h'])}\n${line.split(' ').slice(0, 2).join(' ')}`;
    expect(checkScannedCerts(bare, [ca.blob], 'lb1.example.com').keys).toEqual([other.blob, host.blob]);
    expect(checkScannedCerts(scanned(line), [ca.blob], 'lb1.example.com').keys).toEqual([host.blob]);
  });

  it('keyscan comment lines and blank lines are skipped', () => {
    writeFileSync(join(dir, 'out'), `# lb1.example.com:22 SSH-2.0-OpenSSH_9.2\n\n${scanned(sign(ca, host, ['-h']))}`);
    expect(checkScannedCerts(readFileSync(join(dir, 'out'), 'utf8'), [ca.blob], 'lb1.example.com').keys).toHaveLength(
      1,
    );
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  hostKeyOffer,
  keyTypeOf,
  pinnedOfferProblem,
  verifyHostKey,
  type HostKeyTarget,
} from '../../../src/ssh/host-key.ts';

function newKey(dir: string, name: string, type = 'ed25519'): { blob: Buffer; line: string; fp: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
  const pub = readFileSync(`${file}.pub`, 'utf8').trim();
  const fp = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { blob: Buffer.from(pub.split(' ')[1]!, 'base64'), line: pub, fp };
}

describe('host key helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hk-'));
  const ed = newKey(dir, 'ed');
  const ec = newKey(dir, 'ec', 'ecdsa');

  it('fingerprints like ssh-keygen -l and reads the key type from the blob', () => {
    expect(fingerprint(ed.blob)).toBe(ed.fp);
    expect(fingerprint(ec.blob)).toBe(ec.fp);
    expect(keyTypeOf(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(ec.blob)).toBe('ecdsa-sha2-nistp256');
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 9, 1]))).toThrow();
  });

  it('offers only the key types known_hosts pins for a known host, every type for a new one', async () => {
    const kh = join(dir, 'kh-pref');
    writeFileSync(
      kh,
      `10.0.0.1 ssh-rsa AAAA\n10.0.0.2 ${ec.line}\n10.0.0.4 ${ec.line}\n10.0.0.4 ${ed.line}\n@revoked 10.0.0.5 ${ed.line}\n`,
    );
    expect(await hostKeyOffer(kh, '10.0.0.1', 22)).toEqual({
      algorithms: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
      pinned: ['ssh-rsa'],
      caKeys: [],
    });
    expect(await hostKeyOffer(kh, '10.0.0.2', 22)).toEqual({
      algorithms: ['ecdsa-sha2-nistp256'],
      pinned: ['ecdsa-sha2-nistp256'],
      caKeys: [],
    });
    expect(await hostKeyOffer(kh, '10.0.0.4', 22)).toEqual({
      algorithms: ['ecdsa-sha2-nistp256', 'ssh-ed25519'],
      pinned: ['ecdsa-sha2-nistp256', 'ssh-ed25519'],
      caKeys: [],
    });
    // a revoked key pins nothing: it is refused, not trusted
    for (const unknown of ['10.0.0.3', '10.0.0.5']) {
      const offer = await hostKeyOffer(kh, unknown, 22);
      expect(offer.pinned).toEqual([]);
      expect(offer.algorithms).toEqual([
        'ssh-ed25519',
        'ecdsa-sha2-nistp256',
        'ecdsa-sha2-nistp384',
        'ecdsa-sha2-nistp521',
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
      ]);
    }
  });

  it('says so when the pinned types are ones it cannot verify', async () => {
    const kh = join(dir, 'kh-dss');
    writeFileSync(kh, `10.0.0.1 ssh-dss AAAA\n`);
    const offer = await hostKeyOffer(kh, '10.0.0.1', 22);
    expect(offer).toEqual({ algorithms: [], pinned: ['ssh-dss'], caKeys: [] });
    expect(pinnedOfferProblem(offer, '10.0.0.1', kh)).toMatch(
      new RegExp(`^${kh} pins only host key types this tool cannot verify for 10\\.0\\.0\\.1 \\(ssh-dss\\)`),
    );
    expect(pinnedOfferProblem(await hostKeyOffer(kh, '10.0.0.2', 22), '10.0.0.2', kh)).toBeUndefined();
  });
});

describe('verifyHostKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hk-'));
  const good = newKey(dir, 'good');
  const other = newKey(dir, 'other');
  const rsa = newKey(dir, 'rsa', 'rsa');
  const target = (file: string, mode: HostKeyTarget['hostKeyChecking'] = 'strict', port = 22): HostKeyTarget => ({
    name: 'lb1',
    address: '10.0.0.11',
    port,
    knownHosts: file,
    hostKeyChecking: mode,
  });

  it('accepts a known key', async () => {
    const kh = join(dir, 'kh1');
    writeFileSync(kh, `10.0.0.11 ${good.line}\n`);
    await expect(verifyHostKey(target(kh), good.blob)).resolves.toBeUndefined();
  });

  it('strict refuses an unknown host and says how to fix it', async () => {
    const kh = join(dir, 'kh2');
    writeFileSync(kh, `10.0.0.11 ${rsa.line}\n`);
    await expect(verifyHostKey(target(kh), good.blob)).rejects.toThrow(
      `lb1: host key for 10.0.0.11 is not in ${kh} (offered ssh-ed25519 ${good.fp}; keys of other types are known for it: ssh-rsa; accept-new records keys only for hosts without any: add it with ssh-keyscan after checking its fingerprint)`,
    );
  });

  it('refuses a changed key in both modes, naming both fingerprints and the line', async () => {
    const kh = join(dir, 'kh3');
    writeFileSync(kh, `# one\n[10.0.0.11]:2222 ${other.line}\n`);
    for (const mode of ['strict', 'accept-new'] as const) {
      const err = await verifyHostKey(target(kh, mode, 2222), good.blob).catch((e: unknown) => e as Error);
      expect(err).toMatchObject({ kind: 'hostkey', host: 'lb1' });
      expect((err as Error).message).toContain(
        `lb1: REMOTE HOST IDENTIFICATION HAS CHANGED for [10.0.0.11]:2222: offered ssh-ed25519 ${good.fp}, ${kh} line 2 has ${other.fp}`,
      );
    }
    expect(readFileSync(kh, 'utf8')).toBe(`# one\n[10.0.0.11]:2222 ${other.line}\n`);
  });

  it('accept-new records an unknown key once and reports it', async () => {
    const kh = join(dir, 'new', 'kh4');
    const told: string[] = [];
    await verifyHostKey(target(kh, 'accept-new'), good.blob, (m) => told.push(m));
    await verifyHostKey(target(kh, 'accept-new'), good.blob, (m) => told.push(m));
    expect(readFileSync(kh, 'utf8')).toBe(`10.0.0.11 ${good.line}\n`);
    expect(told).toEqual([`lb1: recorded new host key for 10.0.0.11 (ssh-ed25519 ${good.fp}) in ${kh}`]);
  });

  it('accept-new never records a key beside a pinned key of another type', async () => {
    const kh = join(dir, 'kh6');
    writeFileSync(kh, `10.0.0.11 ${rsa.line}\n`);
    const told: string[] = [];
    const err = await verifyHostKey(target(kh, 'accept-new'), good.blob, (m) => told.push(m)).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ kind: 'hostkey', host: 'lb1' });
    expect((err as Error).message).toContain(
      `offered ssh-ed25519 ${good.fp}; keys of other types are known for it: ssh-rsa`,
    );
    expect(readFileSync(kh, 'utf8')).toBe(`10.0.0.11 ${rsa.line}\n`);
    expect(told).toEqual([]);
  });

  it('refuses a revoked key even under accept-new', async () => {
    const kh = join(dir, 'kh5');
    writeFileSync(kh, `@revoked * ${good.line}\n`);
    await expect(verifyHostKey(target(kh, 'accept-new'), good.blob)).rejects.toThrow(/marked @revoked in .*kh5 line 1/);
  });
});

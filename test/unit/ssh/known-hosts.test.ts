import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  loadKnownHosts,
  parseKnownHosts,
  type HostKeyStatus,
} from '../../../src/ssh/known-hosts.ts';

// Real ed25519 public key blobs (type + 32-byte key), as sshd would present them.
function ed25519Blob(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64');
}
const A = ed25519Blob();
const B = ed25519Blob();
const C = ed25519Blob();
const RSA = 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7'; // only compared, never parsed

function hashed(name: string, salt = Buffer.from('0123456789abcdef0123')): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

const FILE = `
# comment line

lb1.example.com,10.0.0.11 ssh-ed25519 ${A} root@lb1
[10.0.0.12]:2222 ssh-ed25519 ${A}
10.0.0.12 ssh-ed25519 ${B}
${hashed('10.0.0.13')} ssh-ed25519 ${A}
${hashed('[10.0.0.14]:2200')} ssh-ed25519 ${A}
*.prod.example.com,!bad.prod.example.com ssh-ed25519 ${A}
10.0.1.? ssh-ed25519 ${A}
multi ssh-ed25519 ${B}
multi ssh-ed25519 ${A}
rsaonly ssh-rsa ${RSA}
@revoked * ssh-ed25519 ${C}
@cert-authority *.ca.example.com ssh-ed25519 ${A}
@unknown-marker weird ssh-ed25519 ${A}
truncated ssh-ed25519
oldssh1 1024 35 1234567
`;

describe('checkHostKey', () => {
  const entries = parseKnownHosts(FILE);
  const cases: Array<[string, number, string, string, HostKeyStatus]> = [
    ['lb1.example.com', 22, 'ssh-ed25519', A, 'match'],
    ['LB1.Example.COM', 22, 'ssh-ed25519', A, 'match'], // host names compare case-insensitively
    ['10.0.0.11', 22, 'ssh-ed25519', A, 'match'], // second name of a comma list
    ['10.0.0.11', 22, 'ssh-ed25519', B, 'mismatch'],
    ['10.0.0.11', 2222, 'ssh-ed25519', A, 'unknown'], // plain names only cover port 22
    ['10.0.0.12', 2222, 'ssh-ed25519', A, 'match'], // [host]:port
    ['10.0.0.12', 22, 'ssh-ed25519', B, 'match'],
    ['10.0.0.12', 22, 'ssh-ed25519', A, 'mismatch'], // the port-22 line has another key
    ['10.0.0.13', 22, 'ssh-ed25519', A, 'match'], // hashed
    ['10.0.0.13', 22, 'ssh-ed25519', B, 'mismatch'],
    ['10.0.0.14', 2200, 'ssh-ed25519', A, 'match'], // hashed [host]:port
    ['10.0.0.14', 22, 'ssh-ed25519', A, 'unknown'],
    ['api.prod.example.com', 22, 'ssh-ed25519', A, 'match'], // wildcard
    ['bad.prod.example.com', 22, 'ssh-ed25519', A, 'unknown'], // negated
    ['prod.example.com', 22, 'ssh-ed25519', A, 'unknown'],
    ['10.0.1.5', 22, 'ssh-ed25519', A, 'match'], // ? wildcard
    ['10.0.1.55', 22, 'ssh-ed25519', A, 'unknown'],
    ['multi', 22, 'ssh-ed25519', A, 'match'], // any of several keys of the type
    ['multi', 22, 'ssh-ed25519', C, 'revoked'],
    ['rsaonly', 22, 'ssh-ed25519', A, 'unknown'], // only another type known: new, not changed (OpenSSH)
    ['rsaonly', 22, 'ssh-rsa', RSA, 'match'],
    ['lb1.example.com', 22, 'ssh-ed25519', C, 'revoked'], // revoked wins over "changed"
    ['x.ca.example.com', 22, 'ssh-ed25519', A, 'unknown'], // @cert-authority is no host key
    ['weird', 22, 'ssh-ed25519', A, 'unknown'], // unknown marker: line ignored
    ['truncated', 22, 'ssh-ed25519', A, 'unknown'],
    ['nowhere', 22, 'ssh-ed25519', A, 'unknown'],
  ];
  it.each(cases)('%s:%i %s → %s', (host, port, type, key, want) => {
    expect(checkHostKey(entries, host, port, type, key)).toBe(want);
  });

  it('reports line numbers', () => {
    const e = entries.find((x) => x.patterns.includes('multi') && x.keyBase64 === A);
    expect(e?.line).toBe(12);
  });
});

describe('hashed entries written by ssh-keygen -H', () => {
  it('match the same hosts as the plain lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `10.9.9.9 ssh-ed25519 ${A}\n[10.9.9.9]:2022 ssh-ed25519 ${B}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('10.9.9.9');
    const entries = parseKnownHosts(text);
    expect(entries.every((e) => e.hashed)).toBe(true);
    expect(checkHostKey(entries, '10.9.9.9', 22, 'ssh-ed25519', A)).toBe('match');
    expect(checkHostKey(entries, '10.9.9.9', 2022, 'ssh-ed25519', B)).toBe('match');
    expect(checkHostKey(entries, '10.9.9.9', 2022, 'ssh-ed25519', A)).toBe('mismatch');
    expect(checkHostKey(entries, '10.9.9.8', 22, 'ssh-ed25519', A)).toBe('unknown');
  });
});

describe('appendKnownHost', () => {
  it('creates the directory and a 0600 file, and is found again (also by ssh-keygen -F)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const file = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, '10.0.0.21', 22, 'ssh-ed25519', A);
    await appendKnownHost(file, 'Lb2.Example', 2222, 'ssh-ed25519', B);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`10.0.0.21 ssh-ed25519 ${A}\n[lb2.example]:2222 ssh-ed25519 ${B}\n`);
    const entries = await loadKnownHosts(file);
    expect(checkHostKey(entries, '10.0.0.21', 22, 'ssh-ed25519', A)).toBe('match');
    expect(checkHostKey(entries, 'lb2.example', 2222, 'ssh-ed25519', B)).toBe('match');
    const found = execFileSync('ssh-keygen', ['-F', '[lb2.example]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(B);
  });

  it('adds a newline after a last line that lacks one; parallel appends all land', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `old ssh-ed25519 ${C}`, { mode: 0o644 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => appendKnownHost(file, `10.0.0.${n}`, 22, 'ssh-ed25519', A)));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(`old ssh-ed25519 ${C}`);
    expect(statSync(file).mode & 0o777).toBe(0o644); // an existing file keeps its mode
  });

  it('a missing file is empty', async () => {
    expect(await loadKnownHosts('/nonexistent/known_hosts')).toEqual([]);
  });
});

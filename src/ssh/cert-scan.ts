// Fetch a host's certificates with OpenSSH's ssh-keyscan -c (the SSH library cannot negotiate
// them) and keep the plain keys of those a known_hosts CA vouches for. Nothing keyscan prints is
// trusted before hostCertProblem has checked it.

import { execFile } from 'node:child_process';
import { hostCertProblem, parseHostCert } from './host-cert.ts';

export interface CertScan {
  /** Plain host keys (wire blobs) certified for the host by one of the CA keys. */
  keys: Buffer[];
  /** Why each other certificate the host presented was refused. */
  problems: string[];
  /** ssh-keyscan's own complaint when it printed nothing. */
  error?: string;
  /** Why no certificate was fetched at all (every CA key naming the host is @revoked). */
  refused?: string;
}

const KEYSCAN_TYPES = 'ed25519,ecdsa,rsa';
const CERT_SUFFIX = '-cert-v01@openssh.com';

function keyscan(address: string, port: number, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  // no shell; `--` so an address can never be read as an option
  const args = ['-c', '-T', secs, '-t', KEYSCAN_TYPES, '-p', String(port), '--', address];
  return new Promise((resolve) => {
    execFile('ssh-keyscan', args, { timeout: timeoutMs + 2000 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr: stderr || (err && !stdout ? err.message : '') }),
    );
  });
}

/**
 * Check each certificate keyscan printed against the CA keys, for the host name asked for. OpenSSH
 * 9.2's keyscan -c prints `<type> <base64>` without the host name in front (later ones add it).
 */
export function checkScannedCerts(output: string, caKeys: readonly Buffer[], host: string, now = new Date()): CertScan {
  const scan: CertScan = { keys: [], problems: [] };
  for (const line of output.split('\n')) {
    if (line.startsWith('#')) continue;
    const fields = line.trim().split(/\s+/);
    const at = fields.findIndex((f) => f.endsWith(CERT_SUFFIX));
    const [type, b64] = [fields[at], fields[at + 1]];
    if (at < 0 || !type || !b64) continue;
    try {
      const cert = parseHostCert(Buffer.from(b64, 'base64'));
      const problem = hostCertProblem(cert, caKeys, host, now);
      if (!problem) scan.keys.push(cert.key);
      else scan.problems.push(`${type} "${cert.keyId}": ${problem}`);
    } catch (err) {
      scan.problems.push(`${type}: ${(err as Error).message}`);
    }
  }
  return scan;
}

export async function scanHostCerts(
  address: string,
  port: number,
  timeoutMs: number,
  caKeys: readonly Buffer[],
): Promise<CertScan> {
  const { stdout, stderr } = await keyscan(address, port, timeoutMs);
  const scan = checkScannedCerts(stdout, caKeys, address);
  const said = stderr
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .join('; ');
  if (!stdout.trim() && said) scan.error = said;
  return scan;
}

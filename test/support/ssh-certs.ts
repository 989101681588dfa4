// SSH keys and host certificates made by the real ssh-keygen, for the tests of @cert-authority:
// what a fleet with a host CA has (ssh-keygen -s … -h), nothing hand-built.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A new key pair at `file` (no passphrase, no comment); returns the .pub line. */
export function keygen(file: string, type = 'ed25519', bits?: string): string {
  const size = bits ? ['-b', bits] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...size, '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

export interface HostCertOptions {
  /** The certificate's key id (-I). */
  id: string;
  /** Its principals (-n), comma-separated; empty: none at all. */
  principals: string;
  /** Anything else for ssh-keygen, e.g. ['-V', '-5m:+1h'] or ['-t', 'rsa-sha2-512']. */
  extra?: string[];
}

/** Signs the host key `<pub>` with the CA key file `ca` (-h); returns the certificate's .pub line. */
export function signHostKey(ca: string, pub: string, o: HostCertOptions): string {
  const p = o.principals ? ['-n', o.principals] : [];
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-h', '-I', o.id, ...p, ...(o.extra ?? []), pub]);
  return readFileSync(pub.replace(/\.pub$/, '-cert.pub'), 'utf8').trim();
}

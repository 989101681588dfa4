// Key material in .lab/: the lab's SSH key pair (made once), known_hosts (rewritten on every up
// from the host keys we generated) and the fake apiservers' self-signed certificate (made once).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';

export async function ensureKeyPair(keyPath: string): Promise<string> {
  if (!existsSync(keyPath) || !existsSync(`${keyPath}.pub`)) {
    await $({ quiet: true })`rm -f ${keyPath} ${`${keyPath}.pub`}`;
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C envoy-k8s-proxy-lab -f ${keyPath}`;
  }
  return readFileSync(`${keyPath}.pub`, 'utf8').trim();
}

/** A host key for one host, written into its overlay; returns the public line `ssh-ed25519 AAAA...`. */
export async function makeHostKey(etcSsh: string, hostname: string): Promise<string> {
  const key = path.join(etcSsh, 'ssh_host_ed25519_key');
  await $({ quiet: true })`rm -f ${key} ${`${key}.pub`}`;
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C ${`root@${hostname}`} -f ${key}`;
  return publicKeyOf(etcSsh);
}

export function publicKeyOf(etcSsh: string): string {
  const [type, blob] = readFileSync(path.join(etcSsh, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  return `${type} ${blob}`;
}

export function writeKnownHosts(file: string, entries: { address: string; hostKey: string }[]): void {
  writeFileSync(file, entries.map((e) => `${e.address} ${e.hostKey}\n`).join(''));
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export function apiserverCertFiles(tlsDir: string, address: string): TlsFiles {
  return { cert: path.join(tlsDir, `apiserver-${address}.crt`), key: path.join(tlsDir, `apiserver-${address}.key`) };
}

/** Self-signed, valid for the bridge address (one file pair per address: dev and CI labs differ). */
export async function ensureApiserverCert(tlsDir: string, address: string): Promise<TlsFiles> {
  mkdirSync(tlsDir, { recursive: true });
  const files = apiserverCertFiles(tlsDir, address);
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  const san = `subjectAltName=IP:${address},IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:localhost`;
  await $({
    quiet: true,
  })`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj /CN=lab-apiserver -addext ${san} -keyout ${files.key} -out ${files.cert}`;
  return files;
}

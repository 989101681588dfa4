// Decide whether to trust the host key a server presents, from known_hosts and the host's
// hostKeyChecking mode. ssh2 accepts any key unless its hostVerifier says no: this is that check.

import { createHash } from 'node:crypto';
import { ToolError } from '../errors.ts';
import type { CertScan } from './cert-scan.ts';
import type { HostSpec } from '../inventory/types.ts';
import {
  appendKnownHost,
  entryMatchesHost,
  GLOBAL_KNOWN_HOSTS,
  hostLookupName,
  loadKnownHostsFiles,
  lookupHostKey,
  type KnownHostEntry,
} from './known-hosts.ts';

/** The key type is the first SSH string of the wire-format public key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob too short');
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) throw new Error('host key blob malformed');
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint: SHA256 of the blob, base64 without padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
export type HostKeyAlgorithm = (typeof DEFAULT_HOST_KEY_ALGORITHMS)[number];

/** Server host key algorithms that produce keys of a known_hosts key type. */
function algorithmsFor(keyType: string): HostKeyAlgorithm[] {
  return keyType === 'ssh-rsa'
    ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
    : DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => a === keyType);
}

export interface HostKeyOffer {
  /** What the client offers the server, in order of preference. */
  algorithms: HostKeyAlgorithm[];
  /** Key types known_hosts pins for the host; empty for a host it has never seen. */
  pinned: string[];
  /** CA keys of the @cert-authority lines naming the host (used only when nothing is pinned). */
  caKeys: Buffer[];
}

/**
 * For a host known_hosts has keys for, offer only those key types: the server must present a
 * pinned key, so accept-new can never add a key of another type next to a pinned one (nor can a
 * man in the middle holding only another type). An unknown host gets every supported type.
 */
export async function hostKeyOffer(
  knownHosts: string,
  address: string,
  port: number,
  globalKnownHosts = GLOBAL_KNOWN_HOSTS,
): Promise<HostKeyOffer> {
  const entries = await loadKnownHostsFiles([knownHosts, globalKnownHosts]);
  const { knownTypes, authorities } = lookupHostKey(entries, address, port, '', '');
  // a CA key marked @revoked for the host vouches for nothing, as in OpenSSH
  const revoked = entries.filter((e) => e.marker === 'revoked' && entryMatchesHost(e, hostLookupName(address, port)));
  const caKeys = authorities
    .filter((a) => !revoked.some((r) => r.keyType === a.keyType && r.keyBase64 === a.keyBase64))
    .map((e) => Buffer.from(e.keyBase64, 'base64'));
  if (knownTypes.length === 0) return { algorithms: [...DEFAULT_HOST_KEY_ALGORITHMS], pinned: [], caKeys };
  return { algorithms: [...new Set(knownTypes.flatMap(algorithmsFor))], pinned: knownTypes, caKeys };
}

/** Offer only the types of the keys the host's certificates certify: the server must present one. */
export function certifiedOffer(offer: HostKeyOffer, keys: readonly Buffer[]): HostKeyOffer {
  const types = new Set(keys.map(keyTypeOf));
  return { ...offer, algorithms: [...types].flatMap(algorithmsFor) };
}

/** Why a connection to a host with pinned key types cannot verify it, or undefined when it can. */
export function pinnedOfferProblem(offer: HostKeyOffer, who: string, file: string): string | undefined {
  if (offer.pinned.length === 0 || offer.algorithms.length > 0) return undefined;
  return `${file} pins only host key types this tool cannot verify for ${who} (${offer.pinned.join(', ')}); add one of ${DEFAULT_HOST_KEY_ALGORITHMS.join(', ')} with ssh-keyscan after checking its fingerprint`;
}

/** The message for a server that presents none of the pinned key types. */
export function noPinnedTypeMessage(offer: HostKeyOffer, who: string, file: string): string {
  return (
    `${who} offers none of the host key types ${file} pins for it (${offer.pinned.join(', ')}): refusing to connect. ` +
    `The host may have been replaced or reconfigured, or someone could be intercepting the connection; ` +
    `if its keys changed on purpose, remove its lines from ${file} and connect again.`
  );
}

/** Why the certificate check did not vouch for the key the host presented. */
function certRefusal(scan: CertScan | undefined, keyType: string, fp: string): string {
  if (!scan)
    return (
      `it is reached through a ProxyJump or ProxyCommand, and ssh-keyscan, which fetches the host certificate ` +
      `the SSH library cannot negotiate, connects directly only`
    );
  if (scan.refused) return scan.refused;
  if (scan.keys.length) return `it presented ${keyType} ${fp}, not the key its certificate certifies`;
  if (scan.problems.length) return `no certificate it presented is valid for it: ${scan.problems.join('; ')}`;
  return `ssh-keyscan -c got no host certificate from it${scan.error ? ` (${scan.error})` : ''}`;
}

/**
 * A host known_hosts trusts only through @cert-authority whose certificate did not vouch for the
 * key it presented: say why, and how to pin the plain key over a connection OpenSSH verifies.
 */
export function certAuthorityMessage(ca: KnownHostEntry, t: HostKeyTarget, keyType: string, keyBase64: string): string {
  const who = hostLookupName(t.address, t.port);
  const fp = fingerprint(Buffer.from(keyBase64, 'base64'));
  const port = t.port === 22 ? '' : ` -p ${t.port}`;
  const file = ca.file ?? t.knownHosts;
  return (
    `${who} is trusted through @cert-authority only (${file} line ${ca.line}), and ${certRefusal(t.certified, keyType, fp)}: ` +
    `refusing to connect (it offered ${keyType} ${fp}). ` +
    `If OpenSSH trusts it, pin the host's own key beside the CA line, read over a connection OpenSSH verifies with the certificate: ` +
    `echo "${who} $(ssh${port} ${t.address} cat /etc/ssh/ssh_host_${keyFileName(keyType)}_key.pub | cut -d' ' -f1,2)" >> ${t.knownHosts}`
  );
}

/** The name part of sshd's host key file for a key type (ssh_host_<name>_key). */
function keyFileName(keyType: string): string {
  return keyType === 'ssh-ed25519' ? 'ed25519' : keyType === 'ssh-rsa' ? 'rsa' : 'ecdsa';
}

export interface HostKeyTarget {
  /** Inventory name, prefixed to messages. */
  name: string;
  address: string;
  port: number;
  knownHosts: string;
  hostKeyChecking: HostSpec['ssh']['hostKeyChecking'];
  /** Read after knownHosts, never written; default /etc/ssh/ssh_known_hosts. */
  globalKnownHosts?: string;
  /** The host's certificates checked against its @cert-authority keys (absent: not fetched). */
  certified?: CertScan;
}

/**
 * Check a presented key. Resolves when trusted (recording it first under accept-new); throws a
 * ToolError('hostkey') naming the host, the fingerprint and the known_hosts line otherwise.
 */
export async function verifyHostKey(
  target: HostKeyTarget,
  blob: Buffer,
  onNewHostKey?: (msg: string) => void,
): Promise<void> {
  const keyType = keyTypeOf(blob);
  const keyBase64 = blob.toString('base64');
  const fp = fingerprint(blob);
  const who = hostLookupName(target.address, target.port);
  const file = target.knownHosts;
  const entries = await loadKnownHostsFiles([file, target.globalKnownHosts ?? GLOBAL_KNOWN_HOSTS]);
  const found = lookupHostKey(entries, target.address, target.port, keyType, keyBase64);
  const where = (e: KnownHostEntry | undefined) => `${e?.file ?? file} line ${e?.line}`;
  const fail = (msg: string): never => {
    throw new ToolError('hostkey', msg, { host: target.name });
  };
  switch (found.status) {
    case 'match':
      return;
    case 'revoked':
      return fail(
        `host key for ${who} (${keyType} ${fp}) is marked @revoked in ${where(found.entry)}: refusing to connect`,
      );
    case 'mismatch': {
      const known = found.entry!;
      const knownFp = fingerprint(Buffer.from(known.keyBase64, 'base64'));
      return fail(
        `REMOTE HOST IDENTIFICATION HAS CHANGED for ${who}: offered ${keyType} ${fp}, ${where(known)} has ${knownFp}. ` +
          `Someone could be eavesdropping (man-in-the-middle), or the host key was replaced; ` +
          `if the change is expected, remove line ${known.line} from ${known.file ?? file} and connect again.`,
      );
    }
    case 'unknown':
      // A CA vouches for this host: only a key its checked certificate certifies, never trust on first use.
      if (found.knownTypes.length === 0 && found.authorities.length > 0) {
        if (target.certified?.keys.some((k) => k.equals(blob))) return;
        return fail(certAuthorityMessage(found.authorities[0]!, target, keyType, keyBase64));
      }
      // Never beside a pinned key: only the server's choice of type separates the two (defence in
      // depth, the connection offers pinned types only).
      if (target.hostKeyChecking === 'accept-new' && found.knownTypes.length === 0) {
        await appendKnownHost(file, target.address, target.port, keyType, keyBase64);
        onNewHostKey?.(`${target.name}: recorded new host key for ${who} (${keyType} ${fp}) in ${file}`);
        return;
      }
      if (found.knownTypes.length) {
        return fail(
          `host key for ${who} is not in ${file} (offered ${keyType} ${fp}; keys of other types are known for it: ${found.knownTypes.join(', ')}; ` +
            `accept-new records keys only for hosts without any: add it with ssh-keyscan after checking its fingerprint)`,
        );
      }
      return fail(
        `host key for ${who} is not in ${file} (offered ${keyType} ${fp}` +
          `; use hostKeyChecking: accept-new to record it, or add it with ssh-keyscan after checking its fingerprint)`,
      );
  }
}

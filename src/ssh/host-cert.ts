// OpenSSH host certificates (PROTOCOL.certkeys): parse one and check it the way ssh(1) does
// against a known_hosts @cert-authority key. The SSH library cannot negotiate certificates, so the
// certificate comes from ssh-keyscan -c and is trusted only after this check.

import { createPublicKey, verify, type KeyObject } from 'node:crypto';

const CERT_SUFFIX = '-cert-v01@openssh.com';
const CERT_HOST = 2;

export interface HostCert {
  /** The certified plain key's wire blob, as the server presents it without its certificate. */
  key: Buffer;
  keyType: string;
  certType: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: string[];
  /** The CA key's wire blob. */
  caKey: Buffer;
  /** Every byte the CA signed. */
  signed: Buffer;
  signature: Buffer;
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private take(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error('certificate truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }
  u64(): bigint {
    return this.take(8).readBigUInt64BE(0);
  }
  bytes(): Buffer {
    return this.take(this.u32());
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** The public fields after the nonce: ed25519 one string, ecdsa two, rsa two mpints. */
function publicFieldCount(keyType: string): number {
  if (keyType === 'ssh-ed25519') return 1;
  if (keyType === 'ssh-rsa' || keyType.startsWith('ecdsa-sha2-')) return 2;
  throw new Error(`unsupported certificate key type ${keyType}`);
}

/** A list of packed strings (principals) or of name/data pairs (options: names kept). */
function strings(buf: Buffer, pairs: boolean): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) {
    out.push(r.text());
    if (pairs) r.bytes();
  }
  return out;
}

export function parseHostCert(blob: Buffer): HostCert {
  const r = new Reader(blob);
  const certType = r.text();
  if (!certType.endsWith(CERT_SUFFIX)) throw new Error(`${certType} is not a certificate type`);
  const keyType = certType.slice(0, -CERT_SUFFIX.length);
  r.bytes(); // nonce
  const fieldsStart = r.pos;
  for (let i = 0; i < publicFieldCount(keyType); i++) r.bytes();
  const key = Buffer.concat([sshString(keyType), blob.subarray(fieldsStart, r.pos)]);
  r.u64(); // serial
  const type = r.u32();
  const keyId = r.text();
  const principals = strings(r.bytes(), false);
  const validAfter = r.u64();
  const validBefore = r.u64();
  const criticalOptions = strings(r.bytes(), true);
  r.bytes(); // extensions: none matter for host certificates
  r.bytes(); // reserved
  const caKey = r.bytes();
  const signed = blob.subarray(0, r.pos);
  const signature = r.bytes();
  if (!r.done()) throw new Error('trailing bytes after the certificate signature');
  return {
    key,
    keyType,
    certType: type,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    caKey,
    signed,
    signature,
  };
}

const b64url = (b: Buffer): string => b.toString('base64url');
const unsigned = (mpint: Buffer): Buffer => (mpint[0] === 0 ? mpint.subarray(1) : mpint);
const CURVES: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

/** A plain SSH public key blob as a node:crypto key, with its curve for ECDSA. */
function publicKey(blob: Buffer): { type: string; key: KeyObject; curve?: (typeof CURVES)[string] } {
  const r = new Reader(blob);
  const type = r.text();
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.bytes()) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.bytes());
    const n = unsigned(r.bytes());
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  const curve = CURVES[type.replace('ecdsa-sha2-', '')];
  if (type.startsWith('ecdsa-sha2-') && curve) {
    r.bytes(); // curve name, repeated
    const q = r.bytes();
    if (q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new Error('ECDSA CA key is not an uncompressed point');
    const jwk = {
      kty: 'EC',
      crv: curve.crv,
      x: b64url(q.subarray(1, 1 + curve.size)),
      y: b64url(q.subarray(1 + curve.size)),
    };
    return { type, key: createPublicKey({ key: jwk, format: 'jwk' }), curve };
  }
  throw new Error(`unsupported CA key type ${type}`);
}

/** Does the CA key sign these bytes with this SSH signature blob? ssh-rsa (SHA-1) is refused, as OpenSSH does. */
export function caSignatureValid(caKey: Buffer, signed: Buffer, signature: Buffer): boolean {
  const ca = publicKey(caKey);
  const r = new Reader(signature);
  const format = r.text();
  const sig = r.bytes();
  if (ca.type === 'ssh-ed25519' && format === ca.type) return verify(null, signed, ca.key, sig);
  if (ca.type === 'ssh-rsa' && (format === 'rsa-sha2-256' || format === 'rsa-sha2-512')) {
    return verify(format === 'rsa-sha2-256' ? 'sha256' : 'sha512', signed, ca.key, sig);
  }
  if (ca.curve && format === ca.type) {
    const rs = new Reader(sig);
    const pad = (m: Buffer): Buffer => {
      const v = unsigned(m);
      if (v.length > ca.curve!.size) throw new Error('ECDSA signature value too long');
      return Buffer.concat([Buffer.alloc(ca.curve!.size - v.length), v]);
    };
    const p1363 = Buffer.concat([pad(rs.bytes()), pad(rs.bytes())]);
    return verify(ca.curve.hash, signed, { key: ca.key, dsaEncoding: 'ieee-p1363' }, p1363);
  }
  return false;
}

/**
 * Why this certificate does not vouch for `host` under one of these CA keys, or undefined when it
 * does: as ssh(1), a host certificate, signed by the CA, valid now, naming the host among its
 * principals (none at all: refused), with no critical option (none is defined for hosts).
 */
export function hostCertProblem(
  cert: HostCert,
  caKeys: readonly Buffer[],
  host: string,
  now = new Date(),
): string | undefined {
  if (cert.certType !== CERT_HOST) return `it is a user certificate, not a host certificate`;
  if (!caKeys.some((k) => k.equals(cert.caKey))) return `its CA key is not on a matching @cert-authority line`;
  let good: boolean;
  try {
    good = caSignatureValid(cert.caKey, cert.signed, cert.signature);
  } catch (err) {
    return `its signature cannot be checked (${(err as Error).message})`;
  }
  if (!good) return `its CA signature is not valid`;
  const secs = BigInt(Math.floor(now.getTime() / 1000));
  if (secs < cert.validAfter) return `it is not valid yet (from ${when(cert.validAfter)})`;
  if (secs >= cert.validBefore) return `it expired at ${when(cert.validBefore)}`;
  if (cert.principals.length === 0) return `it names no principals`;
  if (!cert.principals.includes(host.toLowerCase()))
    return `its principals (${cert.principals.join(', ')}) do not name ${host}`;
  if (cert.criticalOptions.length)
    return `it has critical options this tool does not know (${cert.criticalOptions.join(', ')})`;
  return undefined;
}

function when(t: bigint): string {
  return t > 253402300799n ? 'forever' : new Date(Number(t) * 1000).toISOString();
}

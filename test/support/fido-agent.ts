// A software FIDO authenticator behind the ssh-agent protocol, for tests: what ssh-agent does with a
// security key (OpenSSH's sk-dummy provider is the same idea, built for its regression tests and
// not shipped by Debian). It holds sk-ecdsa-sha2-nistp256 and sk-ssh-ed25519 keys and signs as an
// authenticator does (OpenSSH PROTOCOL.u2f, "SSH U2F Signatures"): over
//   SHA256(application) || flags || counter || SHA256(message)
// (ECDSA hashes that with SHA-256; Ed25519 signs it as is), answered as
//   string type, string signature, byte flags, uint32 counter.
// sshd verifies that in software, so a login through it is a real FIDO login for sshd: its user-
// presence check (flag 0x01) and `no-touch-required` apply.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { sshString as str } from '../../src/ssh/agent-keys.ts';

const IDENTITIES_ANSWER = 12;
const SIGN_RESPONSE = 14;
const FAILURE = 5;
const USER_PRESENT = 0x01;
const APPLICATION = 'ssh:';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
/** An SSH mpint (RFC 4251 5) of an unsigned big-endian integer. */
const mpint = (n: Buffer): Buffer => {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  const v = n.subarray(i);
  return str(v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};

export type FidoKeyType = 'sk-ecdsa-sha2-nistp256@openssh.com' | 'sk-ssh-ed25519@openssh.com';

export interface FidoKey {
  type: FidoKeyType;
  /** The public key blob, as ssh-agent lists it and authorized_keys holds it (base64). */
  blob: Buffer;
  comment: string;
  /** An authorized_keys line for it, with `options` in front when given. */
  authorizedKey(options?: string): string;
}

export interface FidoAgent {
  socket: string;
  keys: FidoKey[];
  /** Every signature made, in order: key type and the counter it carried. */
  signed: { type: FidoKeyType; counter: number; flags: number }[];
  /** As if the key were not touched: flags without user presence (sshd then refuses, unless no-touch-required). */
  touch: boolean;
  /** As if the device were gone: SIGN_REQUEST answered with SSH_AGENT_FAILURE. */
  refuse: boolean;
  stop(): Promise<void>;
}

function makeKey(type: FidoKeyType, comment: string): { key: FidoKey; priv: KeyObject } {
  if (type === 'sk-ecdsa-sha2-nistp256@openssh.com') {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const blob = Buffer.concat([str(type), str('nistp256'), str(q), str(APPLICATION)]);
    return { key: fidoKey(type, blob, comment), priv: privateKey };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pk = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([str(type), str(pk), str(APPLICATION)]);
  return { key: fidoKey(type, blob, comment), priv: privateKey };
}

function fidoKey(type: FidoKeyType, blob: Buffer, comment: string): FidoKey {
  return {
    type,
    blob,
    comment,
    authorizedKey: (options) => `${options ? `${options} ` : ''}${type} ${blob.toString('base64')} ${comment}`,
  };
}

/** Listen on `dir`/fido-agent.sock with one key of each `types`. */
export async function startFidoAgent(dir: string, types: FidoKeyType[]): Promise<FidoAgent> {
  const socket = join(dir, 'fido-agent.sock');
  const held = types.map((t, i) => makeKey(t, `fido-${i}`));
  let counter = 0;
  const agent: FidoAgent = {
    socket,
    keys: held.map((h) => h.key),
    signed: [],
    touch: true,
    refuse: false,
    stop: () => new Promise((r) => server.close(() => (rmSync(socket, { force: true }), r()))),
  };

  const answer = (msg: Buffer): Buffer => {
    if (msg[0] === 11) {
      return Buffer.concat([
        Buffer.from([IDENTITIES_ANSWER]),
        u32(held.length),
        ...held.map((h) => Buffer.concat([str(h.key.blob), str(h.key.comment)])),
      ]);
    }
    if (msg[0] !== 13 || agent.refuse) return Buffer.from([FAILURE]);
    const blobLen = msg.readUInt32BE(1);
    const blob = msg.subarray(5, 5 + blobLen);
    const dataLen = msg.readUInt32BE(5 + blobLen);
    const data = msg.subarray(9 + blobLen, 9 + blobLen + dataLen);
    const h = held.find((k) => k.key.blob.equals(blob));
    if (!h) return Buffer.from([FAILURE]);
    const flags = agent.touch ? USER_PRESENT : 0;
    const count = ++counter;
    const signedData = Buffer.concat([sha256(APPLICATION), Buffer.from([flags]), u32(count), sha256(data)]);
    let sig: Buffer;
    if (h.key.type === 'sk-ecdsa-sha2-nistp256@openssh.com') {
      const rs = sign('sha256', signedData, { key: h.priv, dsaEncoding: 'ieee-p1363' });
      sig = Buffer.concat([mpint(rs.subarray(0, 32)), mpint(rs.subarray(32))]);
    } else {
      sig = sign(null, signedData, h.priv);
    }
    agent.signed.push({ type: h.key.type, counter: count, flags });
    const whole = Buffer.concat([str(h.key.type), str(sig), Buffer.from([flags]), u32(count)]);
    return Buffer.concat([Buffer.from([SIGN_RESPONSE]), str(whole)]);
  };

  const server: Server = createServer((conn: Socket) => {
    let got = Buffer.alloc(0);
    conn.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      while (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) {
        const len = got.readUInt32BE(0);
        conn.write(str(answer(got.subarray(4, 4 + len))));
        got = got.subarray(4 + len);
      }
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return agent;
}

// FIDO (security-key, `-sk`) login keys through ssh-agent. ssh2 1.17 cannot use them
// (mscdex/ssh2#1206): its agent client drops every key type it cannot parse, and its publickey
// request writes a signature as `string algo, string sig`, while an sk signature carries two more
// fields after the sig (OpenSSH PROTOCOL.u2f: `string algo, string sig, byte flags, uint32
// counter`). Neither needs the device on this side: the agent (and its authenticator) signs, sshd
// verifies. So this agent hands ssh2 sk keys as opaque keys, asks ssh-agent itself for their
// signatures, and the one wrapper of ssh2's `authPK` below writes them in full. The plain keys go
// through ssh2's own agent client unchanged.
import { createRequire } from 'node:module';
import ssh2, { type ParsedKey } from 'ssh2';
import { agentRequest, readString, requestIdentities, SK_TYPES, sshString } from './agent-keys.ts';
import { fingerprint } from './host-key.ts';
import { trace } from './trace.ts';

const SIGN_REQUEST = 13;
const SIGN_RESPONSE = 14;

type Callback<T> = (err: Error | undefined, value?: T) => void;

/** ssh2 takes as parsed a key whose private mark (a Symbol) is a boolean: read it off one it parsed. */
const PARSED = ((): symbol => {
  const probe = ssh2.utils.parseKey(
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH',
  ) as ParsedKey;
  const mark = Object.getOwnPropertySymbols(probe).find(
    (s) => typeof (probe as unknown as Record<symbol, unknown>)[s] === 'boolean',
  );
  if (!mark) throw new Error('ssh2 changed how it marks a parsed key: FIDO keys cannot be offered');
  return mark;
})();

/** An agent-held FIDO key as ssh2 handles keys: its type and public blob; the agent signs. */
export class SkKey {
  readonly comment: string;
  constructor(
    readonly type: string,
    private readonly blob: Buffer,
    comment: string,
  ) {
    this.comment = comment;
    (this as unknown as Record<symbol, boolean>)[PARSED] = false;
  }
  getPublicSSH(): Buffer {
    return this.blob;
  }
  isPrivateKey(): boolean {
    return false;
  }
  get fingerprint(): string {
    return fingerprint(this.blob);
  }
}

/** One SIGN_REQUEST to the agent (draft-miller-ssh-agent 4.5): the whole signature blob back. */
export async function agentSign(socket: string, key: Buffer, data: Buffer): Promise<Buffer> {
  const flags = Buffer.alloc(4);
  const answer = await agentRequest(
    socket,
    Buffer.concat([Buffer.from([SIGN_REQUEST]), sshString(key), sshString(data), flags]),
    0, // a FIDO key waits for its touch: no deadline here, the login's own bounds it
  );
  if (answer[0] !== SIGN_RESPONSE) throw new Error('ssh-agent refused to sign (was the security key touched?)');
  return readString(answer, 1)[0];
}

/**
 * What ssh2's client reads an agent through (`getIdentities`, `sign`), with FIDO keys kept: the
 * agent's keys in its order, plain ones parsed by ssh2, `sk-` ones as {@link SkKey}.
 */
export class FidoAwareAgent extends ssh2.BaseAgent {
  private readonly plain: ssh2.OpenSSHAgent;
  constructor(
    readonly socket: string,
    private readonly host: string,
  ) {
    super();
    this.plain = new ssh2.OpenSSHAgent(socket);
  }

  override getIdentities(cb: Callback<ParsedKey[]>): void {
    requestIdentities(this.socket, 5000).then(
      (ids) => {
        const keys: ParsedKey[] = [];
        for (const { type, blob, comment } of ids) {
          // ssh2 only reads a key's type and public blob until it asks this agent to sign
          if (SK_TYPES.has(type)) keys.push(new SkKey(type, blob, comment) as unknown as ParsedKey);
          else {
            const parsed = ssh2.utils.parseKey(blob);
            if (!(parsed instanceof Error)) keys.push(parsed as ParsedKey); // a certificate: ssh2 cannot
          }
        }
        cb(undefined, keys);
      },
      (err: Error) => cb(err),
    );
  }

  override sign(key: string | Buffer | ParsedKey, data: Buffer, options: unknown, cb?: Callback<Buffer>): void {
    const done = (typeof options === 'function' ? options : cb) as Callback<Buffer>;
    if (!(key instanceof SkKey)) {
      this.plain.sign(key, data, (typeof options === 'function' ? {} : options) as never, done as never);
      return;
    }
    trace(this.host, `confirm user presence for key ${key.type} ${key.fingerprint} (touch the security key)`, 0);
    agentSign(this.socket, key.getPublicSSH(), data).then(
      (blob) => done(undefined, blob),
      (err: Error) => done(err),
    );
  }
}

interface Ssh2Protocol {
  authPK(user: string, key: unknown, algo?: unknown, sign?: unknown): void;
  _packetRW: { write: { allocStart: number; finalize(packet: Buffer, force?: boolean): Buffer } };
}
type Signer = (data: Buffer, cb: (signature: Buffer) => void) => void;

let patched = false;

/**
 * Teach ssh2's publickey request to carry an sk signature whole. ssh2 writes `uint32 total,
 * string algo, uint32 len, sig`: handed `sig || flags || counter` as the signature, every byte
 * and the total are already right and only `len` must become the sig's own length; that one field
 * is set in the finished packet, after checking the packet is laid out as expected.
 */
export function enableFidoSignatures(): void {
  if (patched) return;
  patched = true;
  const Protocol = createRequire(import.meta.url)('ssh2/lib/protocol/Protocol.js') as {
    prototype: Ssh2Protocol;
  };
  const authPK = Protocol.prototype.authPK;
  Protocol.prototype.authPK = function (this: Ssh2Protocol, user, key, algo, sign) {
    const signer = (typeof algo === 'function' ? algo : sign) as Signer | undefined;
    if (!(key instanceof SkKey) || !signer) return authPK.call(this, user, key, algo, sign);
    authPK.call(this, user, key, key.type, (data: Buffer, cb: (signature: Buffer) => void) =>
      signer(data, (blob) => {
        // blob: string algo, string sig, byte flags, uint32 counter
        const [, afterAlgo] = readString(blob, 0);
        const [sig] = readString(blob, afterAlgo);
        const rest = blob.subarray(afterAlgo + 4); // sig || flags || counter
        const writer = this._packetRW.write;
        const finalize = writer.finalize;
        writer.finalize = function (packet: Buffer, force?: boolean) {
          writer.finalize = finalize;
          const userLen = Buffer.byteLength(user);
          const algoLen = Buffer.byteLength(key.type);
          const pubLen = key.getPublicSSH().length;
          const payload = 1 + 4 + userLen + 4 + 14 + 4 + 9 + 1 + 4 + algoLen + 4 + pubLen + 4 + 4 + algoLen;
          const at = writer.allocStart + payload;
          if (packet.readUInt32BE(at) !== rest.length || !packet.subarray(at + 4, at + 4 + rest.length).equals(rest))
            throw new Error('ssh2 changed its publickey request layout: cannot sign with a FIDO key');
          packet.writeUInt32BE(sig.length, at);
          return finalize.call(this, packet, force);
        };
        cb(rest);
      }),
    );
  };
}

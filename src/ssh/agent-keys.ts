// What ssh-agent holds, read with the agent protocol's REQUEST_IDENTITIES (draft-miller-ssh-agent):
// ssh2 silently drops the keys it cannot parse (certificates), so -v and a failed login can name
// them instead of leaving the user to guess why their key was never offered. FIDO `sk-` keys are
// offered through fido-agent.ts.
import { connect } from 'node:net';
import { fingerprint } from './host-key.ts';

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;

/** The FIDO key types of OpenSSH (PROTOCOL.u2f), which sshd accepts by default since 8.2. */
export const SK_TYPES: ReadonlySet<string> = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ssh-ed25519@openssh.com',
]);

/** The key types the tool can offer from an agent: ssh2 1.17's plain types, and FIDO keys. */
const USABLE = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  ...SK_TYPES,
]);

export interface AgentKey {
  type: string;
  fingerprint: string;
  comment: string;
  blob: Buffer;
}

/** `string` of the SSH wire format (RFC 4251 5): a uint32 length, then the bytes. */
export function sshString(b: Buffer | string): Buffer {
  const body = Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** The `string` at `at`, and where the next field starts. */
export function readString(buf: Buffer, at: number): [Buffer, number] {
  if (at + 4 > buf.length) throw new Error('agent answer truncated');
  const len = buf.readUInt32BE(at);
  if (at + 4 + len > buf.length) throw new Error('agent answer truncated');
  return [buf.subarray(at + 4, at + 4 + len), at + 4 + len];
}

/** Parse an IDENTITIES_ANSWER message body (after the length): type byte, count, (blob, comment)*. */
export function parseIdentities(msg: Buffer): AgentKey[] {
  if (msg[0] !== IDENTITIES_ANSWER) throw new Error(`agent answered message type ${msg[0]}, not identities`);
  const count = msg.readUInt32BE(1);
  const keys: AgentKey[] = [];
  let at = 5;
  for (let i = 0; i < count; i++) {
    const [blob, next] = readString(msg, at);
    const [comment, after] = readString(msg, next);
    at = after;
    keys.push({
      type: readString(blob, 0)[0].toString('latin1'),
      fingerprint: fingerprint(blob),
      comment: comment.toString(),
      blob: Buffer.from(blob),
    });
  }
  return keys;
}

/**
 * One request to the agent at `socket` (its message body, without the length) and the body of its
 * answer; `timeoutMs` 0 waits as long as the agent takes (a FIDO key waiting for its touch).
 */
export function agentRequest(socket: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let got = Buffer.alloc(0);
    const finish = (err: Error | undefined, answer?: Buffer) => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer =
      timeoutMs > 0 ? setTimeout(() => finish(new Error('ssh-agent did not answer')), timeoutMs) : undefined;
    s.on('connect', () => s.write(sshString(body)));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0))
        finish(undefined, got.subarray(4, 4 + got.readUInt32BE(0)));
    });
    s.on('error', (err) => finish(new Error(`cannot reach ssh-agent at ${socket}: ${err.message}`)));
    s.on('close', () => finish(new Error('ssh-agent closed the connection without an answer')));
  });
}

/** Every key the agent holds, in its order; rejects when it cannot be asked. */
export async function requestIdentities(socket: string, timeoutMs: number): Promise<AgentKey[]> {
  return parseIdentities(await agentRequest(socket, Buffer.from([REQUEST_IDENTITIES]), timeoutMs));
}

/** The agent's keys, or [] when it cannot be asked (no socket, no answer within `timeoutMs`). */
export async function agentKeys(socket: string, timeoutMs = 2000): Promise<AgentKey[]> {
  return requestIdentities(socket, timeoutMs).catch(() => []);
}

/** The agent's keys the tool never offers, as `TYPE SHA256:… comment`; empty when none. */
export function unusableAgentKeys(keys: readonly AgentKey[]): string[] {
  return keys
    .filter((k) => !USABLE.has(k.type))
    .map((k) => `${k.type} ${k.fingerprint}${k.comment ? ` ${k.comment}` : ''}`);
}

/** For a failed login: what the agent holds that was never offered, or '' when nothing. */
export async function agentHint(socket: string | undefined): Promise<string> {
  if (!socket) return '';
  const skipped = unusableAgentKeys(await agentKeys(socket));
  if (skipped.length === 0) return '';
  return (
    `; ssh-agent also holds keys this tool cannot offer (its SSH library cannot use certificates): ` +
    `${skipped.join(', ')}; see docs/troubleshooting.md`
  );
}

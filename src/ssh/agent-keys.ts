// What ssh-agent holds, read with the agent protocol's REQUEST_IDENTITIES (draft-miller-ssh-agent):
// ssh2 silently drops the keys it cannot parse (FIDO `sk-` keys, certificates), so -v and a failed
// login can name them instead of leaving the user to guess why their key was never offered.
import { connect } from 'node:net';
import { fingerprint } from './host-key.ts';

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;

/** The key types ssh2 1.17 can offer from an agent (its keyParser's plain types). */
const USABLE = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

export interface AgentKey {
  type: string;
  fingerprint: string;
  comment: string;
}

function readString(buf: Buffer, at: number): [Buffer, number] {
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
    });
  }
  return keys;
}

/** The agent's keys, or [] when it cannot be asked (no socket, no answer within `timeoutMs`). */
export function agentKeys(socket: string, timeoutMs = 2000): Promise<AgentKey[]> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let got = Buffer.alloc(0);
    const done = (keys: AgentKey[]) => (clearTimeout(timer), s.destroy(), resolve(keys));
    const timer = setTimeout(() => done([]), timeoutMs);
    s.on('connect', () => s.write(Buffer.from([0, 0, 0, 1, REQUEST_IDENTITIES])));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
      try {
        done(parseIdentities(got.subarray(4, 4 + got.readUInt32BE(0))));
      } catch {
        done([]);
      }
    });
    s.on('error', () => done([]));
  });
}

/** The agent's keys the SSH library never offers, as `TYPE SHA256:… comment`; empty when none. */
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
    `; ssh-agent also holds keys this tool cannot offer (its SSH library cannot use FIDO/-sk keys or certificates): ` +
    `${skipped.join(', ')}; see docs/troubleshooting.md`
  );
}

// A real OpenSSH ssh-agent for tests, and a FIDO (sk-ssh-ed25519) key file to load into it: the
// agent lists it, but with its made-up key handle and no device it can never sign.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sshString as str } from '../../src/ssh/agent-keys.ts';

/**
 * An OpenSSH private key file for an sk-ssh-ed25519 key (PROTOCOL.u2f): what `ssh-keygen -t
 * ed25519-sk` writes, with a made-up key handle. ssh-add loads it; only signing needs the device.
 */
export function skKeyFile(file: string): void {
  const type = 'sk-ssh-ed25519@openssh.com';
  const pub = Buffer.concat([str(type), str(Buffer.alloc(32, 7)), str('ssh:')]);
  const check = Buffer.from([1, 2, 3, 4, 1, 2, 3, 4]);
  let priv = Buffer.concat([
    check,
    str(type),
    str(Buffer.alloc(32, 7)),
    str('ssh:'),
    Buffer.from([1]),
    str(Buffer.alloc(64, 9)),
    str(''),
    str('fido-key'),
  ]);
  for (let i = 1; priv.length % 8; i++) priv = Buffer.concat([priv, Buffer.from([i])]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const raw = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    count,
    str(pub),
    str(priv),
  ]);
  const b64 = raw.toString('base64').replace(/.{70}/g, '$&\n');
  writeFileSync(file, `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`, {
    mode: 0o600,
  });
}

export interface TestAgent {
  socket: string;
  add(keyFile: string): void;
  stop(): void;
}

/** `ssh-agent -D` on a socket in `dir`, ready when this resolves. */
export async function startAgent(dir: string): Promise<TestAgent> {
  const socket = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(socket)) throw new Error(`ssh-agent did not create ${socket}`);
  const env = { ...process.env, SSH_AUTH_SOCK: socket };
  return {
    socket,
    add: (keyFile) => void execFileSync('ssh-add', [keyFile], { env, stdio: 'ignore' }),
    stop: () => void agent.kill(),
  };
}

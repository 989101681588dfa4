// Which credentials to offer: the inventory's identityFile, else ssh-agent, else the default keys.
// The passphrase comes from SSH_KEY_PASSPHRASE only and never appears in a message.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { AgentAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { ToolError } from '../errors.ts';
import type { SshSpec } from '../inventory/types.ts';
import { fingerprint } from './host-key.ts';
import { enableFidoSignatures, FidoAwareAgent } from './fido-agent.ts';

export type AuthMethod = PublicKeyAuthMethod | AgentAuthMethod;

/** What -v says of each method offered: the agent's socket, or a key file with its fingerprint. */
const labels = new WeakMap<AuthMethod, string>();

export function describeAuth(m: AuthMethod): string {
  return labels.get(m) ?? m.type;
}

/** `~/.ssh/id_ed25519 (ssh-ed25519 SHA256:…)` from the public key beside it (`.pub`), if there is one. */
function keyLabel(file: string): string {
  try {
    const [type, blob] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
    if (type && blob) return `${file} (${type} ${fingerprint(Buffer.from(blob, 'base64'))})`;
  } catch {
    // no public half beside it: the path alone says which key
  }
  return file;
}

export interface AuthEnv {
  SSH_AUTH_SOCK?: string;
  SSH_KEY_PASSPHRASE?: string;
  HOME?: string;
}

/** True for a private key that needs a passphrase (OpenSSH format with a cipher, or encrypted PEM). */
export function isEncryptedKey(text: string): boolean {
  if (/Proc-Type:\s*4,ENCRYPTED/.test(text) || text.includes('BEGIN ENCRYPTED PRIVATE KEY')) return true;
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return false;
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (raw.subarray(0, magic.length).toString('latin1') !== magic) return false;
  const len = raw.readUInt32BE(magic.length);
  return raw.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1') !== 'none';
}

/**
 * `configFiles`: IdentityFile entries of ~/.ssh/config for this host, offered after the agent in
 * place of the default keys (a missing or locked one is skipped, as ssh does).
 */
export async function authMethods(
  host: string,
  ssh: SshSpec,
  env: AuthEnv = process.env,
  configFiles: readonly string[] = [],
): Promise<AuthMethod[]> {
  const username = ssh.user;
  const passphrase = env.SSH_KEY_PASSPHRASE || undefined;
  const keyMethod = (file: string, key: string): PublicKeyAuthMethod => {
    const m: PublicKeyAuthMethod =
      passphrase === undefined
        ? { type: 'publickey', username, key }
        : { type: 'publickey', username, key, passphrase };
    labels.set(m, keyLabel(file));
    return m;
  };

  if (ssh.identityFile) {
    let key: string;
    try {
      key = await readFile(ssh.identityFile, 'utf8');
    } catch (err) {
      throw new ToolError('connect', `cannot read identity file ${ssh.identityFile}: ${(err as Error).message}`, {
        host,
        cause: err,
      });
    }
    if (isEncryptedKey(key) && passphrase === undefined) {
      throw new ToolError(
        'connect',
        `identity file ${ssh.identityFile} is encrypted: set SSH_KEY_PASSPHRASE or load it into ssh-agent`,
        { host },
      );
    }
    return [keyMethod(ssh.identityFile, key)];
  }

  const methods: AuthMethod[] = [];
  if (env.SSH_AUTH_SOCK) {
    enableFidoSignatures();
    const agent: AgentAuthMethod = { type: 'agent', username, agent: new FidoAwareAgent(env.SSH_AUTH_SOCK, host) };
    labels.set(agent, `ssh-agent ${env.SSH_AUTH_SOCK} (its keys, in its order)`);
    methods.push(agent);
  }
  const home = env.HOME || homedir();
  const files = configFiles.length ? configFiles : ['id_ed25519', 'id_rsa'].map((f) => join(home, '.ssh', f));
  for (const path of files) {
    const key = await readFile(path, 'utf8').catch(() => undefined);
    // An encrypted default key without a passphrase cannot be used: skip it, like ssh in BatchMode.
    if (key !== undefined && !(isEncryptedKey(key) && passphrase === undefined)) methods.push(keyMethod(path, key));
  }
  if (methods.length === 0) {
    throw new ToolError(
      'connect',
      `no SSH credentials: set ssh.identityFile, start ssh-agent (SSH_AUTH_SOCK), or create ${join(home, '.ssh', 'id_ed25519')}`,
      { host },
    );
  }
  return methods;
}

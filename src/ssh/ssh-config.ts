// ~/.ssh/config, as OpenSSH reads it for `ssh <address>` (parsed by the maintained ssh-config
// package): HostName, User, Port, IdentityFile, IdentityAgent, ProxyJump chains and ProxyCommand.
// What the inventory says wins; the config fills in only what it leaves out.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { ToolError } from '../errors.ts';
import type { HostSpec, SshSpec } from '../inventory/types.ts';
import { expandProxyCommand } from './proxy-command.ts';

export type SshConfig = SSHConfig;

/** One hop or the target, with the config applied. */
export interface Endpoint {
  /** What the user wrote (the alias), for messages. */
  alias: string;
  address: string;
  port: number;
  user: string;
}

export interface Effective extends Endpoint {
  /** Jump hosts in order, the first reached directly. */
  jumps: Endpoint[];
  /** Key files from the config (tilde expanded), when the inventory names none. */
  identityFiles: string[];
  /** The agent socket: the config's IdentityAgent (null: `none`), else SSH_AUTH_SOCK. */
  agent: string | null | undefined;
  /** The config's ProxyCommand, tokens expanded (never beside jumps). */
  proxyCommand?: string;
}

/** The parsed config, or undefined when the file does not exist. */
export async function readSshConfig(file: string): Promise<SshConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ToolError('connect', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return SSHConfig.parse(text);
  } catch (err) {
    throw new ToolError('connect', `cannot parse ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const tilde = (p: string, home: string) => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);

function lookup(config: SshConfig | undefined, alias: string): Record<string, string | string[]> {
  return config ? config.compute(alias, { ignoreCase: true }) : {};
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** `[user@]host[:port]`, with `[v6addr]:port` for IPv6; user and port only when written. */
function parseHop(spec: string): { user?: string; address: string; port?: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  if (!m || (port !== undefined && (port < 1 || port > 65535)))
    throw new Error(`invalid proxyJump ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  return { ...(m[1] && { user: m[1] }), address: m[2]!.replace(/^\[(.*)\]$/, '$1'), ...(port && { port }) };
}

/** One hop with OpenSSH's defaults: port 22, the given user. */
export function parseProxyJump(spec: string, defaultUser: string): { user: string; address: string; port: number } {
  const h = parseHop(spec);
  return { user: h.user ?? defaultUser, address: h.address, port: h.port ?? 22 };
}

/** A ProxyJump hop, its host looked up in the config as ssh does (what the hop writes wins). */
function hop(spec: string, config: SshConfig | undefined, fallbackUser: string): Endpoint {
  const h = parseHop(spec);
  const c = lookup(config, h.address);
  return {
    alias: h.address,
    address: one(c.hostname) ?? h.address,
    port: h.port ?? Number(one(c.port) ?? 22),
    user: h.user ?? one(c.user) ?? fallbackUser,
  };
}

/**
 * The config's ProxyCommand when it decides the route: OpenSSH keeps whichever of ProxyCommand and
 * ProxyJump it reads first (a later one is ignored), except that `ProxyJump none` yields to a
 * ProxyCommand (checked with `ssh -G`, OpenSSH 9.2). The config's keys are in the order read.
 */
function proxyCommandFirst(c: Record<string, string | string[]>): string | undefined {
  const command = one(c.proxycommand);
  const jump = one(c.proxyjump);
  if (command === undefined) return undefined;
  if (jump === undefined || jump.toLowerCase() === 'none') return command;
  const keys = Object.keys(c);
  return keys.indexOf('proxycommand') < keys.indexOf('proxyjump') ? command : undefined;
}

/**
 * Where and how to connect to `host`: the inventory's values where it gave them (`ssh.given`),
 * the config's for the rest, the inventory's defaults last. A host spec built in code (no
 * `given`) is used as it is.
 */
export function effective(host: HostSpec, config: SshConfig | undefined, home: string): Effective {
  const s: SshSpec = host.ssh;
  const given = new Set<string>(s.given ?? []);
  const c = s.given === undefined ? {} : lookup(config, host.address);
  const user = given.has('user') ? s.user : (one(c.user) ?? s.user);
  const command = given.has('proxyJump') ? undefined : proxyCommandFirst(c);
  const jumpSpec = given.has('proxyJump') ? s.proxyJump : command ? undefined : (one(c.proxyjump) ?? s.proxyJump);
  const agent = one(c.identityagent);
  const files = c.identityfile === undefined ? [] : [c.identityfile].flat();
  const address = one(c.hostname) ?? host.address;
  const port = given.has('port') ? s.port : Number(one(c.port) ?? s.port);
  const tokens = { host: address, alias: host.address, port, user };
  return {
    alias: host.address,
    address,
    port,
    user,
    ...(command && command.toLowerCase() !== 'none' && { proxyCommand: expandProxyCommand(command, tokens) }),
    jumps: !jumpSpec || jumpSpec.toLowerCase() === 'none' ? [] : jumpSpec.split(',').map((j) => hop(j, config, user)),
    identityFiles: given.has('identityFile')
      ? []
      : files.map((f) => tilde(f, home)).map((f) => (isAbsolute(f) ? f : join(home, f))),
    agent:
      agent === undefined
        ? undefined
        : agent.toLowerCase() === 'none'
          ? null
          : agent === 'SSH_AUTH_SOCK'
            ? undefined
            : tilde(agent, home),
  };
}

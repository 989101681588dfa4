// ProxyCommand from ~/.ssh/config, run as OpenSSH runs it: its tokens expanded, then
// `$SHELL -c "exec <command>"` (/bin/sh when SHELL is unset), its stdin/stdout the SSH stream.
// The command is the user's own shell text, so it goes through the shell as in ssh; what we put
// into it (%h, %n, %r) is checked first so a host or user name can never add shell syntax.

import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { trace } from './trace.ts';

export interface ProxyTokens {
  /** %h: the address after HostName. */
  host: string;
  /** %n: the name as the inventory wrote it (the alias). */
  alias: string;
  /** %p */
  port: number;
  /** %r */
  user: string;
}

/** The tokens OpenSSH's ProxyCommand accepts (ssh_config(5), TOKENS). */
const TOKENS = 'h n p r %';
// What a host or user name may hold: no whitespace, quotes or shell metacharacters.
const SAFE = /^[A-Za-z0-9._:@[\]+-]+$/;

/** The command with `%h %n %p %r %%` replaced; throws on another token or a value unsafe in a shell. */
export function expandProxyCommand(template: string, t: ProxyTokens): string {
  const value = (name: string, v: string): string => {
    if (!SAFE.test(v))
      throw new Error(
        `ProxyCommand ${JSON.stringify(template)}: ${name} ${JSON.stringify(v)} has characters a shell would interpret`,
      );
    return v;
  };
  return template.replace(/%(.?)/gs, (_, k: string) => {
    switch (k) {
      case 'h':
        return value('%h', t.host);
      case 'n':
        return value('%n', t.alias);
      case 'p':
        return String(t.port);
      case 'r':
        return value('%r', t.user);
      case '%':
        return '%';
      default:
        throw new Error(
          `ProxyCommand ${JSON.stringify(template)}: unknown token %${k} (supported: ${TOKENS.split(' ')
            .map((x) => `%${x}`)
            .join(' ')})`,
        );
    }
  });
}

export interface ProxyProcess {
  /** The command's stdout (read) and stdin (write), for ssh2's `sock`. */
  sock: Duplex;
  /** The last lines it wrote to stderr, for a failed connection's message. */
  stderr(): string;
  /** How it ended, once it has (`exit 1`, `signal SIGTERM`), else undefined. */
  ended(): string | undefined;
  /** Stop it (SIGTERM; the connection is over). */
  kill(): void;
}

const STDERR_KEEP = 2048;

/** Start the expanded command; `name` prefixes its -vv lines. */
export function spawnProxyCommand(command: string, env: NodeJS.ProcessEnv, name: string): ProxyProcess {
  const shell = env.SHELL || '/bin/sh';
  trace(name, `ProxyCommand: ${shell} -c ${JSON.stringify(`exec ${command}`)}`);
  const child = spawn(shell, ['-c', `exec ${command}`], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let end: string | undefined;
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-STDERR_KEEP);
    trace(name, `ProxyCommand stderr: ${d.toString().trimEnd()}`, 2);
  });
  child.on('exit', (code, signal) => (end = signal ? `signal ${signal}` : `exit ${code}`));
  // its stdout ending (exit, or no shell to start) is what tells the SSH layer the stream is over
  const sock = new Duplex({
    read: () => void child.stdout.resume(),
    // a write after the command exited is lost like one to a closed socket; the read side reports it
    write: (chunk: Buffer, _enc, done) => void child.stdin.write(chunk, () => done()),
    final: (done) => {
      child.stdin.end();
      done();
    },
  });
  child.stdin.on('error', () => undefined);
  child.stdout.on('data', (d: Buffer) => {
    if (!sock.push(d)) child.stdout.pause();
  });
  child.stdout.on('end', () => sock.push(null));
  child.on('error', (e) => {
    end = e.message;
    sock.push(null);
  });
  return {
    sock,
    stderr: () => err.trim().split('\n').slice(-3).join(' | '),
    ended: () => end,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

// -v / -vv: every remote command as it ran (quoted), its host, duration and exit code, and the
// keys offered at login; -vv adds each command's stdout and stderr. One switch, set by the CLI for
// the command it runs and read here at the SSH seam, so that every connection of every command
// traces without each call site passing it along. Secrets never reach the trace: passwords in
// URLs and the key passphrase are masked, stdin (uploaded content) is shown as a byte count only.
import type { HostSpec } from '../inventory/types.ts';
import { buildCommand } from './command.ts';
import type { ExecOptions, ExecResult, Transport } from './types.ts';

export interface TraceSink {
  /** 0: off, 1: commands, 2: commands and their output. */
  level: number;
  write(line: string): void;
}

const OFF: TraceSink = { level: 0, write: () => undefined };
let sink: TraceSink = OFF;

/** Sets the trace for what runs next; returns the previous one (the CLI restores it). */
export function configureTrace(next: TraceSink | undefined): TraceSink {
  const previous = sink;
  sink = next ?? OFF;
  return previous;
}

/** What -vv prints of one stream at most, per command. */
const OUTPUT_MAX = 8192;

/** `text` with URL passwords and the key passphrase masked (the CLI's sink strips terminal controls). */
export function redact(text: string, env: { SSH_KEY_PASSPHRASE?: string } = process.env): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+):[^/\s@'"]+@/gi, '$1:***@');
  const pass = env.SSH_KEY_PASSPHRASE;
  if (pass) out = out.split(pass).join('***');
  return out;
}

export function trace(host: string, message: string, level = 1): void {
  if (sink.level >= level) sink.write(`${host}: ${redact(message)}\n`);
}

export function traceLevel(): number {
  return sink.level;
}

/** The command line exactly as the transport sends it (before its pid-reporting wrapper). */
export function commandLine(spec: HostSpec, command: string[] | string, become: boolean | undefined): string {
  const ssh = spec.ssh;
  return buildCommand(command, { become: (become ?? true) && ssh.become && ssh.user !== 'root' });
}

const ms = (start: number) => `${Math.round(performance.now() - start)}ms`;

function outcome(r: ExecResult): string {
  return r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
}

function traceOutput(host: string, name: string, text: string): void {
  if (!text) return;
  const cut = text.length > OUTPUT_MAX ? `${text.slice(0, OUTPUT_MAX)}\n… (${text.length - OUTPUT_MAX} more)` : text;
  trace(host, `  ${name}:\n${cut.replace(/\n$/, '').replace(/^/gm, '    | ')}`, 2);
}

/** The transport, reporting each exec and upload to the trace (itself when the trace is off). */
export function traced(t: Transport, spec: HostSpec): Transport {
  if (sink.level === 0) return t;
  return {
    get host() {
      return t.host;
    },
    get stats() {
      return t.stats;
    },
    async exec(command: string[] | string, opts: ExecOptions = {}) {
      const line = commandLine(spec, command, opts.become);
      const stdin = opts.stdin === undefined ? '' : ` (stdin: ${Buffer.byteLength(opts.stdin)} bytes, not shown)`;
      const start = performance.now();
      try {
        const r = await t.exec(command, opts);
        trace(t.host, `$ ${line}${stdin} → ${outcome(r)} in ${ms(start)}`);
        traceOutput(t.host, 'stdout', r.stdout);
        traceOutput(t.host, 'stderr', r.stderr);
        return r;
      } catch (err) {
        trace(t.host, `$ ${line}${stdin} → failed in ${ms(start)}: ${(err as Error).message}`);
        throw err;
      }
    },
    async put(source, remotePath, opts) {
      const size = Buffer.isBuffer(source) ? `${source.length} bytes` : source.localPath;
      const mode = opts?.mode === undefined ? '' : `, mode ${opts.mode.toString(8).padStart(4, '0')}`;
      const start = performance.now();
      try {
        await t.put(source, remotePath, opts);
        trace(t.host, `put ${remotePath} (${size}${mode}) → ok in ${ms(start)}`);
      } catch (err) {
        trace(t.host, `put ${remotePath} (${size}${mode}) → failed in ${ms(start)}: ${(err as Error).message}`);
        throw err;
      }
    },
    async forward(remoteHost, remotePort, localPort) {
      const f = await t.forward(remoteHost, remotePort, localPort);
      trace(t.host, `forward 127.0.0.1:${f.localPort} → ${remoteHost}:${remotePort} (from the host)`);
      return f;
    },
    close: () => t.close(),
  };
}

// logs: the service journal (or the access log) of every selected host at once, each line prefixed
// by its host; --follow interleaves lines as they arrive. Ctrl-C ends a follow cleanly: the abort
// reaches each transport, which kills the remote process group, then the connections close.
// Memory stays bounded whatever the hosts write: lines are cut at 64 KiB, and while our stdout
// (a terminal, a pipe) is not draining, the hosts' SSH channels are paused instead of queueing.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { InputError, messageOf } from '../errors.ts';
import { onFleet } from '../runner/fleet.ts';
import { LineSplitter, drainGate, hostPrefix, logArgv, type LogOptions } from '../ops/logs.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { EXIT, positiveInt, selectHosts, withInventory, type Action, type Run } from './common.ts';

export interface LogsCommandOptions {
  hosts: string;
  limit?: string;
  forks: number;
  json: boolean;
  access: boolean;
  lines: number;
  since?: string;
  follow: boolean;
}

export function registerLogs(program: Command, run: Run): void {
  withInventory(program.command('logs'))
    .description("every host's envoy-k8s-proxy journal (or --access: the JSON access log), lines prefixed by host; -f follows")
    .option('-l, --limit <hosts>', 'only these hosts: names or globs, comma separated')
    .addOption(new Option('--forks <n>', 'hosts read in parallel (a follow reads every host at once)').default(16).argParser(positiveInt))
    .option('--access', 'the access log file instead of the journal', false)
    .addOption(new Option('-n, --lines <n>', 'lines per host').default(20).argParser(nonNegativeInt))
    .option('--since <time>', 'journal entries since this time (journalctl syntax: "10 min ago", "2025-01-01 12:00")')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C', false)
    .option('--json', 'one JSON object per line: {"host","stream","line"}', false)
    .action((o) => run(logsCommand as Action, o));
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, found "${v}"`);
  return n;
}

export async function logsCommand(o: LogsCommandOptions, signal?: AbortSignal): Promise<number> {
  if (o.since && o.access) throw new InputError('usage', [{ file: '--since', path: '', message: 'applies to the journal only, not to --access' }]);
  const { inv, hosts } = await selectHosts(o);
  const ac = new AbortController();
  signal?.addEventListener('abort', () => ac.abort(), { once: true });
  const onSigint = () => (ac.signal.aborted ? process.exit(EXIT.interrupted) : ac.abort());
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // the reader went away (`logs -f | head`): end the follow like Ctrl-C
  const onOutputError = () => ac.abort();
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  const stdoutDrained = drainGate(process.stdout);
  const stderrDrained = drainGate(process.stderr);
  const conns = new Connections((h, c) => connect(h, c), ac.signal);
  const lo: LogOptions = { access: o.access, lines: o.lines, since: o.since, follow: o.follow };
  const width = Math.max(...hosts.map((h) => h.name.length));
  const color = !o.json && !!process.stdout.isTTY && !process.env.NO_COLOR;
  const print = (host: string, i: number, stream: 'stdout' | 'stderr', line: string) => {
    const out = stream === 'stdout' ? process.stdout : process.stderr;
    out.write(o.json ? `${safeJson({ host, stream, line })}\n` : `${hostPrefix(host, i, width, color)}${safeText(line)}\n`);
  };
  try {
    const outcomes = await onFleet(hosts, conns, { forks: o.follow ? hosts.length : o.forks }, async (t, h) => {
      const i = hosts.indexOf(h);
      const out = new LineSplitter((l) => print(h.name, i, 'stdout', l));
      const err = new LineSplitter((l) => print(h.name, i, 'stderr', l));
      try {
        const r = await t.exec(logArgv(inv, lo), {
          onStdout: (c) => (out.push(c), stdoutDrained()),
          onStderr: (c) => (err.push(c), stderrDrained()),
          signal: ac.signal,
          // a follow runs until Ctrl-C: no command deadline
          ...(lo.follow ? { timeoutMs: 0 } : {}),
        });
        return r.code === 0;
      } catch (e) {
        if (ac.signal.aborted) return true; // the user ended the follow
        throw e;
      } finally {
        out.flush();
        err.flush();
      }
    });
    for (const r of outcomes) if (!r.ok) print(r.host.name, hosts.indexOf(r.host), 'stderr', `${r.unreachable ? 'unreachable' : 'failed'}: ${messageOf(r.error)}`);
    if (outcomes.some((r) => !r.ok && !r.unreachable) || outcomes.some((r) => r.ok && !r.value)) return EXIT.failed;
    if (outcomes.some((r) => !r.ok)) return EXIT.unreachable;
    return EXIT.ok;
  } finally {
    await conns.closeAll();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    process.stdout.off('error', onOutputError);
    process.stderr.off('error', onOutputError);
  }
}

// logs: the service journal (or the access log) of every selected host at once, each line prefixed
// by its host; --follow interleaves lines as they arrive. Ctrl-C ends a follow cleanly: the abort
// reaches each transport, which kills the remote process group, then the connections close.
// Memory stays bounded whatever the hosts write: lines are cut at 64 KiB, and while our stdout
// (a terminal, a pipe) is not draining, the hosts' SSH channels are paused instead of queueing.
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { messageOf, usageError } from '../errors.ts';
import { onFleet } from '../runner/fleet.ts';
import { LineSplitter, drainGate, hostPrefix, logArgv, type LogOptions } from '../ops/logs.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FORKS, HOSTS, JSON_OUT, LIMIT, nonNegativeInt, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandContext, type CommandSpec } from '../cli/spec.ts';

export interface LogsCommandOptions extends FleetOptions {
  access: boolean;
  lines: number;
  since?: string;
  follow: boolean;
}

export const logs: CommandSpec<LogsCommandOptions> = {
  name: 'logs',
  summary:
    "every host's envoy-k8s-proxy journal (or --access: the JSON access log), lines prefixed by host; -f follows",
  options: [
    HOSTS,
    LIMIT,
    // -f is --follow here
    { ...FORKS, flags: '--forks <n>', description: 'hosts read in parallel (a follow reads every host at once)' },
    { flags: '--access', description: 'the access log file instead of the journal', default: false },
    { flags: '-n, --lines <n>', description: 'lines per host', default: 20, parse: nonNegativeInt },
    {
      flags: '--since <time>',
      description: 'journal entries since this time (journalctl syntax: "10 min ago", "2025-01-01 12:00")',
    },
    { flags: '-f, --follow', description: 'keep printing new lines until Ctrl-C', default: false },
    { ...JSON_OUT, description: 'one JSON object per line: {"host","stream","line"}' },
  ],
  interrupt: 'end',
  action: logsAction,
};

async function logsAction(o: LogsCommandOptions, ctx: CommandContext): Promise<number> {
  if (o.since && o.access) throw usageError('--since', 'applies to the journal only, not to --access');
  const { inv, hosts } = await selectHosts(o);
  // Ctrl-C, or the reader going away (`logs -f | head`), ends the follow
  const ac = new AbortController();
  const stop = () => ac.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  process.stdout.on('error', stop);
  process.stderr.on('error', stop);
  const stdoutDrained = drainGate(process.stdout);
  const stderrDrained = drainGate(process.stderr);
  const conns = new Connections((h, c) => connect(h, c), ac.signal);
  const lo: LogOptions = { access: o.access, lines: o.lines, since: o.since, follow: o.follow };
  const width = Math.max(...hosts.map((h) => h.name.length));
  const color = !o.json && ctx.style.color;
  const print = (host: string, i: number, stream: 'stdout' | 'stderr', line: string) => {
    const out = stream === 'stdout' ? process.stdout : process.stderr;
    out.write(
      o.json ? `${safeJson({ host, stream, line })}\n` : `${hostPrefix(host, i, width, color)}${safeText(line)}\n`,
    );
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
    for (const r of outcomes)
      if (!r.ok)
        print(
          r.host.name,
          hosts.indexOf(r.host),
          'stderr',
          `${r.unreachable ? 'unreachable' : 'failed'}: ${messageOf(r.error)}`,
        );
    if (outcomes.some((r) => !r.ok && !r.unreachable) || outcomes.some((r) => r.ok && !r.value)) return EXIT.failed;
    if (outcomes.some((r) => !r.ok)) return EXIT.unreachable;
    return EXIT.ok;
  } finally {
    await conns.closeAll();
    ctx.signal.removeEventListener('abort', stop);
    process.stdout.off('error', stop);
    process.stderr.off('error', stop);
  }
}

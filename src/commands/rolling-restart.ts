// rolling-restart: batch by batch (--serial), each host drained (healthcheck/fail, wait, graceful
// listener drain), restarted and gated (active, LIVE, endpoints healthy) before the next; the first
// failure beyond --max-fail stops the run, and --resume continues it from the host that failed.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { InputError } from '../errors.ts';
import { parseDuration } from '../inventory/formats.ts';
import type { Inventory } from '../inventory/types.ts';
import { NothingToResume, runRolling, type RollingReport } from '../ops/rolling-run.ts';
import { formatRolling } from '../output/rolling.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { EXIT, percent, positiveInt, selectHosts, withFleet, type Action, type CommonOptions, type Run } from './common.ts';
import { onInterrupt } from './play.ts';

export interface RollingCommandOptions extends CommonOptions {
  serial?: { kind: 'count' | 'percent'; value: number };
  drain?: number;
  healthTimeout?: number;
  minHealthy?: number;
  maxFail?: number;
  resume?: boolean;
}

export function serialArg(v: string): { kind: 'count' | 'percent'; value: number } {
  const m = /^([1-9]\d*)(%?)$/.exec(v.trim());
  if (!m || (m[2] && Number(m[1]) > 100)) throw new InvalidArgumentError(`expected a host count (2) or a percentage (25%), found "${v}"`);
  return { kind: m[2] ? 'percent' : 'count', value: Number(m[1]) };
}

export function durationArg(v: string): number {
  const ms = parseDuration(v.trim());
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration such as 500ms, 5s, 1m30s, found "${v}"`);
  return ms;
}

/** Options shared by rolling-restart and restart (which rolls by default). */
export function withRolling(cmd: Command): Command {
  return cmd
    .option('--serial <n|n%>', 'hosts restarted at a time (default: inventory rolling.serial)', serialArg)
    .option('--drain <duration>', 'wait between healthcheck/fail and the restart (default: inventory rolling.drain)', durationArg)
    .option('--health-timeout <duration>', 'how long a restarted host may take to pass its gate (default: inventory rolling.healthTimeout)', durationArg)
    .addOption(new Option('--min-healthy <n>', 'healthy endpoints each cluster needs to pass the gate (default: inventory)').argParser(positiveInt))
    .option('--max-fail <percent>', 'failed or already-down hosts tolerated before stopping (default: inventory rolling.maxFailPercent)', percent);
}

export function registerRollingRestart(program: Command, run: Run): void {
  withRolling(withFleet(program.command('rolling-restart')))
    .description('restart hosts batch by batch, each drained first and gated on health before the next')
    .option('--resume', 'continue the last unfinished rolling restart of this inventory from the host that failed', false)
    .action((o) => run(rollingRestartCommand as Action, o));
}

export function rollingExitCode(r: RollingReport, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (r.ok) return EXIT.ok;
  const failedReachable = r.hosts.some((h) => (h.status === 'failed' || h.status === 'down-before-start') && !r.unreachable.includes(h.host));
  return failedReachable ? EXIT.failed : EXIT.unreachable;
}

export async function rollingRestartCommand(o: RollingCommandOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  return rollHosts(inv, hosts, o);
}

export async function rollHosts(inv: Inventory, hosts: Inventory['hosts'], o: RollingCommandOptions): Promise<number> {
  const intr = onInterrupt();
  const conns = new Connections((h, c) => connect(h, c), intr.signal);
  const log = (host: string, message: string) => void (o.json || process.stdout.write(`${host.padEnd(8)} ${safeText(message)}\n`));
  try {
    const report = await runRolling(inv, hosts, conns, {
      serial: o.serial ?? inv.rolling.serial,
      drainMs: o.drain ?? inv.rolling.drainMs,
      healthTimeoutMs: o.healthTimeout ?? inv.rolling.healthTimeoutMs,
      minHealthy: o.minHealthy ?? inv.rolling.minHealthyEndpoints,
      maxFailPercent: o.maxFail ?? inv.rolling.maxFailPercent,
      resume: !!o.resume,
      forks: o.forks,
      signal: intr.signal,
      log,
    }).catch((err: unknown) => {
      if (err instanceof NothingToResume) throw new InputError('usage', [{ file: '--resume', path: '', message: err.message }]);
      throw err;
    });
    if (o.json) process.stdout.write(`${safeJson({ inventory: inv.file, ...report }, 2)}\n`);
    else process.stdout.write(`\n${formatRolling(report, { color: !!process.stdout.isTTY && !process.env.NO_COLOR })}\n`);
    return rollingExitCode(report, intr.signal.aborted);
  } finally {
    await conns.closeAll();
    intr.dispose();
  }
}

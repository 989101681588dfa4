// rolling-restart: batch by batch (--serial), each host drained (healthcheck/fail, wait, graceful
// listener drain), restarted and gated (active, LIVE, endpoints healthy) before the next; the first
// failure beyond --max-fail stops the run, and --resume continues it from the host that failed.
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { usageError } from '../errors.ts';
import type { Inventory } from '../inventory/types.ts';
import { NothingToResume, runRolling, type RollingReport } from '../ops/rolling-run.ts';
import { formatRolling } from '../output/rolling.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, ROLLING, type RollingOptions } from '../cli/options.ts';
import { EXIT, type CommandContext, type CommandSpec } from '../cli/spec.ts';

export const rollingRestart: CommandSpec<RollingOptions> = {
  name: 'rolling-restart',
  summary: 'restart hosts batch by batch, each drained first and gated on health before the next',
  options: [
    ...FLEET,
    ...ROLLING,
    {
      flags: '--resume',
      description: 'continue the last unfinished rolling restart of this inventory from the host that failed',
      default: false,
    },
  ],
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectHosts(o);
    return rollHosts(ctx, inv, hosts, o);
  },
};

export function rollingExitCode(r: RollingReport): number {
  if (r.ok) return EXIT.ok;
  const failedReachable = r.hosts.some(
    (h) => (h.status === 'failed' || h.status === 'down-before-start') && !r.unreachable.includes(h.host),
  );
  return failedReachable ? EXIT.failed : EXIT.unreachable;
}

/** Also restart's way for more than one host. */
export async function rollHosts(
  ctx: CommandContext,
  inv: Inventory,
  hosts: Inventory['hosts'],
  o: RollingOptions,
): Promise<number> {
  const conns = new Connections((h, c) => connect(h, c), ctx.signal);
  const log = (host: string, message: string) =>
    void (o.json || process.stdout.write(`${host.padEnd(8)} ${safeText(message)}\n`));
  try {
    const report = await runRolling(inv, hosts, conns, {
      serial: o.serial ?? inv.rolling.serial,
      drainMs: o.drain ?? inv.rolling.drainMs,
      healthTimeoutMs: o.healthTimeout ?? inv.rolling.healthTimeoutMs,
      minHealthy: o.minHealthy ?? inv.rolling.minHealthyEndpoints,
      maxFailPercent: o.maxFail ?? inv.rolling.maxFailPercent,
      resume: !!o.resume,
      forks: o.forks,
      signal: ctx.signal,
      log,
    }).catch((err: unknown) => {
      if (err instanceof NothingToResume) throw usageError('--resume', err.message);
      throw err;
    });
    if (o.json) process.stdout.write(`${safeJson({ inventory: inv.file, ...report }, 2)}\n`);
    else process.stdout.write(`\n${formatRolling(report, ctx.style)}\n`);
    return rollingExitCode(report);
  } finally {
    await conns.closeAll();
  }
}

// Run roles over the selected hosts: connect (one SSH connection per host), run the play, report,
// and turn the outcome into an exit code. SIGINT stops cleanly: remote commands are ended, every
// file write is atomic, and the exit code says interrupted.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { runPlay } from '../runner/run.ts';
import type { Role, RunEvent, RunResult } from '../runner/types.ts';
import { createReporter } from '../output/reporter.ts';
import { EXIT } from './common.ts';

export interface PlayOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  json: boolean;
  maxFailPercent?: number;
}

export function onInterrupt(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl-C does not wait
    process.stderr.write('\ninterrupted: finishing the current step on each host, then stopping (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', handler), process.off('SIGTERM', handler)) };
}

export async function playRoles(
  inv: Inventory,
  hosts: HostSpec[],
  roles: Role[],
  o: PlayOptions,
  extra: { conns?: Connections; emit?: (e: RunEvent) => void } = {},
): Promise<{ result: RunResult; code: number }> {
  const intr = onInterrupt();
  const conns = extra.conns ?? new Connections((h, c) => connect(h, c), intr.signal);
  const reporter = createReporter({ json: o.json, diff: o.diff, hosts: hosts.map((h) => h.name) });
  try {
    const result = await runPlay(
      { inv, hosts, roles },
      { check: o.check, diff: o.diff, forks: o.forks, maxFailPercent: o.maxFailPercent ?? 100, signal: intr.signal, lock: true },
      conns,
      (e) => (reporter.event(e), extra.emit?.(e)),
    );
    await reporter.done(result, o.check);
    return { result, code: exitCode(result, intr.signal.aborted) };
  } finally {
    if (!extra.conns) await conns.closeAll();
    intr.dispose();
  }
}

export function exitCode(r: RunResult, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (r.recap.some((h) => h.failed > 0)) return EXIT.failed;
  if (r.recap.some((h) => h.unreachable)) return EXIT.unreachable;
  return EXIT.ok;
}

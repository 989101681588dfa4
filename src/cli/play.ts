// Run roles over the selected hosts: connect (one SSH connection per host), run the play, report,
// and turn the outcome into an exit code. Ctrl-C stops cleanly (ctx.signal): remote commands are
// ended, every file write is atomic, and the CLI exits 130.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { runPlay } from '../runner/run.ts';
import type { Gate, Role, RunEvent, RunResult, RunService } from '../runner/types.ts';
import { createReporter } from '../output/reporter.ts';
import { EXIT, type CommandContext } from './spec.ts';

export interface PlayOptions {
  forks: number;
  json: boolean;
  check?: boolean;
  diff?: boolean;
  maxFailPercent?: number;
  /** 0 nothing changed (or would), 2 something did, 1 any failure or unreachable host. */
  detailedExitcode?: boolean;
  gate?: Gate;
  /** Lives for the run (the seeds' release servers): closed at its end, before the connections. */
  service?: RunService;
}

export async function play(
  ctx: CommandContext,
  inv: Inventory,
  hosts: HostSpec[],
  roles: Role[],
  o: PlayOptions,
): Promise<number> {
  const check = !!o.check;
  const diff = !!o.diff;
  const conns = new Connections((h, c) => connect(h, c), ctx.signal);
  const reporter = createReporter({ json: o.json, diff, hosts: hosts.map((h) => h.name), color: ctx.style.color });
  const emit = (e: RunEvent) => {
    o.service?.event(e);
    reporter.event(e);
  };
  o.service?.attach(conns, emit);
  try {
    const result = await runPlay(
      { inv, hosts, roles },
      {
        check,
        diff,
        forks: o.forks,
        maxFailPercent: o.maxFailPercent ?? 100,
        signal: ctx.signal,
        lock: true,
        gate: o.gate,
      },
      conns,
      emit,
    );
    await reporter.done(result, check);
    return o.detailedExitcode ? detailedExitCode(result) : playExitCode(result);
  } finally {
    await o.service?.close();
    await conns.closeAll();
  }
}

export function playExitCode(r: RunResult): number {
  if (r.recap.some((h) => h.failed > 0)) return EXIT.failed;
  if (r.recap.some((h) => h.unreachable)) return EXIT.unreachable;
  return EXIT.ok;
}

/** Terraform's plan -detailed-exitcode: a pending change is 2, every failure 1 (the CLI keeps 130 for Ctrl-C). */
export function detailedExitCode(r: RunResult): number {
  if (playExitCode(r) !== EXIT.ok) return EXIT.failed;
  return r.recap.some((h) => h.changed > 0) ? EXIT.changes : EXIT.ok;
}

// restartPending: files the running Envoy read at start (bootstrap, unit, the `current` release)
// changed after it started — e.g. an earlier run was cut off between writing them and its restart.
// Plans nothing itself; it notifies the restart handler. Under hot restart the running Envoy is the
// newest epoch, younger than the unit's main process (the restarter): the files it reads are
// compared with that epoch's start (the restarter's epoch file), the unit with the main process'.
import { quote } from '../ssh/index.ts';
import { unitFact } from '../facts/system.ts';
import type { FactSpec } from '../facts/types.ts';
import { change, ok, type Handler, type Module, type TaskKey } from '../runner/types.ts';

/** The newest modification time among the paths (unix seconds), and which path it is. */
type Newest = { path: string; mtime: number } | undefined;

function newestFact(paths: string[]): FactSpec<Newest> {
  return {
    key: `newest:${paths.join(',')}`,
    script:
      // one stat for the paths there, without -L: a symlink's own time is when it was switched
      `set --; for p in ${paths.map(quote).join(' ')}; do if [ -e "$p" ] || [ -L "$p" ]; then set -- "$@" "$p"; fi; done; ` +
      `[ $# -eq 0 ] || stat -c '%Y %n' -- "$@"; true`,
    inline: true,
    parse(out) {
      let newest: Newest;
      for (const line of out.split('\n')) {
        const m = /^(\d+) (.+)$/.exec(line.trim());
        if (m && (!newest || Number(m[1]) > newest.mtime)) newest = { path: m[2]!, mtime: Number(m[1]) };
      }
      return newest;
    },
  };
}

export interface RestartPendingArgs {
  unit: string;
  /** What the running Envoy read when it started. */
  paths: string[];
  /** What the unit's main process read when it started (the unit file itself). */
  mainPaths?: string[];
  /** Rewritten as each hot restart epoch starts: its mtime is the running Envoy's start. */
  epochFile?: string;
  handler: Handler;
  unless?: TaskKey[];
}

export function restartPending(a: RestartPendingArgs): Module {
  const unit = unitFact(a.unit);
  const files = newestFact(a.paths);
  const mainFiles = a.mainPaths && newestFact(a.mainPaths);
  const epoch = a.epochFile && newestFact([a.epochFile]);
  return {
    // the unit's start time comes with the one systemctl of the round trip
    facts: () => [unit, files, ...(mainFiles ? [mainFiles] : []), ...(epoch ? [epoch] : [])],
    plan(ctx) {
      const u = ctx.facts.get(unit);
      // a run that (re)started the service here, or will through the handler, needs nothing more
      if (a.unless?.some((t) => ctx.changed.has(t))) return ok();
      // what `systemctl is-active` calls active
      const active = u.activeState === 'active' || u.activeState === 'reloading';
      if (!active || !u.execMainStartAt) return ok();
      const envoyStart = Math.max(u.execMainStartAt, (epoch && ctx.facts.get(epoch)?.mtime) || 0);
      const stale = [
        { newest: mainFiles && ctx.facts.get(mainFiles), since: u.execMainStartAt },
        { newest: ctx.facts.get(files), since: envoyStart },
      ].find((c) => c.newest && c.newest.mtime > c.since)?.newest;
      if (!stale) return ok();
      return change([], {
        notify: [a.handler],
        message: `${stale.path} changed after the running envoy started: restart`,
      });
    },
  };
}

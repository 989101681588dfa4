// restartPending: files the running Envoy read at start (bootstrap, unit, the `current` release)
// changed after it started — e.g. an earlier run was cut off between writing them and its restart.
// Plans nothing itself; it notifies the restart handler.
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

export function restartPending(a: { unit: string; paths: string[]; handler: Handler; unless?: TaskKey[] }): Module {
  const unit = unitFact(a.unit);
  const files = newestFact(a.paths);
  return {
    // the unit's start time comes with the one systemctl of the round trip
    facts: () => [unit, files],
    plan(ctx) {
      const u = ctx.facts.get(unit);
      const newest = ctx.facts.get(files);
      // a run that (re)started the service here, or will through the handler, needs nothing more
      if (a.unless?.some((t) => ctx.changed.has(t))) return ok();
      // what `systemctl is-active` calls active
      const active = u.activeState === 'active' || u.activeState === 'reloading';
      if (!active || !u.execMainStartAt || !newest || newest.mtime <= u.execMainStartAt) return ok();
      return change([], {
        notify: [a.handler],
        message: `${newest.path} changed after the running envoy started: restart`,
      });
    },
  };
}

// restartPending: files the running Envoy read at start (bootstrap, unit, the `current` release)
// changed after it started — e.g. an earlier run was cut off between writing them and its restart.
// Plans nothing itself; it notifies the restart handler.
import { quote } from '../ssh/index.ts';
import type { FactSpec } from '../facts/types.ts';
import { change, ok, type Handler, type Module, type TaskKey } from '../runner/types.ts';

interface StartFact {
  active: boolean;
  startedAt: number; // unix seconds of the main process's start, 0 when unknown
  newest: { path: string; mtime: number } | undefined;
}

function startFact(unit: string, paths: string[]): FactSpec<StartFact> {
  return {
    key: `restart-pending:${unit}:${paths.join(',')}`,
    script:
      // one systemctl for both properties (ActiveState=…, ExecMainStartTimestamp=@<unix>)
      `systemctl show -p ActiveState,ExecMainStartTimestamp --timestamp=unix ${quote(unit)}; ` +
      // stat without -L: a symlink's own time is when it was switched
      `for p in ${paths.map(quote).join(' ')}; do [ -e "$p" ] || [ -L "$p" ] && printf '%s %s\\n' "$(stat -c %Y "$p")" "$p"; done; true`,
    parse(out) {
      let newest: StartFact['newest'];
      let state = '';
      let started = '';
      for (const line of out.split('\n')) {
        const kv = /^(ActiveState|ExecMainStartTimestamp)=(.*)$/.exec(line.trim());
        if (kv) {
          if (kv[1] === 'ActiveState') state = kv[2]!;
          else started = kv[2]!;
          continue;
        }
        const m = /^(\d+) (.+)$/.exec(line.trim());
        if (m && (!newest || Number(m[1]) > newest.mtime)) newest = { path: m[2]!, mtime: Number(m[1]) };
      }
      // what `systemctl is-active` calls active
      const active = state === 'active' || state === 'reloading';
      return { active, startedAt: Number(/^@(\d+)/.exec(started)?.[1] ?? 0), newest };
    },
  };
}

export function restartPending(a: { unit: string; paths: string[]; handler: Handler; unless?: TaskKey[] }): Module {
  const fact = startFact(a.unit, a.paths);
  return {
    facts: () => [fact],
    plan(ctx) {
      const f = ctx.facts.get(fact);
      // a run that (re)started the service here, or will through the handler, needs nothing more
      if (a.unless?.some((t) => ctx.changed.has(t))) return ok();
      if (!f.active || !f.startedAt || !f.newest || f.newest.mtime <= f.startedAt) return ok();
      return change([], {
        notify: [a.handler],
        message: `${f.newest.path} changed after the running envoy started: restart`,
      });
    },
  };
}

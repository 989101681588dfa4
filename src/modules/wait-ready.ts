// waitReady: the unit is active and Envoy's admin /ready says LIVE, polled on the host itself in one
// round trip, bounded. A probe: check mode reports it without waiting.
import { unitFact } from '../facts/system.ts';
import { quote } from '../ssh/index.ts';
import { ok, probe, type Module, type TaskKey } from '../runner/types.ts';

export function waitReady(a: { unit: string; readyUrl: string; timeoutMs: number; after?: TaskKey }): Module {
  const fact = unitFact(a.unit);
  const secs = Math.ceil(a.timeoutMs / 1000);
  const u = quote(a.unit);
  return {
    facts: () => [fact],
    plan(ctx) {
      const cur = ctx.facts.get(fact);
      const justStarted = a.after !== undefined && ctx.changed.has(a.after);
      if (!justStarted && cur.activeState === 'active') return ok(`running since ${cur.activeEnterTimestamp || '?'}`);
      const script = [
        `end=$(( $(date +%s) + ${secs} ))`,
        'while :; do',
        `  r=$(curl -fsS --max-time 2 ${quote(a.readyUrl)} 2>&1)`,
        `  if systemctl is-active -q ${u} && [ "$r" = LIVE ]; then echo "ready after $(( ${secs} - (end - $(date +%s)) ))s"; exit 0; fi`,
        `  if [ "$(date +%s)" -ge "$end" ]; then echo "not ready after ${secs}s: unit is $(systemctl is-active ${u}), admin /ready: \${r:-no answer}" >&2; journalctl -u ${u} -n 5 --no-pager -o cat >&2; exit 1; fi`,
        '  sleep 0.3',
        'done',
      ].join('\n');
      return probe(
        [
          {
            kind: 'exec',
            action: `wait for ${a.unit} to be ready`,
            command: ['sh', '-c', script],
            timeoutMs: a.timeoutMs + 10_000,
          },
        ],
        'ready',
      );
    },
  };
}

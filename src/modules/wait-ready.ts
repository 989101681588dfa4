// waitReady: the unit is active and Envoy's admin /ready says LIVE, polled on the host itself in one
// round trip, bounded. Read-only, so it also runs in check mode when it has anything to check.
import { unitFact } from '../facts/system.ts';
import { quote } from '../ssh/quote.ts';
import type { Module } from '../runner/types.ts';

export function waitReady(a: { unit: string; readyUrl: string; timeoutMs: number; onlyAfter?: string }): Module {
  const fact = unitFact(a.unit);
  const secs = Math.ceil(a.timeoutMs / 1000);
  const u = quote(a.unit);
  return {
    facts: () => [fact],
    plan(ctx) {
      const cur = ctx.facts.get(fact);
      const justStarted = a.onlyAfter !== undefined && ctx.changed.has(a.onlyAfter);
      if (!justStarted && cur.activeState === 'active') return { steps: [], message: `running since ${cur.activeEnterTimestamp || '?'}` };
      if (ctx.check) return { steps: [], message: 'would wait until ready' };
      const script = [
        `end=$(( $(date +%s) + ${secs} ))`,
        'while :; do',
        `  r=$(curl -fsS --max-time 2 ${quote(a.readyUrl)} 2>&1)`,
        `  if systemctl is-active -q ${u} && [ "$r" = LIVE ]; then echo "ready after $(( ${secs} - (end - $(date +%s)) ))s"; exit 0; fi`,
        `  if [ "$(date +%s)" -ge "$end" ]; then echo "not ready after ${secs}s: unit is $(systemctl is-active ${u}), admin /ready: \${r:-no answer}" >&2; journalctl -u ${u} -n 5 --no-pager -o cat >&2; exit 1; fi`,
        '  sleep 0.3',
        'done',
      ].join('\n');
      return { steps: [{ kind: 'exec', action: `wait for ${a.unit} to be ready`, command: ['sh', '-c', script], timeoutMs: a.timeoutMs + 10_000 }], readOnly: true, message: 'ready' };
    },
  };
}

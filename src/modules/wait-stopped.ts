// waitStopped: after a stop, the unit is inactive (or failed) and its main process gone — polled on
// the host in one round trip, bounded. `systemctl stop` already waits for the job; this is the proof.
import { quote } from '../ssh/index.ts';
import { ok, probe, type Module, type TaskKey } from '../runner/types.ts';

export function waitStopped(a: { unit: string; timeoutMs: number; after: TaskKey }): Module {
  const secs = Math.ceil(a.timeoutMs / 1000);
  const u = quote(a.unit);
  return {
    facts: () => [],
    plan(ctx) {
      if (!ctx.changed.has(a.after)) return ok();
      const script = [
        `end=$(( $(date +%s) + ${secs} ))`,
        'while :; do',
        `  s=$(systemctl is-active ${u})`,
        `  if [ "$s" = inactive ] || [ "$s" = failed ]; then echo "$s"; exit 0; fi`,
        `  if [ "$(date +%s)" -ge "$end" ]; then echo "still $s after ${secs}s" >&2; exit 1; fi`,
        '  sleep 0.2',
        'done',
      ].join('\n');
      return probe(
        [
          {
            kind: 'exec',
            action: `wait for ${a.unit} to stop`,
            command: ['sh', '-c', script],
            timeoutMs: a.timeoutMs + 10_000,
          },
        ],
        'stopped',
      );
    },
  };
}

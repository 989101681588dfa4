// Handler: restart envoy-k8s-proxy where a binary, bootstrap or unit change needs it — rolling across
// the fleet, one batch at a time, each gated on health. Hosts whose service was first started in this
// very run already run the new config and are left alone.
import { taskKey, type Handler, type HandlerOutcome } from '../../src/runner/types.ts';
import { rollingRestart } from '../../src/ops/rolling.ts';
import { ALL_AT_ONCE } from '../../src/runner/batches.ts';

/** Changes only when it started a stopped unit: a daemon-reload or enable is not a fresh start. */
export const SERVICE_STARTED = taskKey('service running');

/** Marks a host the handler restarted in this run (a failed gate restarts it again on rollback). */
export const RESTARTED = taskKey('restarted by the handler');

/** Changed when `current` moved in this run: a failed gate switches it back. */
export const RELEASE_SWITCHED = taskKey('current release');

/** Changed when the config files were replaced in this run. */
export const CONFIG_WRITTEN = taskKey('envoy configuration');

/**
 * Either task had `envoy --mode validate` accept the live config with the binary `current` names
 * (the switch checks the config with the new release; the config task, after it, with `current`).
 */
const CHECKED_BY = [RELEASE_SWITCHED, CONFIG_WRITTEN];

export const restartHandler: Handler = {
  name: 'restart envoy-k8s-proxy',
  key: RESTARTED,
  async run({ inv, hosts, changed, conns, emit, signal, batched }) {
    const fresh = hosts.filter((h) => changed.get(h.name)?.has(SERVICE_STARTED));
    const todo = hosts.filter((h) => !fresh.includes(h));
    const out: Map<string, HandlerOutcome> = await rollingRestart(inv, todo, conns, {
      // a gated batch is rolling.serial's already: batching it again would split a "25%" batch in four
      serial: batched ? ALL_AT_ONCE : inv.rolling.serial,
      drainMs: inv.rolling.drainMs,
      healthTimeoutMs: inv.rolling.healthTimeoutMs,
      minHealthy: inv.rolling.minHealthyEndpoints,
      validated: new Set(todo.filter((h) => CHECKED_BY.some((k) => changed.get(h.name)?.has(k))).map((h) => h.name)),
      signal,
      log: (host, message) => emit({ kind: 'note', host, message }),
    });
    for (const h of fresh) out.set(h.name, { status: 'ok', message: 'started fresh in this run: no restart needed' });
    return out;
  },
};

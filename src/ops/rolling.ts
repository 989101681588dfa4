// Rolling restart: batches of hosts, each drained, restarted and gated on health before the next
// batch; the first failed gate stops the run and leaves the remaining hosts untouched.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/types.ts';
import { RemoteError } from '../errors.ts';
import { admin } from './admin.ts';
import { UNIT, waitHealthy } from './gate.ts';

export interface RollingOptions {
  serial: { kind: 'count' | 'percent'; value: number };
  drainMs: number;
  healthTimeoutMs: number;
  minHealthy: number;
  signal?: AbortSignal;
  log?: (host: string, message: string) => void;
}

export function batches<T>(items: T[], serial: RollingOptions['serial']): T[][] {
  const size = serial.kind === 'count' ? serial.value : Math.max(1, Math.floor((items.length * serial.value) / 100));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function restartOne(t: Transport, inv: Inventory, host: HostSpec, o: RollingOptions): Promise<string> {
  const log = (m: string) => o.log?.(host.name, m);
  const t0 = Date.now();
  const active = (await t.exec(['systemctl', 'is-active', UNIT])).stdout.trim() === 'active';
  if (active) {
    // Tell upstream checkers (and our own gate) to stop sending, then let open connections drain.
    const fail = await admin(t, inv, 'POST', '/healthcheck/fail');
    log(fail.ok ? 'healthcheck/fail set, draining' : `admin did not answer healthcheck/fail (${fail.status || fail.body}), restarting anyway`);
    await sleep(o.drainMs, o.signal);
    await admin(t, inv, 'POST', '/drain_listeners?graceful');
  } else {
    log('was not active: starting it');
  }
  const res = await t.exec(['systemctl', 'restart', UNIT]);
  if (res.code !== 0) throw new RemoteError(host.name, `restart ${UNIT}`, 'systemctl restart', res.code, res.stderr);
  const gate = await waitHealthy(t, inv, host, { timeoutMs: o.healthTimeoutMs, minHealthy: o.minHealthy, signal: o.signal });
  if (!gate.ok) throw new Error(gate.reason);
  return `restarted and healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
}

/** Outcome per host: a message, an Error for the host that failed, absent for hosts not reached. */
export async function rollingRestart(inv: Inventory, hosts: HostSpec[], transports: Map<string, Transport>, o: RollingOptions): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  for (const batch of batches(hosts, o.serial)) {
    if (o.signal?.aborted) break;
    await Promise.all(
      batch.map(async (h) => {
        const t = transports.get(h.name);
        if (!t) return void out.set(h.name, new Error(`${h.name}: not connected`));
        // an abort stops between batches: a host in hand is finished, restarted and gated
        out.set(h.name, await restartOne(t, inv, h, { ...o, signal: undefined }).catch((err: Error) => err));
      }),
    );
    if (batch.some((h) => out.get(h.name) instanceof Error)) break;
  }
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

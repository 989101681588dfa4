// Rolling restart: batches of hosts, each taken out of its checkers' rotation (health listener 503),
// drained until new connections stop, its config checked, then restarted and gated on health
// before the next batch; the first failure stops the run and leaves the remaining hosts untouched.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { Semaphore, type Transport } from '../ssh/index.ts';
import { RemoteError, ToolError } from '../errors.ts';
import { answered, curlSaid } from '../facts/admin.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact } from '../facts/system.ts';
import type { Connections } from '../runner/connections.ts';
import { batches, type Serial } from '../runner/batches.ts';
import { onFleet } from '../runner/fleet.ts';
import { adminPost } from './admin.ts';
import { waitHealthy } from './gate.ts';
import { healthOf, healthUrl, readyPeers, refusal, validateLive, waitQuiet } from './drain.ts';
import { handOverBeforeDrain } from './vip.ts';
import { coldReason, hotRestartOne } from './hot-restart.ts';
import { journalTail } from './journal.ts';
import { UNIT_NAME } from '../render/index.ts';

export { batches } from '../runner/batches.ts';
export { journalTail } from './journal.ts';

export interface RollingOptions {
  serial: Serial;
  drainMs: number;
  healthTimeoutMs: number;
  minHealthy: number;
  /** Keep going while failed hosts stay within this percent of `total` (default 0: stop at the first). */
  maxFailPercent?: number;
  /** The run's size for --max-fail (default: hosts.length); a resumed run counts the hosts done before. */
  total?: number;
  /** Hosts that count as failed already (down before the start). */
  alreadyFailed?: ReadonlySet<string>;
  signal?: AbortSignal;
  log?: (host: string, message: string) => void;
  /**
   * Between the last-ready check and failing the health listener: e.g. hand a VIP to a ready peer.
   * What it returns runs once the restart is over, whatever its outcome (the host rejoins VRRP).
   */
  beforeDrain?: (t: Transport, host: HostSpec) => Promise<(() => Promise<void>) | undefined | void>;
  /** After each host: persist progress (resume state), report. */
  onHostDone?: (host: string, outcome: string | Error) => Promise<void> | void;
  /** Set by rollingRestart: the stop-and-start restarts allowed at once across a batch. */
  coldSlots?: Semaphore;
  /**
   * Hosts whose live config this run has already had `envoy --mode validate` accept, by the binary
   * that will run it (a deploy's release switch or config task, moments before): not checked again.
   */
  validated?: ReadonlySet<string>;
}

/**
 * How many hosts of a batch may stop and start at once. A hot restart keeps every listening socket
 * and any number may run together; a cold one refuses connections until its host is back, and the
 * VIP hand-off moves the address to one ready peer at a time: with a VIP one host, else all but one
 * of the inventory's hosts, so a wide `serial` never stops the whole fleet.
 */
export function coldRestartsAtOnce(inv: Inventory): number {
  return inv.vip ? 1 : Math.max(1, inv.hosts.length - 1);
}

/**
 * A quiet window shorter than a checker's interval would end the wait before it saw the 503; at
 * most half the drain bound, so a short bound can still find it quiet.
 */
export const QUIET_MS = 1000;

export function quietWindow(drainMs: number): number {
  return Math.min(QUIET_MS, Math.floor(drainMs / 2));
}

export async function restartOne(t: Transport, inv: Inventory, host: HostSpec, o: RollingOptions): Promise<string> {
  const after: (() => Promise<void>)[] = [];
  try {
    return await restartSteps(t, inv, host, o, after);
  } finally {
    // last in, first out: the slot taken first is given back last
    for (const f of after.reverse())
      await f().catch((e: unknown) => o.log?.(host.name, e instanceof Error ? e.message : String(e)));
  }
}

async function restartSteps(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
  o: RollingOptions,
  after: (() => Promise<void>)[],
): Promise<string> {
  const log = (m: string) => o.log?.(host.name, m);
  const t0 = Date.now();
  const unit = unitFact(UNIT_NAME);
  // under hot restart the unit comes with the rest of what decides it, in one round trip
  const hot = inv.rolling.hotRestart ? await coldReason(t, inv) : undefined;
  const active = hot ? hot.active : (await readFacts(t, [unit])).get(unit)?.activeState === 'active';
  const notes: string[] = [];
  if (active && hot) {
    if ('epoch' in hot)
      return hotRestartOne(t, inv, host, {
        epoch: hot.epoch,
        validated: !!o.validated?.has(host.name),
        healthTimeoutMs: o.healthTimeoutMs,
        minHealthy: o.minHealthy,
        ...(o.signal && { signal: o.signal }),
      });
    log(`no hot restart (${hot.why}): stopped and started instead`);
  }
  if (active && o.coldSlots) {
    const busy = o.coldSlots.inUse >= o.coldSlots.limit;
    if (busy) log(`waits for its turn: at most ${o.coldSlots.limit} stop-and-start restart(s) at once`);
    const release = await o.coldSlots.acquire();
    after.push(async () => release()); // last: once the host rejoined VRRP
  }
  if (active) {
    await guardLastReady(t, inv, host, log);
    const rejoin = await o.beforeDrain?.(t, host);
    if (rejoin) after.push(rejoin);
    // Checkers polling the health listener see 503 from here on; new connections move to peers.
    const fail = await adminPost(t, inv, '/healthcheck/fail');
    if (!answered(fail))
      log(`admin did not answer healthcheck/fail (${fail.status || curlSaid(fail)}), restarting anyway`);
    const quietMs = quietWindow(o.drainMs);
    const q = await waitQuiet(t, inv, { boundMs: o.drainMs, quietMs, signal: o.signal });
    const waited = `${(q.waitedMs / 1000).toFixed(1)}s`;
    notes.push(q.quiet ? `drained in ${waited}` : `not quiet after ${waited}`);
    log(
      q.quiet
        ? `no new connection for ${quietMs} ms after ${waited} (${q.arrived} arrived meanwhile)`
        : `${q.arrived} new connections in ${waited}${q.why ? ` (${q.why})` : ''}: rolling.drain reached, going on`,
    );
    if (o.signal?.aborted) {
      await adminPost(t, inv, '/healthcheck/ok');
      throw new ToolError('interrupted', 'interrupted while draining: not restarted, health listener back to ok', {
        host: host.name,
      });
    }
    // Nothing has stopped yet: a config the binary refuses leaves the host serving as it was.
    const check = await validateLive(t, inv, o.validated?.has(host.name));
    if (!check.ok) {
      await adminPost(t, inv, '/healthcheck/ok');
      throw new ToolError(
        'remote',
        `envoy --mode validate refused the live config; not restarted, health listener back to ok: ${refusal(check.output)}`,
        { host: host.name },
      );
    }
    // Stop accepting: a connection accepted now would be cut by the stop a moment later, refused
    // its client goes to a peer at once. Established tcp_proxy connections stay until the stop
    // closes each with a FIN (a graceful drain would not close them either: Envoy docs, Draining).
    await adminPost(t, inv, '/drain_listeners');
  } else {
    log('was not active: starting it');
  }
  if (o.signal?.aborted)
    throw new ToolError('interrupted', 'interrupted before the restart (drained, not restarted)', { host: host.name });
  const res = await t.exec(['systemctl', 'restart', UNIT_NAME], { timeoutMs: o.healthTimeoutMs + 30_000 });
  if (res.code !== 0) {
    // systemctl only says "see journalctl": say what the journal says.
    const why = (await journalTail(t)) || res.stderr.split('\n')[0] || '';
    throw new RemoteError(host.name, `restart ${UNIT_NAME}`, 'systemctl restart', res.code, why);
  }
  // the hand-off and the drain may have used the whole bound on a loaded host: the health listener
  // still gets a few seconds after the gate passed to follow it
  const deadline = Math.max(t0 + o.healthTimeoutMs + o.drainMs, Date.now() + 5_000);
  const gate = await waitHealthy(t, inv, { timeoutMs: o.healthTimeoutMs, minHealthy: o.minHealthy, signal: o.signal });
  if (!gate.ok)
    throw new ToolError(
      'remote',
      `${gate.reason}${gate.reason.includes('unit is') ? ` — journal: ${await journalTail(t)}` : ''}`,
      { host: host.name },
    );
  if (inv.healthListener.enabled && !(await healthyAgain(t, inv, host, deadline, o.signal)))
    throw new ToolError('remote', `health listener ${healthUrl(inv, host)} does not answer 200 after the restart`, {
      host: host.name,
    });
  return `restarted and healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** Refuses to take down the last host that serves; a fleet of one has no choice and says so. */
async function guardLastReady(t: Transport, inv: Inventory, host: HostSpec, log: (m: string) => void): Promise<void> {
  if (inv.hosts.length === 1) {
    log('single-host fleet: no peer takes its traffic, clients are refused until it is back');
    return;
  }
  if (!inv.healthListener.enabled) {
    log("health listener off: peers' readiness unknown, not checked");
    return;
  }
  const [self] = await healthOf(t, inv, [host]);
  const peers = await readyPeers(t, inv, host);
  // A host that does not serve anyway may always be restarted: that can only bring it back.
  if (self && peers.length === 0) {
    // a firewall between the LB hosts reads the same: say where it asked
    const peer = inv.hosts.find((h) => h.name !== host.name)!;
    const asked = healthUrl(inv, peer);
    throw new ToolError(
      'remote',
      `not restarted: it is the last ready host (no peer health listener answers 200 from here, e.g. ${asked})`,
      { host: host.name },
    );
  }
  log(`ready peers: ${peers.join(', ') || 'none'}`);
}

async function healthyAgain(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
  deadline: number,
  signal?: AbortSignal,
): Promise<boolean> {
  while (!signal?.aborted) {
    if ((await healthOf(t, inv, [host]))[0]) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Outcome per host: a message, an Error for the host that failed, absent for hosts not reached. */
export async function rollingRestart(
  inv: Inventory,
  hosts: HostSpec[],
  conns: Connections,
  o: RollingOptions,
): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  const failed = new Set(o.alreadyFailed ?? []);
  const total = o.total ?? hosts.length;
  const coldSlots = new Semaphore(coldRestartsAtOnce(inv));
  for (const batch of batches(hosts, o.serial)) {
    if (o.signal?.aborted) break;
    // the whole batch at once; an abort stops between batches: a host in hand is finished, restarted and gated
    await onFleet<string>(
      batch,
      conns,
      {
        forks: batch.length,
        async onDone(r) {
          const outcome = r.ok ? r.value : asError(r.error);
          out.set(r.host.name, outcome);
          if (!r.ok) failed.add(r.host.name);
          await o.onHostDone?.(r.host.name, outcome);
        },
      },
      (t, h) =>
        restartOne(t, inv, h, {
          ...o,
          coldSlots,
          signal: undefined,
          beforeDrain: o.beforeDrain ?? handOverBeforeDrain(inv, conns, o.log),
        }),
    );
    if ((failed.size * 100) / Math.max(1, total) > (o.maxFailPercent ?? 0)) break;
  }
  return out;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

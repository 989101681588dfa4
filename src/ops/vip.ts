// Who holds the VIP, read from each host: the address on its interface (what clients reach),
// keepalived's unit state and its last VRRP transition (what it believes). Used by status, doctor
// and the restart choreography: before a holder is drained, a ready peer must hold the VIP.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { readFacts } from '../facts/gather.ts';
import { ToolError } from '../errors.ts';
import { KEEPALIVED_UNIT, vipPriority, VRRP_INSTANCE } from '../render/keepalived.ts';
import type { Transport } from '../ssh/index.ts';
import { quote } from '../ssh/index.ts';
import type { Connections } from '../runner/connections.ts';
import { holdScript, rejoinScript, relayScript, releaseScript, unholdScript, unrelayScript } from './vip-release.ts';
import { adminPost } from './admin.ts';

export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'INIT';

export interface VipView {
  /** The VIP is configured on one of the host's interfaces other than lo: it answers ARP for it. */
  holds: boolean;
  /** `systemctl is-active keepalived`: active, inactive, failed… */
  keepalived: string;
  /** keepalived's last VRRP transition in its journal; null when it logged none. */
  vrrp: VrrpState | null;
}

const STATES = new Set<string>(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'INIT']);

export function vipFact(inv: Inventory): FactSpec<VipView> {
  const vip = inv.vip?.address ?? '';
  const instance = quote(`(${VRRP_INSTANCE})`);
  return {
    key: `vip:${vip}`,
    script:
      // every host carries the VIP on lo (served, never announced: render/vip-arp.ts); holding is the interface copy
      `if ip -o addr show to ${quote(vip)} | grep -v '^[0-9]*: lo ' | grep -q .; then echo holds; else echo free; fi; ` +
      `systemctl is-active ${quote(KEEPALIVED_UNIT)} 2>/dev/null || true; ` +
      `journalctl -u ${quote(KEEPALIVED_UNIT)} -o cat --no-pager -n 300 2>/dev/null | grep -F ${instance} | grep -oiE 'entering [a-z]+ state' | tail -n 1`,
    parse: parseVipView,
  };
}

export function parseVipView(out: string): VipView {
  const [where = '', active = '', last = ''] = out.replace(/^\n+/, '').split('\n');
  const state = /entering ([a-z]+) state/i.exec(last)?.[1]?.toUpperCase() ?? '';
  return {
    holds: where.trim() === 'holds',
    keepalived: active.trim() || 'unknown',
    vrrp: STATES.has(state) ? (state as VrrpState) : null,
  };
}

export async function observeVip(t: Transport, inv: Inventory): Promise<VipView> {
  const fact = vipFact(inv);
  const facts = await readFacts(t, [fact], { what: 'the VIP probe' });
  const v = facts.get(fact);
  if (!v) throw new ToolError('remote', 'the VIP probe did not answer', { host: t.host });
  return v;
}

/** A peer that can take the VIP: keepalived runs and waits as BACKUP (its track script passes). */
export const canTakeOver = (v: VipView | undefined): boolean =>
  v !== undefined && v.keepalived === 'active' && v.vrrp === 'BACKUP';

/**
 * Who holds the VIP among the hosts read, and whether that is a problem: two holders always are;
 * none only when every host of the inventory was read (`--limit` may have left the holder out).
 */
export function vipVerdict(
  views: { host: string; view?: VipView }[],
  o: { complete: boolean } = { complete: true },
): { holders: string[]; problem?: string } {
  const holders = views.filter((v) => v.view?.holds).map((v) => v.host);
  if (holders.length === 0 && o.complete)
    return { holders, problem: 'no host holds the VIP: clients of the VIP are refused' };
  if (holders.length > 1)
    return { holders, problem: `${holders.length} hosts hold the VIP (${holders.join(', ')}): VRRP split brain` };
  return { holders };
}

export interface HandOverOptions {
  /** Reads one host's view (observeVip over its connection in real runs). */
  observe(host: HostSpec): Promise<VipView>;
  /** Makes the holder give the VIP up, to one of `ready` (the peers waiting as BACKUP now). */
  release(ready: HostSpec[]): Promise<void>;
  /** Undoes `release` when no peer took the VIP: the holder serves again. */
  restore?(): Promise<void>;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type HandOver =
  { kind: 'not-holder' } | { kind: 'moved'; to: string; ms: number } | { kind: 'not-released'; why: string };

/**
 * Before `host` is drained: if it holds the VIP, release it and wait (bounded) until a ready peer
 * holds it and `host` no longer does. A peer that is coming back (a host restarted a moment ago
 * is eligible again after keepalived's `rise` polls) is waited for within the same bound; with
 * none ready by then it refuses, before releasing anything (restarting the last ready host would
 * leave the VIP with nobody). A release that fails (e.g. no nft on the host) is reported, not
 * fatal: keepalived moves the VIP once the health listener fails. A release that no peer follows
 * is undone (`restore`) before the error, so the host keeps serving.
 */
export async function handOverVip(host: HostSpec, peers: HostSpec[], o: HandOverOptions): Promise<HandOver> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const look = async (h: HostSpec) => ({ host: h, view: await o.observe(h).catch(() => undefined) });
  if (!(await o.observe(host)).holds) return { kind: 'not-holder' };
  const start = now();
  let ready = (await Promise.all(peers.map(look))).filter((p) => canTakeOver(p.view));
  while (ready.length === 0) {
    if (now() - start >= o.timeoutMs || o.signal?.aborted)
      throw new ToolError(
        'remote',
        `holds the VIP and no peer became ready to take it (keepalived BACKUP) within ${o.timeoutMs} ms: not releasing it`,
        { host: host.name },
      );
    await sleep(o.intervalMs ?? 100);
    ready = (await Promise.all(peers.map(look))).filter((p) => canTakeOver(p.view));
  }
  const t0 = now();
  try {
    await o.release(ready.map((p) => p.host));
  } catch (e) {
    return { kind: 'not-released', why: e instanceof Error ? e.message : String(e) };
  }
  for (;;) {
    if (o.signal?.aborted) {
      await o.restore?.().catch(() => undefined);
      throw new ToolError('interrupted', 'interrupted while handing the VIP over', { host: host.name });
    }
    // any peer may win the election, also one that became ready after the check above
    const [self, ...others] = await Promise.all([look(host), ...peers.map(look)]);
    const taker = others.find((p) => p.view?.holds);
    if (taker && self?.view && !self.view.holds) return { kind: 'moved', to: taker.host.name, ms: now() - t0 };
    if (now() - t0 >= o.timeoutMs) {
      await o.restore?.().catch(() => undefined);
      throw new ToolError(
        'remote',
        `released the VIP but no ready peer held it within ${o.timeoutMs} ms (still on ${self?.view?.holds ? host.name : 'no host'}); it takes part in VRRP again`,
        { host: host.name },
      );
    }
    await sleep(o.intervalMs ?? 100);
  }
}

/**
 * The peer the VIP goes to: the highest priority among those ready (VRRP's own choice, so a
 * `preempt` fleet does not move it again once the others are back), the first in the inventory
 * among equals.
 */
export function successor(ready: HostSpec[]): HostSpec {
  return ready.reduce((best, h) => (vipPriority(h) > vipPriority(best) ? h : best));
}

/**
 * handOverVip over a run's connections: the peers are the inventory's other hosts, the release is
 * the holder's releaseScript (new SYNs to the VIP dropped, then keepalived's track file: it leaves
 * VRRP at once), preceded by each peer's relay of the holder's connections (relayScript) and, on
 * every peer but the chosen successor, a hold out of VRRP (holdScript) lifted once the VIP moved;
 * undone by rejoinScript and unrelayScript. Without a VIP in the inventory there is nothing to hand over.
 */
export async function handOverVipOnFleet(
  inv: Inventory,
  host: HostSpec,
  conns: Connections,
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<HandOver> {
  // a fleet of one has no peer to take it: the VIP stays, clients wait for the restart
  if (!inv.vip || inv.hosts.length < 2) return { kind: 'not-holder' };
  const vip = inv.vip.address;
  // the dead-man rejoin: past the longest a restart may take (drain, then the health gate), with room
  const deadmanS = (inv.rolling.drainMs + inv.rolling.healthTimeoutMs) / 1000 + 60;
  // A peer whose session dropped earlier in the run (a failed upload, say) still runs keepalived
  // and may well be the one that takes the VIP: a connection of the hand-off's own is opened to
  // it, once, in the background (the run's shared one stays as it is). Until it is up the peer
  // reads as unknown; a host that is really gone never holds up the polls with connect attempts.
  const again = new Map<string, { t?: Transport; failed?: boolean }>();
  let ended = false;
  const observe = async (h: HostSpec): Promise<VipView> => {
    const fresh = again.get(h.name);
    if (fresh && !fresh.t)
      throw new ToolError('connect', fresh.failed ? 'reconnect failed' : 'reconnecting', { host: h.name });
    try {
      return await observeVip(fresh?.t ?? (await conns.get(h)), inv);
    } catch (e) {
      if (!fresh && e instanceof ToolError && e.kind === 'connect') {
        const state: { t?: Transport; failed?: boolean } = {};
        again.set(h.name, state);
        conns.extra(h).then(
          (t) => (ended ? void t.close().catch(() => undefined) : (state.t = t)),
          () => (state.failed = true),
        );
      }
      throw e;
    }
  };
  // held back until the VIP moved: the hand-off's own bound, with room
  const holdS = HAND_OVER_TIMEOUT_MS / 1000 + 30;
  let held = false;
  const unhold = async () => {
    if (held) await onPeers(inv, host, conns, () => unholdScript());
    held = false;
  };
  try {
    return await handOverVip(
      host,
      inv.hosts.filter((h) => h.name !== host.name),
      {
        observe,
        release: async (ready) => {
          const to = successor(ready);
          const relay = relayScript(vip, host.address, deadmanS);
          held = true;
          await onPeers(inv, host, conns, (p) => (p.name === to.name ? relay : `${relay}\n${holdScript(holdS)}`));
          const t = await conns.get(host);
          const r = await t.exec(['sh', '-c', releaseScript(vip, deadmanS)]);
          if (r.code !== 0) {
            await onPeers(inv, host, conns, () => unrelayScript(vip));
            throw new ToolError('remote', `could not release the VIP: ${r.stderr.trim() || `exit ${r.code}`}`, {
              host: host.name,
            });
          }
          // a keepalived still on a configuration without the track file (reloaded after the restarts) moves at its next poll
          await adminPost(t, inv, '/healthcheck/fail').catch(() => undefined);
        },
        restore: async () => {
          await rejoin(inv, host, conns);
          await adminPost(await conns.get(host), inv, '/healthcheck/ok').catch(() => undefined);
        },
        timeoutMs: o.timeoutMs,
        ...(o.signal && { signal: o.signal }),
      },
    );
  } finally {
    await unhold();
    ended = true;
    await Promise.all([...again.values()].map((a) => a.t?.close().catch(() => undefined)));
  }
}

/** How long a holder waits for a peer to take the VIP: keepalived's poll (1 s) plus VRRP, with room. */
export const HAND_OVER_TIMEOUT_MS = 10_000;

/**
 * Runs each peer's `script` on every host but `host`, best effort: a peer that cannot load its
 * relay resets the old holder's connections as before, and one that cannot remove it (or its hold)
 * has its dead-man timer.
 */
async function onPeers(
  inv: Inventory,
  host: HostSpec,
  conns: Connections,
  script: (peer: HostSpec) => string,
): Promise<void> {
  const run = async (h: HostSpec) => (await conns.get(h)).exec(['sh', '-c', script(h)]);
  await Promise.all(inv.hosts.filter((h) => h.name !== host.name).map((h) => run(h).catch(() => undefined)));
}

/**
 * Undoes a release: the peers stop relaying to the host (its restart has closed its connections
 * with a FIN by now), the host takes new connections to the VIP again and may be elected once ready.
 */
async function rejoin(inv: Inventory, host: HostSpec, conns: Connections): Promise<void> {
  await onPeers(inv, host, conns, () => unrelayScript(inv.vip?.address ?? ''));
  const r = await (await conns.get(host)).exec(['sh', '-c', rejoinScript(inv.vip?.address ?? '')]);
  if (r.code !== 0)
    throw new ToolError('remote', `could not rejoin VRRP: ${r.stderr.trim() || `exit ${r.code}`}`, { host: host.name });
}

/**
 * A restart's `beforeDrain` step when the inventory has a VIP: the host hands it to a ready peer
 * before it is drained, so no new connection through the VIP reaches it. It returns the step that
 * lets the host rejoin once restarted. Undefined without a VIP.
 */
export function handOverBeforeDrain(
  inv: Inventory,
  conns: Connections,
  log?: (host: string, message: string) => void,
): ((t: Transport, host: HostSpec) => Promise<(() => Promise<void>) | undefined>) | undefined {
  if (!inv.vip) return undefined;
  return async (_t, host) => {
    const r = await handOverVipOnFleet(inv, host, conns, { timeoutMs: HAND_OVER_TIMEOUT_MS });
    if (r.kind === 'moved') log?.(host.name, `VIP handed to ${r.to} in ${r.ms} ms`);
    if (r.kind === 'not-released')
      log?.(host.name, `could not release the VIP (${r.why}): keepalived moves it when Envoy stops`);
    if (r.kind === 'not-holder') return undefined;
    return () => rejoin(inv, host, conns);
  };
}

// Upload once per subnet (fetch: control): the run's coordinator between each seed and its peers.
// A seed offers its release once it is in place (installed earlier, or verified in this run); a
// peer that needs the release waits for that offer, and the seed's server is started on the first
// such request, over the seed's own connection, and stopped when the run ends (RuntimeMaxSec stops
// it anyway). A seed that fails, or cannot serve, leaves its peers to the control machine's upload.
import { randomBytes } from 'node:crypto';
import type { Arch, HostSpec, Inventory } from '../inventory/types.ts';
import type { Connections } from './connections.ts';
import type { RunEvent, RunService } from './types.ts';
import { detailOf } from '../errors.ts';
import { planPeers, type PeerPlan, type PeerRole } from '../release/peer-plan.ts';
import {
  seedUnit,
  seedUrl,
  startServerScript,
  stopServerCommand,
  type Arriving,
  type SeedServer,
} from '../release/peer-server.ts';

/** Where a peer gets the release: a URL on its seed, or why it cannot. */
export type PeerSource = { seed: string; url: string } | { seed: string; reason: string };

export interface Offer {
  arch: Arch;
  /** The verified release's path on the seed. */
  file: string;
  urlPath: string;
  /** Offered before it is there: still arriving from the control machine, at its temp name. */
  arriving?: Arriving;
}

interface SeedState {
  host: HostSpec;
  offer: Promise<Offer>;
  settle: { resolve(o: Offer): void; reject(e: Error): void; done: boolean };
  server?: { url: Promise<string>; unit: string; startedAt: number };
  /** An offer made while the release was arriving, withdrawn because the seed's run failed. */
  withdrawn?: string;
  /** The arriving release was verified and took its name: nothing to withdraw any more. */
  whole?: boolean;
}

export interface PeerFetchOptions {
  runId?: string;
  /** RuntimeMaxSec of each server; a peer asking later than this less a margin gets a new one. */
  lifetimeSec?: number;
  now?: () => number;
}

export class PeerFetch implements RunService {
  readonly plan: PeerPlan;
  private readonly seeds = new Map<string, SeedState>();
  private readonly started: { host: HostSpec; unit: string }[] = [];
  private conns?: Connections;
  private emit: (e: RunEvent) => void = () => {};
  private readonly runId: string;
  private readonly lifetimeSec: number;
  private readonly now: () => number;

  constructor(
    private readonly inv: Inventory,
    private readonly hosts: HostSpec[],
    o: PeerFetchOptions = {},
  ) {
    this.plan = planPeers(inv, hosts);
    this.runId = o.runId ?? randomBytes(4).toString('hex');
    this.lifetimeSec = o.lifetimeSec ?? 1800;
    this.now = o.now ?? Date.now;
    for (const h of hosts) if (this.plan.roles.get(h.name)?.kind === 'seed') this.addSeed(h);
  }

  private addSeed(h: HostSpec): void {
    const settle = { resolve: (_: Offer) => {}, reject: (_: Error) => {}, done: false };
    const offer = new Promise<Offer>((resolve, reject) => Object.assign(settle, { resolve, reject }));
    offer.catch(() => undefined); // a seed nobody asks for may fail unobserved
    this.seeds.set(h.name, { host: h, offer, settle });
  }

  /**
   * The gated batches are known: a seed must be in its subnet's earliest batch, or its peers of an
   * earlier batch would wait for an offer that comes only after them. The hosts still to run get
   * the roles planned in batch order, unless their seed has offered already (a host without
   * changes, run before the batches, that had the release).
   */
  private reorder(order: string[]): void {
    const byName = new Map(this.hosts.map((h) => [h.name, h]));
    const next = planPeers(
      this.inv,
      order.flatMap((n) => byName.get(n) ?? []),
    );
    for (const [name, role] of next.roles) {
      const cur = this.role(name);
      const seed = cur.kind === 'seed' ? name : cur.kind === 'peer' ? cur.seed : undefined;
      if (seed !== undefined && this.seeds.get(seed)?.settle.done) continue;
      this.plan.roles.set(name, role);
      if (role.kind === 'seed' && !this.seeds.has(name)) this.addSeed(byName.get(name)!);
    }
  }

  role(host: string): PeerRole {
    return this.plan.roles.get(host) ?? { kind: 'direct' };
  }

  attach(conns: Connections, emit: (e: RunEvent) => void): void {
    this.conns = conns;
    this.emit = emit;
  }

  /**
   * The seed has the verified release at `file` (a second offer changes nothing). `serve`: start
   * its server now, beside the seed's next tasks (it installed the release in this run, so its
   * peers are about to need it); otherwise the first peer that asks starts it.
   */
  offer(seed: string, o: Offer, opts: { serve?: boolean } = {}): void {
    const s = this.seeds.get(seed);
    const role = this.role(seed);
    // offered while arriving, now verified: the same server keeps serving it under its final name
    if (s?.settle.done && !o.arriving) s.whole = true;
    if (!s || s.settle.done || role.kind !== 'seed') return;
    s.settle.done = true;
    s.settle.resolve(o);
    if (opts.serve) this.serve(s, o, role.address).catch(() => undefined); // a peer asking gets the reason
  }

  /** A seed that failed, or whose run ended, before it had the release can serve nobody. */
  event(e: RunEvent): void {
    if (e.kind === 'batches') return this.reorder(e.hosts.flat());
    const host = e.kind === 'task' ? e.result.host : e.kind === 'host-done' ? e.host : undefined;
    const s = host === undefined ? undefined : this.seeds.get(host);
    if (!s) return;
    if (s.settle.done) {
      if (e.kind === 'task' && e.result.status === 'failed') void this.withdraw(s, e.result.error ?? e.result.task);
      return;
    }
    if (e.kind === 'task' && e.result.status === 'failed')
      this.fail(s, `its run failed before it had the release (${e.result.error ?? e.result.task})`);
    else if (e.kind === 'host-done') this.fail(s, 'its run ended before it had the release');
  }

  /** For a peer: its seed's URL once the seed serves the release, or why it does not. */
  async source(peer: string, arch: Arch): Promise<PeerSource> {
    const role = this.role(peer);
    if (role.kind !== 'peer') return { seed: '', reason: 'no seed for this host' };
    const s = this.seeds.get(role.seed)!;
    try {
      const offer = await s.offer;
      if (s.withdrawn) throw new Error(s.withdrawn);
      if (offer.arch !== arch) return { seed: role.seed, reason: `${role.seed} has the ${offer.arch} release` };
      return { seed: role.seed, url: await this.serve(s, offer, role.address) };
    } catch (err) {
      return { seed: role.seed, reason: `${role.seed} cannot serve it: ${detailOf(err, role.seed)}` };
    }
  }

  /** Stop every server this run started; a seed that cannot be reached stops its own at RuntimeMaxSec. */
  async close(): Promise<void> {
    for (const s of this.seeds.values()) if (!s.settle.done) this.fail(s, 'the run ended');
    const all = this.started.splice(0);
    await Promise.all(
      all.map(async ({ host, unit }) => {
        const t = await this.conns?.get(host).catch(() => undefined);
        await t?.exec(stopServerCommand(unit), { timeoutMs: 10_000 }).catch(() => undefined);
      }),
    );
  }

  /**
   * The seed's run failed after it offered a release that was still arriving: what it has may
   * never be whole. Later askers are told so, and its server stops, so that the peers fetching
   * from it now end short at once and fall back, instead of waiting out the stall bound.
   */
  private async withdraw(s: SeedState, why: string): Promise<void> {
    const offer = await s.offer.catch(() => undefined);
    if (!offer?.arriving || s.whole || s.withdrawn) return;
    s.withdrawn = `its run failed while the release was arriving (${why})`;
    if (!s.server) return;
    const t = await this.conns?.get(s.host).catch(() => undefined);
    await t?.exec(stopServerCommand(s.server.unit), { timeoutMs: 10_000 }).catch(() => undefined);
  }

  private fail(s: SeedState, why: string): void {
    s.settle.done = true;
    s.settle.reject(new Error(why));
  }

  private serve(s: SeedState, offer: Offer, address: string): Promise<string> {
    // a server close to its RuntimeMaxSec is replaced by a new one: a peer's fetch may take minutes
    const fresh = s.server && this.now() - s.server.startedAt < (this.lifetimeSec - 600) * 1000;
    if (s.server && fresh) return s.server.url;
    const unit = `${seedUnit(this.runId)}${this.started.length ? `-${this.started.length}` : ''}`;
    const server: SeedServer = {
      unit,
      address,
      port: this.inv.peerFetch.port,
      file: offer.file,
      urlPath: offer.urlPath,
      ...(offer.arriving && { arriving: offer.arriving }),
      lifetimeSec: this.lifetimeSec,
    };
    const url = this.start(s.host, server);
    s.server = { url, unit, startedAt: this.now() };
    return url;
  }

  private async start(host: HostSpec, server: SeedServer): Promise<string> {
    if (!this.conns) throw new Error('no connection to the seed');
    const t = await this.conns.get(host);
    this.started.push({ host, unit: server.unit });
    const res = await t.exec(['sh', '-s'], { stdin: startServerScript(server), what: 'starting the release server' });
    if (res.code !== 0) throw new Error((res.stderr || res.stdout).trim() || `exit code ${res.code}`);
    const url = seedUrl(server);
    this.emit({ kind: 'note', host: host.name, message: `serves the release to its peers at ${url} (${server.unit})` });
    return url;
  }
}

// One SSH connection per host for the whole run, opened on first use and shared by every phase.
import type { HostSpec } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';

export type Connector = (host: HostSpec, opts: { signal?: AbortSignal }) => Promise<Transport>;

export class Connections {
  private readonly open = new Map<string, Promise<Transport>>();
  constructor(
    private readonly connector: Connector,
    private readonly signal?: AbortSignal,
  ) {}

  get(host: HostSpec): Promise<Transport> {
    let t = this.open.get(host.name);
    if (!t) {
      t = this.connector(host, { signal: this.signal });
      // A failed connect is not cached: a later phase (e.g. a rerun after a fix) may try again.
      t.catch(() => this.open.delete(host.name));
      this.open.set(host.name, t);
    }
    return t;
  }

  /**
   * A connection of the caller's own, beside the shared one (which is left as it is, lost or not):
   * for a read that must not give up on a host only because its session dropped, e.g. which peer
   * took the VIP. The caller closes it.
   */
  extra(host: HostSpec): Promise<Transport> {
    return this.connector(host, { signal: this.signal });
  }

  /** Transports that are connected now, by host name. */
  async connected(): Promise<Map<string, Transport>> {
    const out = new Map<string, Transport>();
    for (const [name, p] of this.open) {
      const t = await p.catch(() => undefined);
      if (t) out.set(name, t);
    }
    return out;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close().catch(() => undefined)));
  }
}

// The admin tunnel: an SSH local port forward from 127.0.0.1:<port> on this machine to the admin
// listener on the host's loopback, open until the caller's signal fires.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';

export interface TunnelEvents {
  /** The forward listens: the URL to open, and what /ready said through it (or why it did not). */
  onOpen(url: string, ready: string): void;
}

export async function adminTunnel(
  inv: Inventory,
  host: HostSpec,
  connector: (h: HostSpec) => Promise<Transport>,
  o: { localPort?: number; signal: AbortSignal } & TunnelEvents,
): Promise<void> {
  const t = await connector(host);
  try {
    const fwd = await t.forward(inv.admin.address, inv.admin.port, o.localPort ?? 0);
    try {
      const url = `http://127.0.0.1:${fwd.localPort}/`;
      o.onOpen(url, await readyThrough(url));
      await untilAborted(o.signal);
    } finally {
      await fwd.close();
    }
  } finally {
    await t.close().catch(() => undefined);
  }
}

/** One GET /ready through the tunnel, so a dead admin listener shows at once, not on first use. */
async function readyThrough(url: string): Promise<string> {
  try {
    const res = await fetch(new URL('ready', url), { signal: AbortSignal.timeout(5000) });
    return `/ready ${res.status} ${(await res.text()).trim()}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `/ready did not answer: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

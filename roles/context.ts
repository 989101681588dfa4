// What roles need beyond the inventory: run-wide choices and the control-side release cache.
import type { Arch, Inventory } from '../src/inventory/types.ts';
import { expectedSha, pinsPath, readPins, type Pins } from '../src/release/pins.ts';
import { fetchToCache, releaseCachePath, verifyLocal } from '../src/release/fetch.ts';
import { checkMirror, releaseUrl } from '../src/release/url.ts';
import type { PeerFetch } from '../src/runner/peer-fetch.ts';

export interface RoleOptions {
  allowDowngrade: boolean;
  pins: Pins;
  /** Control-side copy of the release for an arch, downloaded and verified once per run. */
  localRelease(arch: Arch): Promise<string>;
  /** fetch: control: the run's seeds and their peers (upload once per subnet). */
  peers?: PeerFetch;
}

export async function roleOptions(
  inv: Inventory,
  o: { allowDowngrade?: boolean; peers?: PeerFetch } = {},
): Promise<RoleOptions> {
  checkMirror(inv.envoy);
  const pins = await readPins(pinsPath(inv.file));
  const pending = new Map<Arch, Promise<string>>();
  return {
    allowDowngrade: o.allowDowngrade ?? false,
    pins,
    peers: o.peers,
    localRelease(arch) {
      let p = pending.get(arch);
      if (!p) {
        const want = expectedSha(inv, pins, arch);
        p = inv.envoy.localFile
          ? verifyLocal(inv.envoy.localFile, want).then((r) => r.path)
          : fetchToCache(
              releaseUrl(inv.envoy.version, arch, inv.envoy.mirror),
              releaseCachePath(inv.envoy.version, arch),
              want,
            ).then((r) => r.path);
        pending.set(arch, p);
      }
      return p;
    },
  };
}

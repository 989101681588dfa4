// How the release reaches a host in fetch: control mode when the run has peers (runner/peer-fetch.ts):
// a seed gets it from the control machine and offers it once verified; a peer fetches it from its
// seed and verifies it like any upload (a peer is trusted for bandwidth, never for content); when
// the seed cannot serve, or what it serves fails the check, the control machine uploads it after all.
import type { Arch } from '../inventory/types.ts';
import type { PeerFetch } from '../runner/peer-fetch.ts';
import { peerFetchCommand, type Arriving } from '../release/peer-server.ts';
import { assetName } from '../release/url.ts';
import type { Step } from '../runner/types.ts';

export interface Delivery {
  host: string;
  arch: Arch;
  version: string;
  /** The verified binary's final path, and the temp name the verify script checks. */
  bin: string;
  tmp: string;
  /** Create the release directory, remove a stale temp file. */
  prep: Step;
  /** The control machine's upload to `tmp` (sudo hosts: staged, then moved). */
  push: Step[];
  /** sha256, --version, rename into place. */
  verify: Step;
  /**
   * When the push writes `tmp` itself (a root login), readable: what it will be, so that a seed
   * serves it to its peers while it arrives. Absent for a staged upload (it appears at once).
   */
  arriving?: () => Promise<Arriving>;
}

const note = (message: string): Step => ({ kind: 'note', action: 'say where the release came from', message });
const FROM_CONTROL = 'uploaded from the control machine';

/** What the run says a host does with the release, for check mode: nothing runs there. */
export function peerIntent(peers: PeerFetch | undefined, host: string): string {
  const role = peers?.role(host);
  if (role?.kind === 'seed') return `, then serve it to ${role.peers.join(', ')}`;
  if (role?.kind === 'peer') return ` from ${role.seed}`;
  return '';
}

/**
 * The seed (or a host with no peer) gets an upload. A seed offers the release to its peers as
 * soon as the upload begins when it can (they fetch it as it arrives, and verify it themselves),
 * else once verified; either way it offers the verified file after the check.
 */
export function uploadSteps(peers: PeerFetch | undefined, d: Delivery): Step[] {
  const role = peers?.role(d.host);
  const steps = [d.prep, ...d.push, d.verify];
  if (role?.kind === 'direct' && role.reason) steps.push(note(`${FROM_CONTROL} (${role.reason})`));
  if (role?.kind !== 'seed' || !peers) return steps;
  const offer: Step = {
    kind: 'lazy',
    action: 'offer the release to the peers',
    resolve: async () => (peers.offer(d.host, offerOf(d), { serve: true }), []),
  };
  const arriving = d.arriving;
  const early: Step[] = arriving
    ? [
        {
          kind: 'lazy',
          action: 'offer the release to the peers as it arrives',
          resolve: async () => (
            peers.offer(d.host, { ...offerOf(d), arriving: await arriving() }, { serve: true }),
            []
          ),
        },
      ]
    : [];
  const said = `${FROM_CONTROL}; serves it to ${role.peers.join(', ')}${arriving ? ' as it arrives' : ''}`;
  return [d.prep, ...early, ...d.push, d.verify, offer, note(said)];
}

/** A peer: wait for the seed's offer, fetch and verify; else the control machine's upload. */
export function peerSteps(peers: PeerFetch, d: Delivery): Step[] {
  // after a failed fetch, prep again: the partial file goes, and a failed check removed the directory
  const fallback = (why: string, prep: Step[] = []): Step[] => [
    ...prep,
    ...d.push,
    d.verify,
    note(`${FROM_CONTROL}: ${why}`),
  ];
  const fetchFromSeed: Step = {
    kind: 'lazy',
    action: `fetch Envoy ${d.version} from a peer`,
    resolve: async () => {
      const src = await peers.source(d.host, d.arch);
      if ('reason' in src) return fallback(src.reason);
      const fetch: Step = {
        kind: 'exec',
        action: `fetch Envoy ${d.version} from ${src.seed}`,
        command: peerFetchCommand(src.url, d.tmp),
        timeoutMs: 15 * 60_000,
      };
      return [
        {
          kind: 'fallback',
          action: `fetch and verify Envoy ${d.version} from ${src.seed}`,
          steps: [fetch, d.verify, note(`fetched from ${src.seed}, sha256 verified`)],
          otherwise: (why) => fallback(`the copy from ${src.seed} failed (${why})`, [d.prep]),
        },
      ];
    },
  };
  return [d.prep, fetchFromSeed];
}

/** What a seed serves: its verified binary, under the release's asset name. */
export function offerOf(d: Pick<Delivery, 'arch' | 'version' | 'bin'>): {
  arch: Arch;
  file: string;
  urlPath: string;
} {
  return { arch: d.arch, file: d.bin, urlPath: `/${assetName(d.version, d.arch)}` };
}

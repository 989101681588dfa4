// Where an Envoy release binary comes from: GitHub's release assets, or a mirror laid out the same way.
import type { Arch, EnvoyRelease } from '../inventory/types.ts';
import { ToolError } from '../errors.ts';

export const GITHUB_RELEASES = 'https://github.com/envoyproxy/envoy/releases/download';

/** The inventory's rule, enforced again where URLs are used: plain http only when asked for. */
export function checkMirror(envoy: Pick<EnvoyRelease, 'mirror' | 'insecureMirror'>): void {
  if (envoy.mirror && /^http:\/\//i.test(envoy.mirror) && !envoy.insecureMirror) {
    throw new ToolError(
      'usage',
      `refusing the plain http mirror ${envoy.mirror} (set envoy.insecureMirror: true to allow it)`,
    );
  }
}

export function assetName(version: string, arch: Arch): string {
  return `envoy-${version}-linux-${arch}`;
}

export function releaseUrl(version: string, arch: Arch, mirror?: string): string {
  const base = (mirror ?? GITHUB_RELEASES).replace(/\/+$/, '');
  return `${base}/v${version}/${assetName(version, arch)}`;
}

export function checksumsUrl(version: string, mirror?: string): string {
  const base = (mirror ?? GITHUB_RELEASES).replace(/\/+$/, '');
  return `${base}/v${version}/checksums.txt.asc`;
}

/** uname -m → Envoy's asset arch name; undefined for an architecture Envoy does not ship. */
export function archOf(machine: string): Arch | undefined {
  if (machine === 'x86_64' || machine === 'amd64') return 'x86_64';
  if (machine === 'aarch64' || machine === 'arm64') return 'aarch_64';
  return undefined;
}

/** Parse `<sha256>  <path>` lines (inside a clearsigned checksums.txt.asc) into name → sha256. */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m) out.set(m[2]!.split('/').pop()!, m[1]!);
  }
  return out;
}

// download: fill the control-side release cache and files/envoy-releases.lock.yaml for the
// inventory's Envoy version (logic in src/release/download.ts).
import { relative } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { loadInventory } from '../inventory/index.ts';
import { ARCHES, type Arch } from '../inventory/types.ts';
import { downloadRelease, FIRST_DOWNLOAD_WARNING, type DownloadReport } from '../release/download.ts';
import { archOf } from '../release/url.ts';

export interface DownloadCommandOptions {
  hosts: string;
  arch?: Arch[];
  signingKey?: string;
  trustFirstDownload?: boolean;
  json?: boolean;
}

/** `--arch x86_64,aarch_64` (uname names such as amd64 and arm64 are accepted too). */
export function parseArches(v: string): Arch[] {
  const out: Arch[] = [];
  for (const name of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const arch = (ARCHES as readonly string[]).includes(name) ? (name as Arch) : archOf(name);
    if (!arch) throw new InvalidArgumentError(`unknown architecture "${name}": expected ${ARCHES.join(', ')}`);
    if (!out.includes(arch)) out.push(arch);
  }
  if (out.length === 0) throw new InvalidArgumentError(`expected ${ARCHES.join(', ')}`);
  return out;
}

export async function downloadCommand(o: DownloadCommandOptions): Promise<number> {
  const inv = await loadInventory(o.hosts);
  const report = await downloadRelease(inv, { arches: o.arch, signingKey: o.signingKey, trustFirstDownload: o.trustFirstDownload });
  console.log(o.json ? JSON.stringify(report, null, 2) : formatDownloadReport(report));
  return 0;
}

export function formatDownloadReport(r: DownloadReport, cwd = process.cwd()): string {
  const lines = [`Envoy ${r.version}`];
  if (r.checksums) {
    lines.push(`checksums: ${r.checksums.url} — ${r.checksums.signed ? `signature verified (key ${r.checksums.fingerprint})` : 'signature NOT verified (no --signing-key)'}`);
  }
  for (const a of r.releases) {
    lines.push(
      `${a.arch}:`,
      `  ${a.local ? 'file  ' : 'url   '}  ${a.url}`,
      `  sha256  ${a.sha256}`,
      `  source  ${a.source}`,
      ...(a.local ? [] : [`  cached  ${a.path}`]),
      `  size    ${a.bytes} bytes, ${a.local ? 'local file (hashed, not copied)' : a.downloaded ? 'downloaded' : 'already cached'}`,
    );
    if (a.source === 'first-download') lines.push(`  !!! ${FIRST_DOWNLOAD_WARNING}`);
  }
  const rel = relative(cwd, r.lockfile);
  const lock = rel && !rel.startsWith('..') ? rel : r.lockfile;
  lines.push(r.lockUpdated.length > 0 ? `lockfile: ${lock} updated (${r.lockUpdated.join(', ')}): review and commit it` : `lockfile: ${lock} unchanged`);
  for (const w of r.warnings) lines.push(`WARNING: ${w}`);
  return lines.join('\n');
}

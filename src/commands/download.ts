// download: fill the control-side release cache and files/envoy-releases.lock.yaml for the
// inventory's Envoy version (logic in src/release/download.ts).
import { relative } from 'node:path';
import { loadInventory } from '../inventory/index.ts';
import type { Arch } from '../inventory/types.ts';
import { downloadRelease, FIRST_DOWNLOAD_WARNING, type DownloadReport } from '../release/download.ts';
import { HOSTS, JSON_OUT, parseArches } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

export interface DownloadCommandOptions {
  hosts: string;
  arch?: Arch[];
  signingKey?: string;
  trustFirstDownload?: boolean;
  json?: boolean;
}

export const download: CommandSpec<DownloadCommandOptions> = {
  name: 'download',
  summary:
    "fill the control-side release cache and the release lockfile (sha256 from the inventory, the lockfile, or, with --signing-key or --trust-first-download, the release's checksums.txt.asc)",
  options: [
    HOSTS,
    {
      flags: '--arch <list>',
      description: 'architectures, comma separated (default: x86_64,aarch_64)',
      parse: parseArches,
    },
    {
      flags: '--signing-key <file>',
      description:
        "armored public key that signs the release's checksums.txt.asc: new lockfile entries only from checksums it verifies (gpgv)",
    },
    {
      flags: '--trust-first-download',
      description:
        'allow new lockfile entries without a signature: unsigned checksums.txt.asc, or the hash of the first download (printed for review)',
      default: false,
    },
    JSON_OUT,
  ],
  interrupt: 'none',
  async action(o) {
    const inv = await loadInventory(o.hosts);
    const report = await downloadRelease(inv, {
      arches: o.arch,
      signingKey: o.signingKey,
      trustFirstDownload: o.trustFirstDownload,
    });
    console.log(o.json ? JSON.stringify(report, null, 2) : formatDownloadReport(report));
    return EXIT.ok;
  },
};

export function formatDownloadReport(r: DownloadReport, cwd = process.cwd()): string {
  const lines = [`Envoy ${r.version}`];
  if (r.checksums) {
    lines.push(
      `checksums: ${r.checksums.url} — ${r.checksums.signed ? `signature verified (key ${r.checksums.fingerprint})` : 'signature NOT verified (no --signing-key)'}`,
    );
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
  lines.push(
    r.lockUpdated.length > 0
      ? `lockfile: ${lock} updated (${r.lockUpdated.join(', ')}): review and commit it`
      : `lockfile: ${lock} unchanged`,
  );
  for (const w of r.warnings) lines.push(`WARNING: ${w}`);
  return lines.join('\n');
}

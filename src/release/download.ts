// `download`: fill the control-side cache and the release lockfile for the inventory's Envoy
// version. Every binary is checked against a sha256 from, in order: the inventory, the lockfile,
// the release's checksums.txt.asc, or the first download itself. A hash not known yet becomes a
// lockfile entry only with --signing-key (checksums gpg-verified) or --trust-first-download
// (checksums or first download taken on trust, printed for review). Never silently unchecked.
import { open, readFile, stat } from 'node:fs/promises';
import { ARCHES, type Arch, type Inventory } from '../inventory/types.ts';
import { InputError, ToolError, usageError } from '../errors.ts';
import {
  cacheDir,
  fetchText,
  fetchToCache,
  fileSha256,
  HttpStatusError,
  releaseCachePath,
  verifyLocal,
  type FetchOptions,
} from './fetch.ts';
import { lockfileName, pinsPath, readPins, writePins } from './pins.ts';
import { clearsignedText, verifyClearsigned } from './signature.ts';
import { assetName, checkMirror, checksumsUrl, parseChecksums, releaseUrl } from './url.ts';

export type ShaSource =
  'inventory' | 'lockfile' | 'checksums.txt.asc (signed)' | 'checksums.txt.asc (unsigned)' | 'first-download';

export const FIRST_DOWNLOAD_WARNING =
  'trusted on first download: REVIEW this sha256 against the release page before committing the lockfile';

export interface DownloadOptions {
  /** Default: both architectures (for envoy.localFile: the file's own, when it is an ELF binary). */
  arches?: readonly Arch[];
  /** Path of the armored public key that signs the release's checksums.txt.asc. */
  signingKey?: string;
  trustFirstDownload?: boolean;
  /** Default pinsPath(inv.file): EKP_LOCKFILE, the checkout's, or beside the inventory. */
  lockfile?: string;
  /** Default cacheDir(): EKP_CACHE_DIR or ~/.cache/envoy-k8s-proxy. */
  cacheDir?: string;
  fetch?: FetchOptions;
}

export interface ArchDownload {
  arch: Arch;
  /** The release URL, or the local file's path for envoy.localFile. */
  url: string;
  sha256: string;
  source: ShaSource;
  path: string;
  bytes: number;
  downloaded: boolean;
  local: boolean;
}

export interface ChecksumsInfo {
  url: string;
  signed: boolean;
  /** Fingerprint of the key that signed it, when verified. */
  fingerprint?: string;
}

export interface DownloadReport {
  version: string;
  lockfile: string;
  /** Architectures whose sha256 was newly written to the lockfile. */
  lockUpdated: Arch[];
  releases: ArchDownload[];
  checksums?: ChecksumsInfo;
  warnings: string[];
}

type Planned = { arch: Arch; sha?: string; source: ShaSource };

export async function downloadRelease(
  inv: Pick<Inventory, 'name' | 'file' | 'envoy'>,
  o: DownloadOptions = {},
): Promise<DownloadReport> {
  const { version, mirror, localFile } = inv.envoy;
  checkMirror(inv.envoy);
  const lockfile = o.lockfile ?? pinsPath(inv.file);
  const lock = await readPins(lockfile);
  const warnings: string[] = [];
  const arches = localFile ? await localArches(localFile, o.arches) : [...new Set(o.arches ?? ARCHES)];

  const knownSha = new Map<Arch, Planned>();
  for (const arch of arches) {
    const fromInv = inv.envoy.sha256[arch];
    const fromLock = lock[version]?.[arch];
    if (fromInv) {
      if (fromLock && fromLock !== fromInv)
        warnings.push(
          `${arch}: the inventory's envoy.sha256.${arch} differs from the lockfile's ${fromLock}; the inventory's wins`,
        );
      knownSha.set(arch, { arch, sha: fromInv, source: 'inventory' });
    } else if (fromLock) knownSha.set(arch, { arch, sha: fromLock, source: 'lockfile' });
  }

  // Decide every hash source before downloading anything, so a refusal costs no transfer.
  const plan: Planned[] = [];
  const unknown = arches.filter((a) => !knownSha.has(a));
  // A new lockfile entry is trusted by every later install: it needs a verified signature or the
  // operator's explicit say-so, never just whatever the connection delivered.
  const approved = o.trustFirstDownload || (o.signingKey && !localFile);
  if (unknown.length > 0 && !approved) throw unapproved(inv, unknown, lockfile);
  let checksums: ChecksumsInfo | undefined;
  let sums: Map<string, string> | undefined;
  if (unknown.length > 0 && !localFile) {
    const url = checksumsUrl(version, mirror);
    try {
      const raw = await fetchText(url);
      if (o.signingKey) {
        const v = await verifyClearsigned(raw, await readKey(o.signingKey), url);
        sums = parseChecksums(v.text);
        checksums = { url, signed: true, fingerprint: v.fingerprint };
      } else {
        sums = parseChecksums(clearsignedText(raw));
        checksums = { url, signed: false };
        warnings.push(
          `the signature of ${url} was NOT verified (no --signing-key; taken on trust as --trust-first-download asks): REVIEW these sha256 values against the release page before committing the lockfile`,
        );
      }
    } catch (err) {
      // Only a release without checksums falls back to the first download: a bad signature, a
      // downgrade redirect or a failing host is never papered over.
      if (o.signingKey || !(err instanceof HttpStatusError && (err.status === 404 || err.status === 410))) throw err;
      warnings.push(`no checksums to compare with (${err.message}): the first download is trusted as is`);
    }
  } else if (o.signingKey && unknown.length === 0) {
    warnings.push('--signing-key not used: every sha256 was already known from the inventory or the lockfile');
  }
  for (const arch of arches) {
    const k = knownSha.get(arch);
    const fromSums = sums?.get(assetName(version, arch));
    if (k) plan.push(k);
    else if (fromSums)
      plan.push({
        arch,
        sha: fromSums,
        source: checksums?.signed ? 'checksums.txt.asc (signed)' : 'checksums.txt.asc (unsigned)',
      });
    else if (o.trustFirstDownload) plan.push({ arch, source: 'first-download' });
    else throw notListed(inv, arch, `${checksums?.url} lists no ${assetName(version, arch)}`);
  }

  const releases: ArchDownload[] = [];
  for (const p of plan) {
    if (localFile) {
      const r = p.sha
        ? await verifyLocal(localFile, p.sha)
        : { path: localFile, sha256: await fileSha256(localFile), bytes: (await stat(localFile)).size };
      releases.push({
        arch: p.arch,
        url: localFile,
        sha256: r.sha256,
        source: p.source,
        path: r.path,
        bytes: r.bytes,
        downloaded: false,
        local: true,
      });
    } else {
      const url = releaseUrl(version, p.arch, mirror);
      const r = await fetchToCache(url, releaseCachePath(version, p.arch, o.cacheDir ?? cacheDir()), p.sha, o.fetch);
      releases.push({
        arch: p.arch,
        url,
        sha256: r.sha256,
        source: p.source,
        path: r.path,
        bytes: r.bytes,
        downloaded: r.downloaded,
        local: false,
      });
    }
    if (p.source === 'first-download')
      warnings.push(`${p.arch}: sha256 ${releases.at(-1)!.sha256} ${FIRST_DOWNLOAD_WARNING}`);
  }

  // Only hashes learned here (checksums or first download) are new; write nothing otherwise.
  const lockUpdated: Arch[] = [];
  for (const r of releases) {
    if ((r.source.startsWith('checksums') || r.source === 'first-download') && lock[version]?.[r.arch] !== r.sha256) {
      lock[version] = { ...lock[version], [r.arch]: r.sha256 };
      lockUpdated.push(r.arch);
    }
  }
  if (lockUpdated.length > 0) await writePins(lock, lockfile);
  return { version, lockfile, lockUpdated, releases, checksums, warnings };
}

function unapproved(inv: Pick<Inventory, 'name' | 'file' | 'envoy'>, arches: Arch[], lockfile: string): InputError {
  const { version, localFile } = inv.envoy;
  const options = [
    ...(localFile
      ? []
      : [
          "pass --signing-key <release key.asc>: the sha256 is taken from the release's checksums.txt.asc once its signature is verified (gpgv)",
        ]),
    `or pass --trust-first-download: the sha256 of ${localFile ? 'the file' : 'the first download'} is recorded and printed; review it before you commit the lockfile`,
    `or set envoy.sha256.${arches[0]} in ${inv.file} (from the release page)`,
  ];
  const message = `no sha256 known for Envoy ${version} ${arches.join(', ')}, and nothing to verify a new one with: refusing to write ${lockfileName(lockfile)} (nothing was downloaded). Either:\n  - ${options.join('\n  - ')}`;
  return usageError('download', message);
}

function notListed(inv: Pick<Inventory, 'name' | 'file' | 'envoy'>, arch: Arch, why: string): ToolError {
  const options = [
    `set envoy.sha256.${arch} in ${inv.file} (from the release page)`,
    'or pass --trust-first-download to take the hash of the first download (printed for review before you commit the lockfile)',
  ];
  return new ToolError(
    'module',
    `no sha256 known for Envoy ${inv.envoy.version} ${arch} (${why}); refusing to download unchecked. Options:\n  - ${options.join('\n  - ')}`,
  );
}

async function readKey(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((err: Error) => {
    throw new ToolError('usage', `unable to read --signing-key ${path}: ${err.message}`);
  });
}

/** ELF e_machine → Envoy arch: a local binary is recorded only under its own architecture. */
const ELF_MACHINES: Record<number, Arch> = { 62: 'x86_64', 183: 'aarch_64' };

export async function elfArch(path: string): Promise<Arch | undefined> {
  const fh = await open(path, 'r').catch((err: Error) => {
    throw new ToolError('module', `unable to read envoy.localFile ${path}: ${err.message}`);
  });
  try {
    const b = Buffer.alloc(20);
    const { bytesRead } = await fh.read(b, 0, 20, 0);
    if (bytesRead < 20 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const machine = b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
    return ELF_MACHINES[machine];
  } finally {
    await fh.close();
  }
}

async function localArches(path: string, asked: readonly Arch[] | undefined): Promise<Arch[]> {
  const own = await elfArch(path);
  // Not an ELF binary we know (a script stand-in): it runs anywhere, take the asked arches.
  if (!own) return [...new Set(asked ?? ARCHES)];
  if (asked && !asked.includes(own))
    throw new ToolError('usage', `envoy.localFile ${path} is an ${own} binary, not ${asked.join(', ')}`);
  return [own];
}

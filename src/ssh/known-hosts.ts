// OpenSSH known_hosts: parse, look a presented host key up, append a new one (accept-new).
// Semantics follow OpenSSH's hostfile.c: only lines whose host patterns match are considered; a
// line with the same key type and another key means "changed"; keys of other types only mean
// "unknown" (OpenSSH then says the host is new but keys of a different type are known).

import { createHmac } from 'node:crypto';
import { appendFile, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number;
  /** The file it came from, when entries of several files are looked up together. */
  file?: string;
  /** @revoked: this key is refused for matching hosts; @cert-authority: a CA key, not a host key. */
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated patterns (`host`, `[host]:port`, `*`, `?`, `!neg`), or a hashed name. */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  keyBase64: string;
}

export interface HostKeyLookup {
  status: HostKeyStatus;
  /** The line that decided: the matching, revoked or (first) differing entry. */
  entry?: KnownHostEntry;
  /** Key types known for this host (for "keys of a different type are known"). */
  knownTypes: string[];
  /** @cert-authority lines naming this host (their CA keys vouch for host certificates). */
  authorities: KnownHostEntry[];
}

/** The name OpenSSH looks up and writes: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line
    }
    const [hosts, keyType, keyBase64] = fields;
    // Old SSH1 lines (`host bits e n`) and truncated lines have no usable key type + blob.
    if (!hosts || !keyType || !keyBase64 || /^\d+$/.test(keyType)) return;
    const entry: KnownHostEntry = { line: i + 1, patterns: [], keyType, keyBase64 };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|')) {
      const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
      if (!m) return; // unsupported hash type
      entry.hashed = { salt: Buffer.from(m[1]!, 'base64'), hash: Buffer.from(m[2]!, 'base64') };
    } else {
      entry.patterns = hosts.split(',').filter((p) => p !== '');
    }
    entries.push(entry);
  });
  return entries;
}

/** The system-wide known_hosts OpenSSH reads after the user's (read only: accept-new never writes it). */
export const GLOBAL_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';

/** The user's file, then the system-wide one, each entry naming its file (for messages). */
export async function loadKnownHostsFiles(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all = await Promise.all(files.map(async (f) => (await loadKnownHosts(f)).map((e) => ({ ...e, file: f }))));
  return all.flat();
}

/** Read and parse a known_hosts file; a missing file is an empty one. */
export async function loadKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** OpenSSH glob: `*` any run, `?` one character, case-insensitive, whole string. */
function globMatch(name: string, pattern: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(name);
}

/** Does this line name the host? A matching negated pattern excludes it whatever else matches. */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const mac = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return mac.equals(entry.hashed.hash);
  }
  let positive = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(name, p.slice(1))) return false;
    } else if (globMatch(name, p)) {
      positive = true;
    }
  }
  return positive;
}

function sameKey(entry: KnownHostEntry, keyType: string, keyBase64: string): boolean {
  return entry.keyType === keyType && Buffer.from(entry.keyBase64, 'base64').equals(Buffer.from(keyBase64, 'base64'));
}

export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
): HostKeyLookup {
  const name = hostLookupName(host, port);
  const authorities = entries.filter((e) => e.marker === 'cert-authority' && entryMatchesHost(e, name));
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && sameKey(e, keyType, keyBase64));
  const keys = forHost.filter((e) => e.marker === undefined);
  const knownTypes = [...new Set(keys.map((e) => e.keyType))];
  if (revoked) return { status: 'revoked', entry: revoked, knownTypes, authorities };
  const match = keys.find((e) => sameKey(e, keyType, keyBase64));
  if (match) return { status: 'match', entry: match, knownTypes, authorities };
  const differing = keys.find((e) => e.keyType === keyType);
  if (differing) return { status: 'mismatch', entry: differing, knownTypes, authorities };
  return { status: 'unknown', knownTypes, authorities };
}

export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
): HostKeyStatus {
  return lookupHostKey(entries, host, port, keyType, keyBase64).status;
}

// One append at a time per file: parallel connections with accept-new share the file.
const appendQueues = new Map<string, Promise<void>>();

/** Record a host key the way OpenSSH does with HashKnownHosts=no (file 0600, directory 0700). */
export function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
): Promise<void> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const size = await stat(file).then(
        (s) => s.size,
        () => 0,
      );
      let prefix = '';
      if (size > 0) {
        // Never glue our line onto a last line written without its newline.
        const fh = await open(file, 'r');
        try {
          const last = Buffer.alloc(1);
          await fh.read(last, 0, 1, size - 1);
          if (last[0] !== 0x0a) prefix = '\n';
        } finally {
          await fh.close();
        }
      }
      await appendFile(file, `${prefix}${hostLookupName(host, port)} ${keyType} ${keyBase64}\n`, { mode: 0o600 });
    });
  appendQueues.set(file, next);
  return next;
}

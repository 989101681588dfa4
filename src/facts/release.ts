// The installed Envoy binary without re-hashing it every run: the install records the binary's
// sha256 next to its identity (device, inode, size, mtime, ctime, to the nanosecond). While the
// identity is unchanged, the recorded sha256 stands; any write or replacement changes the ctime or
// the inode (ctime cannot be set back short of moving the clock), so the binary is hashed again.
// doctor still hashes the binary itself.
import { posix } from 'node:path';
import { quote } from '../ssh/index.ts';
import type { FactSpec } from './types.ts';

export type ReleaseFact =
  | { type: 'absent' }
  | { type: 'link' | 'directory' | 'other' }
  /** remembered: the sha256 is the install's record (identity unchanged), not hashed this run. */
  | { type: 'file'; sha256: string; identity: string; remembered: boolean };

/** The record's name, beside the binary in its release directory (root's, mode 755). */
export function identityRecordPath(bin: string): string {
  // no `ekp-` in the name: the tool's temp files have it, and this one is meant to stay
  return posix.join(posix.dirname(bin), `.${posix.basename(bin)}.identity`);
}

/** `stat` format of the identity; %y/%z carry nanoseconds on every coreutils. */
const IDENTITY = "'%d %i %s %y %z'";

/** Shell: prints the identity of `$b`. */
export function identityCommand(bin: string): string {
  return `stat -c ${IDENTITY} -- ${quote(bin)}`;
}

/** Shell that records `sha` as the binary's checksum for its current identity (temp, then rename). */
export function recordIdentityCommand(bin: string, sha: string, o: { ifIdentity?: string } = {}): string {
  const rec = identityRecordPath(bin);
  const tmp = `${rec}.ekp-tmp`;
  const write = `printf '%s %s\\n' ${quote(sha)} "$id" > ${quote(tmp)} && mv -f ${quote(tmp)} ${quote(rec)}`;
  // a binary replaced since it was hashed stays unrecorded (the next run hashes it again)
  if (o.ifIdentity === undefined) return `id=$(${identityCommand(bin)}) && ${write}`;
  return `id=$(${identityCommand(bin)}) && if [ "$id" = ${quote(o.ifIdentity)} ]; then ${write}; fi`;
}

export function releaseFact(bin: string): FactSpec<ReleaseFact> {
  const b = quote(bin);
  const rec = quote(identityRecordPath(bin));
  return {
    key: `release:${bin}`,
    // builtins but for one stat (and sha256sum only when the identity changed)
    script:
      `if [ -L ${b} ]; then echo link; elif [ -d ${b} ]; then echo directory; elif [ ! -e ${b} ]; then echo absent; ` +
      `elif [ ! -f ${b} ]; then echo other; elif ! id=$(${identityCommand(bin)}); then echo file; false; ` +
      `else echo file; echo "$id"; r=; [ -f ${rec} ] && read -r r < ${rec}; ` +
      `if [ -n "$r" ] && [ "\${r#* }" = "$id" ]; then echo "remembered \${r%% *}"; ` +
      `else printf 'hashed '; sha256sum < ${b}; fi; fi`,
    inline: true,
    parse: parseReleaseFact,
  };
}

export function parseReleaseFact(out: string, code: number): ReleaseFact {
  const [kind = '', identity = '', sum = ''] = out.replace(/^\n+/, '').split('\n');
  if (kind === 'link' || kind === 'directory' || kind === 'other') return { type: kind };
  if (kind !== 'file') return { type: 'absent' };
  const m = /^(remembered|hashed) ([0-9a-f]{64})\b/.exec(sum.trim());
  // a file that could not be read reads as a checksum that matches nothing: it is installed again
  if (code !== 0 || !m) return { type: 'file', sha256: '', identity: identity.trim(), remembered: false };
  return { type: 'file', sha256: m[2]!, identity: identity.trim(), remembered: m[1] === 'remembered' };
}

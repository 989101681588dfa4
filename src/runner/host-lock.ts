// One run at a time per host: a changing run holds flock(1) on /run/envoy-k8s-proxy/run.lock from a
// long-lived remote process for as long as it may touch the host (its tasks and the fleet's
// handlers). A second run waits a few seconds, then fails that host naming the holder.
//
// The holder's life is the SSH channel's: it reads its stdin, which the transport keeps open, and
// exits at EOF. sshd closes that stdin when the channel ends for any reason (release, the control
// process killed, the connection dropped), also through `sudo -n`, which hands stdin on as is.
// flock itself dies with its holder, so a stale lock is a holder alive without its session (its
// stdin somehow still open): the recorded pid, this boot, still holding the file, and no sshd
// among its ancestors. Such a holder is ended and the lock taken; a live one is never touched.
// A step that was running when the connection dropped goes on without it: at EOF the holder keeps
// the lock until the connection's other commands (same SSH_CONNECTION) end, at most drainS.
import { hostname, userInfo } from 'node:os';
import type { Transport } from '../ssh/index.ts';
import { ToolError } from '../errors.ts';
import { formatWait, quote } from '../ssh/index.ts';

/** Root-only (0700): the lock file cannot be planted, linked or held by an unprivileged user. */
export const LOCK_DIR = '/run/envoy-k8s-proxy';
export const LOCK_FILE = 'run.lock';
const HELD = 75; // EX_TEMPFAIL
const REFUSED = 77; // EX_NOPERM
/** Ends the output of the script run once the lock is held. */
const THEN_DONE = '@@ekp-lock-then-done';
/** After ending a stale holder, how long the lock may take to come free. */
const TAKEOVER_S = 5;
/** After release closes the holder's stdin, how long before it is killed instead. */
const RELEASE_GRACE_MS = 5000;

export interface HostLock {
  release(): Promise<void>;
  /** Set when a stale holder was ended to take the lock: what it was. */
  tookOver?: string;
  /** What the `then` script printed, run once the lock was held. */
  output?: string;
}

export function lockScript(holder: string, waitS: number, dir = LOCK_DIR, drainS = 60, then = ''): string {
  const d = quote(dir);
  const f = quote(`${dir}/${LOCK_FILE}`);
  return [
    `d=${d} f=${f}`,
    // builtins where a process is not needed: every no-op deploy takes this lock
    'ppid() { P=; { while read -r k v; do if [ "$k" = PPid: ]; then P=$v; break; fi; done < "/proc/$1/status"; } 2>/dev/null; }',
    'uid=; { while read -r k r e _; do if [ "$k" = Uid: ]; then uid=$e; break; fi; done < /proc/self/status; } 2>/dev/null',
    `[ "$uid" = 0 ] || { echo "the run lock needs root on the host: log in as root or set ssh.become: true" >&2; exit ${REFUSED}; }`,
    // mkdir only where nothing is (it fails if something came meanwhile); then only a real root-owned 0700 dir is accepted
    '[ -e "$d" ] || [ -L "$d" ] || mkdir -m 0700 "$d" 2>/dev/null',
    `if [ -L "$d" ] || [ ! -d "$d" ] || [ "$(stat -c %u:%a "$d")" != 0:700 ]; then echo "refusing $d: not a directory owned by root with mode 0700 ($(ls -ld "$d" 2>&1))" >&2; exit ${REFUSED}; fi`,
    `if [ -L "$f" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then echo "refusing $f: not a regular file" >&2; exit ${REFUSED}; fi`,
    'exec 9>>"$f"',
    'read -r boot < /proc/sys/kernel/random/boot_id',
    'rec() { sed -n "s/^pid=\\([0-9]*\\) boot=\\([0-9a-f-]*\\)$/\\1 \\2/p" "$f"; }',
    // alive, this boot, still holding our file (not a reused pid), and no sshd above it
    'stale() {',
    '  [ -n "$1" ] && [ "$2" = "$boot" ] && [ "$1" != $$ ] && kill -0 "$1" 2>/dev/null || return 1',
    '  [ "$(readlink "/proc/$1/fd/9")" = "$f" ] || return 1',
    '  q=$1; while q=$(awk \'/^PPid:/ {print $2}\' "/proc/$q/status" 2>/dev/null) && [ "${q:-0}" -gt 1 ]; do',
    '    case $(cat "/proc/$q/comm" 2>/dev/null) in sshd*) return 1 ;; esac',
    '  done',
    '}',
    'if ! flock -n 9; then',
    '  set -- $(rec)',
    `  if stale "$1" "$2"; then echo "took over from stale holder pid $1 (its SSH session is gone): $(head -n 1 "$f")" >&2; kill -TERM "$1"; w=${TAKEOVER_S}; else w=${waitS}; fi`,
    '  if ! flock -w "$w" 9; then',
    '    set -- $(rec); gone=""',
    '    [ -n "$1" ] && ! kill -0 "$1" 2>/dev/null && gone=" (its recorded process $1 is gone: another process holds the file open)"',
    `    echo "another envoy-k8s-proxy run holds $f: $(head -n 1 "$f")$gone" >&2; exit ${HELD}`,
    '  fi',
    'fi',
    `: > "$f"; printf '%s since %s\\npid=%s boot=%s\\n' ${quote(holder)} "$(date -u +%FT%TZ)" $$ "$boot" >&9`,
    'echo locked',
    // read-only probes run under the lock on the same channel: no second session (facts/gather.ts)
    ...(then ? [`( ${then}\n ) 9>&- </dev/null; printf '\\n${THEN_DONE}\\n'`] : []),
    'mine=" $$ "; q=$$; while ppid $q && q=$P && [ "${q:-0}" -gt 1 ]; do mine="$mine$q "; done',
    // our connection: in our env as root; under become in sudo's (env_reset drops it below)
    'conn=$SSH_CONNECTION',
    'for q in $mine; do [ -n "$conn" ] && break; conn=$(tr "\\0" "\\n" < "/proc/$q/environ" 2>/dev/null | sed -n "s/^SSH_CONNECTION=//p"); done',
    'left() {',
    '  [ -n "$conn" ] || return 0',
    '  for e in $(grep -lzxF "SSH_CONNECTION=$conn" /proc/[0-9]*/environ 2>/dev/null 9>&-); do',
    '    p=${e#/proc/}; p=${p%/environ}',
    '    case $mine in *" $p "*) continue ;; esac',
    // the connection's SFTP server is not a step: an upload only ever writes a temp name, and the
    // session idles until the connection closes, after the lock (it would hold the release 5 s)
    '    c=; { read -r c < "/proc/$p/comm"; } 2>/dev/null; [ "$c" = sftp-server ] && continue',
    // not our own subshells, nor the grep above (gone by now)
    '    [ -d "/proc/$p" ] && ppid "$p" && [ "$P" != $$ ] && echo "$p"',
    '  done; true',
    '}',
    // the builtin read: no child process inherits fd 9 and outlives us
    'while read -r line; do :; done',
    'p=$(left)',
    `[ -z "$p" ] || end=$(( $(date +%s) + ${drainS} ))`,
    'while [ -n "$p" ] && [ "$(date +%s)" -lt "$end" ]; do',
    `  : > "$f"; printf '%s (connection gone: waiting for its commands %s to end)\\npid=%s boot=%s\\n' ${quote(holder)} "$(echo $p)" $$ "$boot" >&9`,
    '  sleep 1 9>&-',
    '  p=$(left)',
    'done',
  ].join('\n');
}

export async function acquireHostLock(
  t: Transport,
  opts: { waitS?: number; answerMs?: number; dir?: string; then?: string } = {},
): Promise<HostLock> {
  const waitS = opts.waitS ?? 10;
  const dir = opts.dir ?? LOCK_DIR;
  const ac = new AbortController();
  const eof = new AbortController();
  const holder = `${userInfo().username}@${hostname()} pid ${process.pid}`;
  let locked!: () => void;
  const acquired = new Promise<void>((resolve) => (locked = resolve));
  let out = '';
  let err = '';
  // no command deadline (it lives as long as the run), but acquiring it has one
  const held = t
    .exec(['sh', '-c', lockScript(holder, waitS, dir, Math.ceil((opts.answerMs ?? 60_000) / 1000), opts.then)], {
      signal: ac.signal,
      stdinUntil: eof.signal,
      timeoutMs: 0,
      what: 'the run lock',
      onStdout: (c) => {
        out += c.toString();
        if (out.includes(opts.then ? `\n${THEN_DONE}\n` : 'locked')) locked();
      },
      onStderr: (c) => {
        err += c.toString();
      },
    })
    .catch((e: unknown) => ({ code: null, stdout: '', stderr: e instanceof Error ? e.message : String(e) }));
  const answerMs = (waitS + TAKEOVER_S) * 1000 + (opts.answerMs ?? 60_000);
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), answerMs)));
  const first = await Promise.race([acquired.then(() => 'locked' as const), held, noAnswer]);
  clearTimeout(timer);
  if (first === 'late') {
    ac.abort();
    throw new ToolError('remote', `no answer from the run lock within ${formatWait(answerMs)}`, { host: t.host });
  }
  if (first !== 'locked') {
    const why = first.stderr.trim() || err.trim();
    const path = `${dir}/${LOCK_FILE}`;
    throw new ToolError(
      'remote',
      first.code === HELD || first.code === REFUSED ? why : `unable to take ${path}: ${why || `exit ${first.code}`}`,
      { host: t.host },
    );
  }
  const note = /^took over from .*$/m.exec(err)?.[0];
  const from = out.indexOf('locked\n') + 'locked\n'.length;
  return {
    ...(note ? { tookOver: note } : {}),
    ...(opts.then ? { output: out.slice(from, out.lastIndexOf(`\n${THEN_DONE}\n`)) } : {}),
    async release() {
      eof.abort();
      const grace = setTimeout(() => ac.abort(), RELEASE_GRACE_MS);
      await held;
      clearTimeout(grace);
    },
  };
}

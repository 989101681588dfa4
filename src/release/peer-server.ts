// The seed's temporary release server and the peers' fetch, as command lines. The server is a
// systemd transient unit (`systemd-run`, RuntimeMaxSec: it ends by itself even if the control
// machine vanishes) running systemd-socket-activate bound to the seed's own address: one short sh
// per connection answers GET or HEAD of the one release file, 404 to anything else. Read-only, no
// root (DynamicUser), nothing to install: systemd, sh and coreutils are on every LB host.
import { isIP } from 'node:net';
import { PUT_IN_FLIGHT_BYTES, quote } from '../ssh/index.ts';

export interface SeedServer {
  /** systemd unit name, unique per run: ekp-seed-<run id>. */
  unit: string;
  /** The seed's own address (what peers connect to) and the inventory's peerFetch.port. */
  address: string;
  port: number;
  /** The verified release binary on the seed. */
  file: string;
  /** The one path served, e.g. /envoy-1.35.0-linux-x86_64. */
  urlPath: string;
  /** Served while it arrives from the control machine (`file` is its name once verified). */
  arriving?: Arriving;
  /** RuntimeMaxSec: the longest the server may live. */
  lifetimeSec: number;
  /** Where the per-connection script is written (default /run, a tmpfs: gone at reboot). */
  runDir?: string;
}

export const seedUnit = (runId: string): string => `ekp-seed-${runId}`;

const handlerPath = (unit: string, runDir = '/run') => `${runDir}/${unit}.sh`;

export function seedUrl(s: Pick<SeedServer, 'address' | 'port' | 'urlPath'>): string {
  const host = isIP(s.address) === 6 ? `[${s.address}]` : s.address;
  return `http://${host}:${s.port}${s.urlPath}`;
}

/** A release still arriving on the seed: its temp name and the size it will have. */
export interface Arriving {
  upload: string;
  size: number;
}

/** Seconds a peer's connection waits for an upload to begin, or for its next byte. */
const STALL_S = 60;

/**
 * Bytes of an arriving release held back from its end until the seed has verified it (the file
 * then has its final name): the upload's last writes may have landed out of order, with holes.
 */
export const ARRIVING_LAG = 2 * PUT_IN_FLIGHT_BYTES;

/**
 * One HTTP/1.0 exchange on stdin/stdout (systemd-socket-activate --inetd). The file is read
 * through one descriptor as it grows, so a release still `arriving` from the control machine is
 * served while it arrives, up to ARRIVING_LAG bytes from its end; the rest once the seed verified
 * it and it took its final name, which the same descriptor follows. A peer's copy thus ends just
 * after the seed's check, and the peer checks the sha256 of what it got either way.
 */
export function handlerScript(file: string, urlPath: string, arriving?: Arriving): string {
  const ok = String.raw`HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n`;
  const missing = String.raw`HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
  const open = (path: string) => `{ command exec 3< ${quote(path)}; } 2>/dev/null`;
  const tries = arriving ? STALL_S * 5 : 1;
  return [
    `cr=$(printf '\\r')`,
    'read -r method path version || exit 0',
    // the request's headers are read before answering: unread bytes would reset the connection
    'while read -r line && [ "$line" != "$cr" ] && [ -n "$line" ]; do :; done',
    'case "$method" in GET | HEAD) ;; *) method= ;; esac',
    `[ -n "$method" ] && [ "$path" = ${quote(urlPath)} ] || { printf '${missing}'; exit 0; }`,
    // a HEAD of an arriving release is answered at once: the server's start waits for one
    ...(arriving ? [`size=${arriving.size}`, `[ "$method" = HEAD ] && { printf '${ok}' "$size"; exit 0; }`] : []),
    // the upload under its temp name (it may not have begun yet), or the file under its final name
    'i=0',
    `until ${arriving ? `${open(arriving.upload)} || ` : ''}${open(file)}; do`,
    `  i=$((i + 1)); [ "$i" -lt ${tries} ] || { printf '${missing}'; exit 0; }`,
    '  sleep 0.2',
    'done',
    ...(arriving ? [] : ['size=$(stat -Lc %s /proc/$$/fd/3) || exit 1']),
    `printf '${ok}' "$size"`,
    '[ "$method" = HEAD ] && exit 0',
    'sent=0 idle=0',
    'while [ "$sent" -lt "$size" ]; do',
    '  have=$(stat -Lc %s /proc/$$/fd/3) || exit 1',
    // until verified (renamed to its final name), the end of an arriving release may have holes
    ...(arriving ? [`  [ "$(readlink /proc/$$/fd/3)" = ${quote(file)} ] || have=$((have - ${ARRIVING_LAG}))`] : []),
    '  [ "$have" -le "$size" ] || have=$size',
    '  if [ "$have" -gt "$sent" ]; then',
    '    dd bs=65536 iflag=count_bytes status=none count=$((have - sent)) <&3 || exit 1',
    '    sent=$have idle=0',
    '  else',
    // the upload stopped (its run failed or was cut): the peer's copy ends short, and it falls back
    `    idle=$((idle + 1)); [ "$idle" -lt ${STALL_S * 5} ] || exit 1`,
    '    sleep 0.2',
    '  fi',
    'done',
  ].join('\n');
}

/** Run as root on the seed (sh -s): start the unit, then wait until it answers a HEAD. */
export function startServerScript(s: SeedServer): string {
  const unit = quote(s.unit);
  const script = quote(handlerPath(s.unit, s.runDir));
  const bind = isIP(s.address) === 6 ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  const url = quote(seedUrl(s));
  return [
    'set -u',
    'command -v systemd-socket-activate >/dev/null || { echo "systemd-socket-activate is not installed" >&2; exit 1; }',
    'command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }',
    'umask 022',
    `printf '%s\\n' ${quote(handlerScript(s.file, s.urlPath, s.arriving))} > ${script}.tmp && mv -f ${script}.tmp ${script} || exit 1`,
    // + : the handler script is root's, the server runs as a dynamic user
    `systemd-run -q --collect --unit ${unit} --property=RuntimeMaxSec=${s.lifetimeSec} --property=DynamicUser=yes ` +
      `--property=${quote(`ExecStopPost=+/bin/rm -f ${handlerPath(s.unit, s.runDir)}`)} ` +
      `-- systemd-socket-activate -l ${quote(bind)} --accept --inetd -- /bin/sh ${script} || exit 1`,
    'i=0',
    `until curl -fsSI --noproxy '*' --max-time 2 -o /dev/null ${url} 2>/dev/null; do`,
    '  i=$((i + 1))',
    `  if [ "$i" -ge 30 ]; then`,
    `    echo "no answer on ${bind}: $(journalctl -u ${unit} -n 3 -o cat --no-pager 2>&1)" >&2`,
    `    systemctl stop ${unit} 2>/dev/null; exit 1`,
    '  fi',
    '  sleep 0.1',
    'done',
  ].join('\n');
}

/** Stop the server (its ExecStopPost removes the handler script); a unit already gone is fine. */
export function stopServerCommand(unit: string, runDir?: string): string {
  return `systemctl stop ${quote(`${unit}.service`)} 2>/dev/null; rm -f ${quote(handlerPath(unit, runDir))}; true`;
}

/**
 * Fetch from the seed into `dest`, no retry: a seed that is unreachable, refuses, or stalls (under
 * 64 KiB/s for 30 s: a release arriving at the seed comes at the control machine's uplink rate,
 * which may be slow, but moves) is left for the control machine's upload at once. Never through a
 * proxy.
 */
export function peerFetchCommand(url: string, dest: string): string {
  const d = quote(dest);
  const sum = streamedSumPath(dest);
  const part = quote(`${sum}.part`);
  const failed = quote(`${dest}.failed`);
  // The sha256 is taken as the file is written (tee), not read back after it. A POSIX sh has no
  // pipefail: a stage that fails says so in a file, and a fetch that failed leaves no sum.
  return [
    `command -v curl >/dev/null || { echo "curl is not installed on this host" >&2; exit 1; }`,
    `rm -f ${quote(sum)} ${failed}`,
    `{ curl -fsS --noproxy '*' --proto =http --connect-timeout 5 --speed-limit 65536 --speed-time 30 --max-time 900 ${quote(url)} || echo "curl exited $?" >>${failed}; }` +
      ` | { tee ${d} || echo "writing the release failed" >>${failed}; } | sha256sum >${part}`,
    `if [ -s ${failed} ]; then cat ${failed} >&2; rm -f ${failed} ${part}; exit 1; fi`,
    `mv -f ${part} ${quote(sum)}`,
  ].join('; ');
}

/** Where a fetch leaves the sha256 of what it wrote to `dest` (`sha256sum` output), for the verify. */
export function streamedSumPath(dest: string): string {
  return `${dest}.sha256`;
}

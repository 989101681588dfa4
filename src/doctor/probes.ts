// The read-only probes doctor runs on a host, all in one script (framed like src/facts/gather.ts).
// Every probe is bounded by a timeout; none writes anything on the host.
import type { ClusterSpec, Endpoint } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { quote } from '../ssh/index.ts';
import { UNIT_NAME } from '../render/index.ts';
import { parseEndpointProbe, type EndpointProbe } from './parse-curl.ts';
import { parseSs, type ListenSocket } from './parse-ss.ts';

/** Seconds allowed for one TCP connect, and for a whole HTTP exchange. */
export const CONNECT_TIMEOUT_S = 3;
export const HTTP_TIMEOUT_S = 5;

export const ssFact: FactSpec<ListenSocket[]> = { key: 'doctor:ss', script: 'ss -Hltnp', parse: parseSs };

export function versionFact(bin: string): FactSpec<{ ok: boolean; text: string }> {
  return {
    key: `doctor:version:${bin}`,
    script: `timeout 5 ${quote(bin)} --version 2>&1`,
    parse: (out, code) => ({ ok: code === 0, text: out.trim() }),
  };
}

export interface JournalFact {
  /** Unix time (with microseconds) of the unit's last activation; 0 when never active. */
  activeSince: number;
  /** The running Envoy's pid (0 when none): lines of an earlier process are older, whatever their time. */
  mainPid: number;
  /**
   * Every process of the unit (its cgroup): under hot restart the main process is the restarter and
   * Envoy runs as its children, one per epoch. Empty when not read.
   */
  pids: number[];
  /** `<unix seconds> <line>`, oldest first, at most 10. */
  entries: { ts: number; line: string }[];
}

/** systemd's own warnings for the unit, and Envoy's [warning]/[error]/[critical] lines (logged at info). */
export function journalFact(): FactSpec<JournalFact> {
  const u = quote(UNIT_NAME);
  return {
    key: 'doctor:journal',
    script:
      // microseconds: the previous process's last lines often fall in the same second as the restart
      `echo "@@since $(t=$(systemctl show -p ActiveEnterTimestamp --timestamp=us+utc --value ${u}); [ -n "$t" ] && date -d "$t" +%s.%6N)"; ` +
      `echo "@@pid $(systemctl show -p MainPID --value ${u})"; ` +
      `echo "@@pids $(cat "/sys/fs/cgroup$(systemctl show -p ControlGroup --value ${u})/cgroup.procs" 2>/dev/null | tr '\\n' ' ')"; ` +
      `timeout 10 journalctl -u ${u} -p warning -n 10 --no-pager -o short-unix; ` +
      `timeout 10 journalctl -u ${u} -n 500 --no-pager -o short-unix | grep -E '\\]\\[(warning|error|critical)\\]\\[' | tail -n 10`,
    parse: parseJournal,
  };
}

export function parseJournal(out: string): JournalFact {
  const since = /@@since @?(\d+(?:\.\d+)?)/.exec(out);
  const seen = new Set<string>();
  const entries: { ts: number; line: string }[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) (.*)$/.exec(line.trim());
    if (!m || seen.has(line)) continue;
    seen.add(line);
    entries.push({ ts: Number(m[1]), line: m[2]! });
  }
  entries.sort((a, b) => a.ts - b.ts);
  const pid = /@@pid (\d+)/.exec(out);
  const pids = (/@@pids ([\d ]*)/.exec(out)?.[1] ?? '').split(' ').filter(Boolean).map(Number);
  return {
    activeSince: since ? Number(since[1]) : 0,
    mainPid: pid ? Number(pid[1]) : 0,
    pids,
    entries: entries.slice(-10),
  };
}

export interface EndpointTarget {
  cluster: ClusterSpec;
  endpoint: Endpoint;
}

export function endpointKey(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** One endpoint: TCP connect with bash /dev/tcp (timed), then curl: TLS handshake and the health path. */
function endpointScript(t: EndpointTarget): string {
  const { host, port } = t.endpoint;
  const hc = t.cluster.healthCheck;
  // the SNI and Host header Envoy's health checker sends, while connecting to the endpoint itself
  const target = host.includes(':') ? `[${host}]` : host;
  const connectTo = ` --connect-to ${quote(`${hc.sni}:${port}:${target}:${port}`)}`;
  const url = `https://${hc.sni}:${port}${hc.path}`;
  return [
    `s=$(date +%s%N); e=$(timeout ${CONNECT_TIMEOUT_S} bash -c 'exec 3<>"/dev/tcp/$1/$2"' ekp ${quote(host)} ${port} 2>&1); rc=$?`,
    `printf '@@tcp %s %s\\n%s\\n' "$rc" "$(( ($(date +%s%N) - s) / 1000000 ))" "$e"`,
    `echo @@curl`,
    // curl only when the port accepts connections (or bash is missing): a dead endpoint costs one timeout
    `if [ "$rc" = 0 ] || [ "$rc" = 127 ]; then curl -k -sS --connect-timeout ${CONNECT_TIMEOUT_S} --max-time ${HTTP_TIMEOUT_S}${connectTo} ` +
      `-w '\\n@@w %{http_code} %{time_connect} %{time_appconnect} %{time_total}\\n' ${quote(url)} 2>&1; echo "@@rc $?"; fi`,
  ].join('\n');
}

/** All endpoints probed in parallel on the host; each output line is prefixed `<index>|` for demuxing. */
export function endpointsFact(targets: EndpointTarget[]): FactSpec<EndpointProbe[]> {
  const jobs = targets.map((t, i) => `( ${endpointScript(t)}\n ) 2>&1 | sed 's/^/${i}|/' &`);
  return {
    key: 'doctor:endpoints',
    script: jobs.length ? `${jobs.join('\n')}\nwait` : 'true',
    parse(out) {
      const blocks = targets.map(() => [] as string[]);
      for (const line of out.split('\n')) {
        const m = /^(\d+)\|(.*)$/.exec(line);
        if (m) blocks[Number(m[1])]?.push(m[2]!);
      }
      return blocks.map((b) => parseEndpointProbe(b.join('\n'), CONNECT_TIMEOUT_S));
    },
  };
}

/** The cluster stats doctor reads; Envoy filters with RE2 server-side. */
export const STATS_FILTER =
  '^cluster\\.[^.]+\\.(upstream_cx_connect_fail|upstream_cx_connect_timeout|upstream_cx_total|upstream_cx_none_healthy|outlier_detection\\.ejections_active|health_check\\.(failure|network_failure|attempt))$';

export function statsPath(): string {
  return `/stats?format=json&filter=${encodeURIComponent(STATS_FILTER)}`;
}

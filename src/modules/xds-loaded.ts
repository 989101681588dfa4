// The check that Envoy loaded the xDS files a fileSet just renamed into place. Envoy's filesystem
// subscription counts update_success / update_rejected / update_failure and publishes the accepted
// version_info as the `version_text` readout (filesystem_subscription_impl.cc, refresh()); admin
// `/stats` prints a readout as `name: "value"` (stats_render.cc, StatsTextRender). The counters
// are read once before the renames: a rise afterwards is this update's rejection.
import { quote } from '../ssh/index.ts';

export interface Loaded {
  file: string;
  /** The subscription's stat prefix, e.g. `cluster_manager.cds` or `cluster.k8s`. */
  prefix: string;
  version: string;
}

/** Seconds Envoy has to load a renamed file (it does so on the inotify event, in well under one). */
export const LOAD_BOUND_S = 15;

const FILTER = '(version_text|update_rejected|update_failure)$';

// base and now separated by a `--` line; prints ok, `rejected: <files>` or `pending: <files>`
const AWK = `BEGIN { n = split(want, w, " ") }
$0 == "--" { now = 1; next }
{ i = index($0, ": "); if (!i) next; k = substr($0, 1, i - 1); v = substr($0, i + 2)
  if (now) cur[k] = v; else base[k] = v }
END { bad = ""; wait = ""
  for (j = 1; j <= n; j++) { split(w[j], f, "="); p = f[1]; file = f[2]; ver = f[3]
    b = base[p ".update_rejected"] + base[p ".update_failure"]; c = cur[p ".update_rejected"] + cur[p ".update_failure"]
    if (c > b) bad = bad " " file; else if (cur[p ".version_text"] != "\\"" ver "\\"") wait = wait " " file }
  if (bad != "") print "rejected:" bad; else if (wait != "") print "pending:" wait; else print "ok" }`;

/**
 * Shell for a fileSet: `before` runs before the renames (is Envoy up? its counters), `check` after
 * them and exits non-zero with the reason when a file was rejected or not loaded within the bound.
 * Envoy not running: nothing to check (it loads the files when it starts, gated by `ready`).
 */
export function loadedCheck(
  statsUrl: string,
  files: Loaded[],
  boundS = LOAD_BOUND_S,
): { before: string; check: string } {
  const want = files.map((f) => `${f.prefix}=${f.file}=${f.version}`).join(' ');
  const stats = `curl -sS --max-time 2 -G --data-urlencode ${quote(`filter=${FILTER}`)} ${quote(statsUrl)}`;
  const before = `if ekp_base=$(${stats} 2>/dev/null); then ekp_live=1; else ekp_live=0; fi`;
  const check = [
    'if [ "$ekp_live" = 1 ]; then',
    `  ekp_left=${boundS * 5}`,
    '  while :; do',
    `    ekp_now=$(${stats} 2>/dev/null || true)`,
    `    ekp_said=$(printf '%s\\n--\\n%s\\n' "$ekp_base" "$ekp_now" | awk -v want=${quote(want)} ${quote(AWK)})`,
    '    case $ekp_said in',
    '      ok) break ;;',
    '      rejected:*) echo "Envoy rejected${ekp_said#rejected}" >&2; exit 1 ;;',
    '    esac',
    '    ekp_left=$((ekp_left - 1))',
    `    [ "$ekp_left" -gt 0 ] || { echo "Envoy did not load\${ekp_said#pending} within ${boundS}s" >&2; exit 1; }`,
    '    sleep 0.2',
    '  done',
    'fi',
  ].join('\n');
  return { before, check };
}

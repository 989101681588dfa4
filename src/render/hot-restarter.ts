// The hot restarter: the unit's main process when rolling.hotRestart is on, in the role of Envoy's
// restarter/hot-restarter.py (docs: intro/arch_overview/operations/hot_restart), in POSIX sh so a
// host needs no Python. It starts epoch 0 of the Envoy command it is given, and on SIGHUP
// (`systemctl reload`, ExecReload) the next epoch with `--restart-epoch N`: Envoy's new process
// takes the listening sockets over from the old one, which drains and is terminated by it after
// --parent-shutdown-time-s. As in hot-restarter.py: an epoch that exits 0 was ended on purpose; one
// that exits otherwise (or is killed) takes every epoch down and the restarter exits 1, so systemd
// restarts the whole service cleanly; SIGTERM is passed to every epoch. Each start writes the
// epoch's number to RuntimeDirectory/epoch: its mtime is when the running Envoy started, which a
// deploy compares with the config files (restart pending) the way it does ExecMainStartTimestamp.

/** Relative to /run: systemd creates it for the unit (RuntimeDirectory=) and removes it at stop. */
export const HOT_RESTART_RUNTIME_DIR = 'envoy-k8s-proxy-envoy';
export const EPOCH_FILE = `/run/${HOT_RESTART_RUNTIME_DIR}/epoch`;

/** argv[0] of the restarter in `ps` and the journal. */
export const RESTARTER_NAME = 'envoy-hot-restarter';

/** One line (systemd Exec arguments cannot hold a newline), statements joined with `; `. */
export const HOT_RESTARTER_SCRIPT = [
  'set -u',
  `d=\${RUNTIME_DIRECTORY:-/run/${HOT_RESTART_RUNTIME_DIR}}`,
  'epoch=0',
  'pids=',
  'say() { echo "hot-restarter: $*"; }',
  'start() { echo "$epoch" > "$d/epoch.tmp" && mv -f "$d/epoch.tmp" "$d/epoch"; "$@" --restart-epoch "$epoch" & pids="$pids $!"; say "epoch $epoch started as pid $!"; epoch=$((epoch + 1)); }',
  'stop() { trap - HUP TERM INT; say "stopping every epoch"; for p in $pids; do kill -TERM "$p" 2>/dev/null; done; wait; exit 0; }',
  // a child that exited stays a zombie until waited for: kill -0 would still find it
  'alive() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; case $s in Z*|X*) return 1;; esac; }',
  'trap \'start "$@"\' HUP',
  'trap stop TERM INT',
  'start "$@"',
  // a trap runs between any two commands: pids started meanwhile are kept (the part after $snap)
  'while :; do sleep 1 & wait $!; snap=$pids; left=; for p in $snap; do if alive "$p"; then left="$left $p"; continue; fi; rc=0; wait "$p" || rc=$?; if [ "$rc" -ne 0 ]; then say "pid $p exited with status $rc: stopping every epoch"; for q in $pids; do kill -KILL "$q" 2>/dev/null; done; exit 1; fi; say "pid $p exited cleanly"; done; pids="$left${pids#"$snap"}"; [ -n "$pids" ] || exit 0; done',
].join('; ');

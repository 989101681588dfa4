// envoy-k8s-proxy.service: runs the `current` release as the unprivileged envoy user, validates
// the config before every start, and sandboxes it. Two sandboxes, chosen per host (an input here:
// rendering stays pure): `full` for real hosts, and `container` without the options that need
// kernel namespaces, device nodes or procfs mounts a container host may not grant (they then
// fail the start with 226/NAMESPACE). Each option below says which set it is in, and why.
//
// Never used: PrivateUsers (a user namespace voids CAP_NET_BIND_SERVICE for ports below 1024),
// MemoryDenyWriteExecute (Envoy's Lua and Wasm runtimes need writable+executable pages),
// ProcSubset=pid (Envoy's CPU and memory sizing reads /proc outside the process' own entries).

import { posix } from 'node:path';
import type { Hardening, HostSpec, Inventory } from '../inventory/types.ts';
import { HOT_RESTART_RUNTIME_DIR, HOT_RESTARTER_SCRIPT, RESTARTER_NAME } from './hot-restarter.ts';
import { NOFILE_LIMIT } from './limits.ts';
import { execLine, unitValue } from './systemd-quote.ts';
import type { RenderedFile } from './types.ts';
import { header } from './yaml.ts';

export const UNIT_NAME = 'envoy-k8s-proxy.service';
export const UNIT_FILE_MODE = 0o644;

export type Sandbox = 'full' | 'container';

/**
 * The sandbox a host gets: its inventory setting, or under auto what the host is. `container` is
 * what `systemd-detect-virt --container` printed (null: not a container, undefined: not asked,
 * as in offline render, which then shows what a real host gets).
 */
export function sandboxFor(hardening: Hardening, container: string | null | undefined): Sandbox {
  if (hardening !== 'auto') return hardening;
  return container ? 'container' : 'full';
}

/** The marker line that tells doctor which sandbox an installed unit has. */
export const SANDBOX_MARKER = '# Sandbox: ';

/** Options only the full sandbox sets: each needs a namespace, device nodes or a procfs mount. */
export const FULL_ONLY = [
  // a private /dev with only null, zero, random…: no disks, no /dev/mem (mount namespace + mknod)
  'PrivateDevices=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  // no settimeofday/adjtimex and no /dev/rtc (device cgroup)
  'ProtectClock=yes',
  // a UTS namespace: Envoy cannot change the host name
  'ProtectHostname=yes',
  // other users' processes are invisible in /proc (a procfs mount with hidepid)
  'ProtectProc=invisible',
  // an IPC namespace: the unit's own, shared by the epochs of a hot restart (its shared memory)
  'PrivateIPC=yes',
] as const;

function needsBindCapability(inv: Inventory): boolean {
  return inv.admin.port < 1024 || inv.clusters.some((c) => c.listenPort < 1024);
}

function envoyCommand(inv: Inventory): { validate: string[]; run: string[]; reload?: string[] } {
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  const config = posix.join(inv.paths.configDir, 'envoy.yaml');
  const run = [envoy, '-c', config, '--log-level', inv.envoy.logLevel];
  if (inv.envoy.concurrency !== undefined) run.push('--concurrency', String(inv.envoy.concurrency));
  // Envoy's drain period (a graceful /drain_listeners by hand) as long as a rolling restart's wait.
  const drainS = Math.max(1, Math.ceil(inv.rolling.drainMs / 1000));
  run.push('--drain-time-s', String(drainS));
  const hot = inv.rolling.hotRestart;
  // Without hot restart, restarts go through systemd: no shared memory or domain socket. With it,
  // the old epoch keeps its established connections through the drain, then is terminated (a FIN
  // each) a second after it.
  run.push(...(hot ? ['--parent-shutdown-time-s', String(drainS + 1)] : ['--disable-hot-restart']));
  // An lds/cds/eds update with an unknown field is rejected (old config kept), never half-read.
  run.push('--reject-unknown-dynamic-fields');
  const validate = [envoy, '--mode', 'validate', '-c', config];
  if (!hot) return { validate, run };
  // the restarter runs the epochs: SIGHUP (systemctl reload) starts the next one
  return {
    validate,
    run: ['/bin/sh', '-c', HOT_RESTARTER_SCRIPT, RESTARTER_NAME, ...run],
    reload: ['/bin/kill', '-HUP', '$MAINPID'],
  };
}

export const RESTART_SEC = 3;
export const START_LIMIT_INTERVAL_SEC = 60;
export const START_LIMIT_BURST = 30;

export function renderUnit(inv: Inventory, host: HostSpec, sandbox: Sandbox): RenderedFile {
  const cmd = envoyCommand(inv);
  const caps = needsBindCapability(inv) ? 'CAP_NET_BIND_SERVICE' : '';
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    '[Unit]',
    'Description=Envoy L4 load balancer for the Kubernetes API servers (envoy-k8s-proxy)',
    'After=network-online.target',
    'Wants=network-online.target',
    // systemd's default (5 starts in 10 s) would leave a crash-looping Envoy failed for good after
    // ~10 s. Automatic restarts come RestartSec apart, so they never reach this burst: the limit
    // only stops a storm of manual starts, and even then only until the interval has passed.
    `StartLimitIntervalSec=${START_LIMIT_INTERVAL_SEC}s`,
    `StartLimitBurst=${START_LIMIT_BURST}`,
    '',
    '[Service]',
    // exec: `systemctl start` fails when the binary cannot be started, not later.
    'Type=exec',
    `User=${unitValue(inv.paths.user)}`,
    `Group=${unitValue(inv.paths.group)}`,
    `ExecStartPre=${execLine(cmd.validate)}`,
    `ExecStart=${execLine(cmd.run)}`,
    // systemd's own variable: written as is, never escaped like an argument
    ...(cmd.reload ? [`ExecReload=${cmd.reload.join(' ')}`, `RuntimeDirectory=${HOT_RESTART_RUNTIME_DIR}`] : []),
    // Restart even after a clean exit (POST /quitquitquit): only `systemctl stop` stops the front door.
    'Restart=always',
    `RestartSec=${RESTART_SEC}s`,
    // Envoy exits promptly on SIGTERM; connection draining happens through the admin API first.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    '# Two descriptors per proxied connection; systemd lowers this to a smaller hard limit.',
    `LimitNOFILE=${NOFILE_LIMIT}`,
    'UMask=0027',
    '',
    sandbox === 'full'
      ? `${SANDBOX_MARKER}full`
      : `${SANDBOX_MARKER}container (for container hosts: without ${FULL_ONLY.map((o) => o.split('=')[0]).join(', ')})`,
    // the only directory Envoy writes to: the inventory rules keep the access log inside it
    `ReadWritePaths=${unitValue(inv.paths.logDir)}`,
    // Only listener or admin ports below 1024 need a capability; otherwise none at all.
    `CapabilityBoundingSet=${caps}`,
    `AmbientCapabilities=${caps}`,
    'NoNewPrivileges=yes',
    // Both sets: mount-namespace options, which systemd-nspawn, LXC and Docker hosts support.
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelTunables=yes',
    'ProtectControlGroups=yes',
    ...(sandbox === 'full' ? FULL_ONLY : []),
    // Both sets: seccomp and prctl need no namespace, only NoNewPrivileges.
    // AF_NETLINK: Envoy enumerates interfaces (getifaddrs) at startup.
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'RemoveIPC=yes',
    'SystemCallArchitectures=native',
    // systemd's list for ordinary services, minus privileged calls (setuid, mount, module, swap,
    // clock, raw I/O…) and resource changes (setrlimit, setpriority, sched_setaffinity, mbind):
    // Envoy runs as its own user and leaves limits to the unit.
    'SystemCallFilter=@system-service',
    'SystemCallFilter=~@privileged @resources',
    // A call outside the list fails with EPERM instead of killing Envoy mid-traffic.
    'SystemCallErrorNumber=EPERM',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return { name: UNIT_NAME, content: lines.join('\n') + '\n', mode: UNIT_FILE_MODE };
}

// envoy-k8s-proxy.service: runs the `current` release as the unprivileged envoy user, validates
// the config before every start, and applies the sandboxing that works inside the lab's
// systemd-nspawn hosts too.
//
// Left out on purpose (they need kernel namespaces or device/cgroup access that nested
// containers often lack and then fail with 226/NAMESPACE): PrivateDevices, PrivateUsers,
// ProtectHostname, ProtectKernelModules, ProtectKernelLogs, ProtectClock, MemoryDenyWriteExecute.
// Kept: the mount-namespace ones (ProtectSystem, ProtectHome, PrivateTmp, ProtectKernelTunables,
// ProtectControlGroups), which nspawn hosts support, and the seccomp/prctl ones, which need none.

import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { NOFILE_LIMIT } from './limits.ts';
import { execLine, unitValue } from './systemd-quote.ts';
import type { RenderedFile } from './types.ts';
import { header } from './yaml.ts';

export const UNIT_NAME = 'envoy-k8s-proxy.service';
export const UNIT_FILE_MODE = 0o644;

function needsBindCapability(inv: Inventory): boolean {
  return inv.admin.port < 1024 || inv.clusters.some((c) => c.listenPort < 1024);
}

function envoyCommand(inv: Inventory): { validate: string[]; run: string[] } {
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  const config = posix.join(inv.paths.configDir, 'envoy.yaml');
  const run = [envoy, '-c', config, '--log-level', inv.envoy.logLevel];
  if (inv.envoy.concurrency !== undefined) run.push('--concurrency', String(inv.envoy.concurrency));
  // Graceful /drain_listeners lasts as long as the rolling restart waits before stopping.
  run.push('--drain-time-s', String(Math.max(1, Math.ceil(inv.rolling.drainMs / 1000))));
  // Restarts go through systemd, never Envoy's hot restart: no shared memory or domain socket.
  run.push('--disable-hot-restart');
  // An lds/cds/eds update with an unknown field is rejected (old config kept), never half-read.
  run.push('--reject-unknown-dynamic-fields');
  return { validate: [envoy, '--mode', 'validate', '-c', config], run };
}

export function renderUnit(inv: Inventory, host: HostSpec): RenderedFile {
  const cmd = envoyCommand(inv);
  const caps = needsBindCapability(inv) ? 'CAP_NET_BIND_SERVICE' : '';
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    '[Unit]',
    'Description=Envoy L4 load balancer for the Kubernetes API servers (envoy-k8s-proxy)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    // exec: `systemctl start` fails when the binary cannot be started, not later.
    'Type=exec',
    `User=${unitValue(inv.paths.user)}`,
    `Group=${unitValue(inv.paths.group)}`,
    `ExecStartPre=${execLine(cmd.validate)}`,
    `ExecStart=${execLine(cmd.run)}`,
    'Restart=on-failure',
    'RestartSec=2s',
    // Envoy exits promptly on SIGTERM; connection draining happens through the admin API first.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    '# Two descriptors per proxied connection; systemd lowers this to a smaller hard limit.',
    `LimitNOFILE=${NOFILE_LIMIT}`,
    'UMask=0027',
    '',
    '# Sandbox. Not used because nested containers often lack them (226/NAMESPACE):',
    '# PrivateDevices, PrivateUsers, ProtectHostname, ProtectKernelModules, ProtectKernelLogs, ProtectClock.',
    // the only directory Envoy writes to: the inventory rules keep the access log inside it
    `ReadWritePaths=${unitValue(inv.paths.logDir)}`,
    // Only listener or admin ports below 1024 need a capability; otherwise none at all.
    `CapabilityBoundingSet=${caps}`,
    `AmbientCapabilities=${caps}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelTunables=yes',
    'ProtectControlGroups=yes',
    // AF_NETLINK: Envoy enumerates interfaces (getifaddrs) at startup.
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return { name: UNIT_NAME, content: lines.join('\n') + '\n', mode: UNIT_FILE_MODE };
}

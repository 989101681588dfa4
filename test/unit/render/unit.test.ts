// The systemd unit: command lines, limits, capabilities and sandboxing.

import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.ts';
import { FULL_ONLY, renderUnit, sandboxFor, type Sandbox } from '../../../src/render/index.ts';
import { RESTART_SEC, START_LIMIT_BURST, START_LIMIT_INTERVAL_SEC } from '../../../src/render/unit.ts';
import { execArg } from '../../../src/render/systemd-quote.ts';
import { cluster, host, inventory } from './fixtures.ts';

function unit(
  over: Partial<Inventory> = {},
  ports: number[] = [6443],
  sandbox: Sandbox = 'full',
): Map<string, string[]> {
  const inv = inventory({
    clusters: ports.map((p, i) => cluster(`c${i}`, p, [{ host: '10.0.0.1', port: 6443 }])),
    hosts: [host('lb1', '10.0.0.100')],
    ...over,
  });
  const directives = new Map<string, string[]>();
  for (const line of renderUnit(inv, inv.hosts[0]!, sandbox).content.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
  }
  return directives;
}

const one = (d: Map<string, string[]>, key: string) => {
  expect(d.get(key), key).toHaveLength(1);
  return d.get(key)![0]!;
};

describe('systemd unit', () => {
  it('validates the config before starting the current release', () => {
    const d = unit();
    expect(one(d, 'ExecStartPre')).toBe(
      '/opt/envoy-k8s-proxy/current/envoy --mode validate -c /etc/envoy-k8s-proxy/envoy.yaml',
    );
    expect(one(d, 'ExecStart')).toBe(
      '/opt/envoy-k8s-proxy/current/envoy -c /etc/envoy-k8s-proxy/envoy.yaml --log-level info --drain-time-s 5 --disable-hot-restart --reject-unknown-dynamic-fields',
    );
    expect(one(d, 'User')).toBe('envoy');
    expect(one(d, 'Group')).toBe('envoy');
    expect(one(d, 'WantedBy')).toBe('multi-user.target');
    expect(one(d, 'LimitNOFILE')).toBe('65536');
  });

  it('passes log level, concurrency and a drain time rounded up to whole seconds', () => {
    const base = inventory();
    const d = unit({
      envoy: { ...base.envoy, logLevel: 'warn', concurrency: 2 },
      rolling: { ...base.rolling, drainMs: 2500 },
    });
    expect(one(d, 'ExecStart')).toMatch(/ --log-level warn --concurrency 2 --drain-time-s 3 /);
  });

  it('grants CAP_NET_BIND_SERVICE only when a port is below 1024', () => {
    expect(one(unit(), 'CapabilityBoundingSet')).toBe('');
    expect(one(unit(), 'AmbientCapabilities')).toBe('');
    expect(one(unit({}, [6443, 443]), 'AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(one(unit({}, [6443, 443]), 'CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one(unit({ admin: { address: '127.0.0.1', port: 901 } }), 'AmbientCapabilities')).toBe(
      'CAP_NET_BIND_SERVICE',
    );
  });

  it('keeps the file system read-only except where Envoy logs', () => {
    const d = unit();
    expect(one(d, 'ProtectSystem')).toBe('strict');
    expect(one(d, 'ReadWritePaths')).toBe('/var/log/envoy-k8s-proxy');
    // the access log is always inside the log directory (the inventory rules refuse it elsewhere)
    const moved = unit({
      paths: { ...inventory({}).paths, logDir: '/srv/logs/lb' },
      accessLog: { enabled: true, path: '/srv/logs/lb/access.log' },
    });
    expect(one(moved, 'ReadWritePaths')).toBe('/srv/logs/lb');
  });

  it('restarts forever: automatic restarts can never reach the start limit', () => {
    const d = unit();
    expect(one(d, 'Restart')).toBe('always');
    expect(one(d, 'RestartSec')).toBe(`${RESTART_SEC}s`);
    expect(one(d, 'StartLimitIntervalSec')).toBe(`${START_LIMIT_INTERVAL_SEC}s`);
    expect(one(d, 'StartLimitBurst')).toBe(String(START_LIMIT_BURST));
    // starts within one interval when each comes RestartSec after the last: the first, then one per RestartSec
    const autoStarts = 1 + Math.floor(START_LIMIT_INTERVAL_SEC / RESTART_SEC);
    expect(autoStarts).toBeLessThan(START_LIMIT_BURST);
  });

  it('full sandbox: every option, and a marker doctor reads', () => {
    const d = unit();
    for (const k of [
      'NoNewPrivileges',
      'ProtectHome',
      'PrivateTmp',
      'ProtectKernelTunables',
      'ProtectControlGroups',
      'LockPersonality',
      'RestrictNamespaces',
      'RestrictRealtime',
      'RestrictSUIDSGID',
      'RemoveIPC',
    ]) {
      expect(one(d, k), k).toBe('yes');
    }
    for (const k of [
      'PrivateDevices',
      'ProtectKernelModules',
      'ProtectKernelLogs',
      'ProtectClock',
      'ProtectHostname',
      'PrivateIPC',
    ])
      expect(one(d, k), k).toBe('yes');
    expect(one(d, 'ProtectProc')).toBe('invisible');
    expect(one(d, 'SystemCallArchitectures')).toBe('native');
    expect(d.get('SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
    expect(one(d, 'SystemCallErrorNumber')).toBe('EPERM');
    expect(one(d, 'RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK');
    // never: a user namespace voids CAP_NET_BIND_SERVICE; Lua/Wasm need W+X pages
    for (const k of ['PrivateUsers', 'MemoryDenyWriteExecute']) expect(d.has(k), k).toBe(false);
  });

  it('container sandbox: the same minus the options that need namespaces, devices or procfs mounts', () => {
    const full = unit();
    const reduced = unit({}, [6443], 'container');
    const left = FULL_ONLY.map((o) => o.split('=')[0]!);
    for (const k of left) expect(reduced.has(k), k).toBe(false);
    for (const [k, v] of full) if (!left.includes(k)) expect(reduced.get(k), k).toEqual(v);
    const text = (s: Sandbox) =>
      renderUnit(
        inventory({
          clusters: [cluster('c', 6443, [{ host: '10.0.0.1', port: 6443 }])],
          hosts: [host('lb1', '10.0.0.100')],
        }),
        host('lb1', '10.0.0.100'),
        s,
      ).content;
    expect(text('full')).toMatch(/^# Sandbox: full$/m);
    expect(text('container')).toMatch(
      /^# Sandbox: container \(for container hosts: without PrivateDevices, ProtectKernelModules, ProtectKernelLogs, ProtectClock, ProtectHostname, ProtectProc, PrivateIPC\)$/m,
    );
  });

  it('chooses the sandbox from the inventory, or under auto from what the host is', () => {
    expect(sandboxFor('auto', 'systemd-nspawn')).toBe('container');
    expect(sandboxFor('auto', 'lxc')).toBe('container');
    expect(sandboxFor('auto', null)).toBe('full');
    // offline (render): what a real host gets
    expect(sandboxFor('auto', undefined)).toBe('full');
    expect(sandboxFor('full', 'systemd-nspawn')).toBe('full');
    expect(sandboxFor('container', null)).toBe('container');
  });

  it('escapes specifiers, variables and spaces in paths', () => {
    expect(execArg('/opt/a b/envoy')).toBe('"/opt/a b/envoy"');
    expect(execArg('/opt/50%/envoy')).toBe('/opt/50%%/envoy');
    expect(execArg('/opt/$HOME/envoy')).toBe('/opt/$$HOME/envoy');
    expect(execArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(() => execArg('a\nb')).toThrow(/newline/);
    const base = inventory();
    const d = unit({ paths: { ...base.paths, installDir: '/opt/my proxy' } });
    expect(one(d, 'ExecStart')).toMatch(/^"\/opt\/my proxy\/current\/envoy" -c /);
  });
});

// The systemd unit: command lines, limits, capabilities and sandboxing.

import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.ts';
import { renderUnit } from '../../../src/render/index.ts';
import { execArg } from '../../../src/render/systemd-quote.ts';
import { cluster, host, inventory } from './fixtures.ts';

function unit(over: Partial<Inventory> = {}, ports: number[] = [6443]): Map<string, string[]> {
  const inv = inventory({
    clusters: ports.map((p, i) => cluster(`c${i}`, p, [{ host: '10.0.0.1', port: 6443 }])),
    hosts: [host('lb1', '10.0.0.100')],
    ...over,
  });
  const directives = new Map<string, string[]>();
  for (const line of renderUnit(inv, inv.hosts[0]!).content.split('\n')) {
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
    expect(one(d, 'ExecStartPre')).toBe('/opt/envoy-k8s-proxy/current/envoy --mode validate -c /etc/envoy-k8s-proxy/envoy.yaml');
    expect(one(d, 'ExecStart')).toBe(
      '/opt/envoy-k8s-proxy/current/envoy -c /etc/envoy-k8s-proxy/envoy.yaml --log-level info --drain-time-s 5 --disable-hot-restart --reject-unknown-dynamic-fields',
    );
    expect(one(d, 'User')).toBe('envoy');
    expect(one(d, 'Group')).toBe('envoy');
    expect(one(d, 'WantedBy')).toBe('multi-user.target');
    expect(one(d, 'Restart')).toBe('on-failure');
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
    expect(one(unit({ admin: { address: '127.0.0.1', port: 901 } }), 'AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
  });

  it('keeps the file system read-only except where Envoy logs', () => {
    const d = unit();
    expect(one(d, 'ProtectSystem')).toBe('strict');
    expect(one(d, 'ReadWritePaths')).toBe('/var/log/envoy-k8s-proxy');
    // the access log is always inside the log directory (the inventory rules refuse it elsewhere)
    const moved = unit({ paths: { ...inventory({}).paths, logDir: '/srv/logs/lb' }, accessLog: { enabled: true, path: '/srv/logs/lb/access.log' } });
    expect(one(moved, 'ReadWritePaths')).toBe('/srv/logs/lb');
  });

  it('applies only sandboxing that works in systemd-nspawn hosts', () => {
    const d = unit();
    for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'ProtectKernelTunables', 'ProtectControlGroups', 'LockPersonality', 'RestrictNamespaces']) {
      expect(one(d, k), k).toBe('yes');
    }
    expect(one(d, 'SystemCallArchitectures')).toBe('native');
    expect(one(d, 'RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK');
    for (const k of ['PrivateDevices', 'PrivateUsers', 'ProtectHostname', 'ProtectKernelModules', 'MemoryDenyWriteExecute']) {
      expect(d.has(k), k).toBe(false);
    }
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

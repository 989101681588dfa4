// What may be a managed directory or the service account (src/inventory/dedicated.ts), as tables.
import { describe, expect, it } from 'vitest';
import { isInside, normalizeDir, reservedAccount, systemLocation } from '../../../src/inventory/dedicated.ts';
import { parseInventory } from '../../../src/inventory/index.ts';

describe('systemLocation', () => {
  it.each([
    '/',
    '//',
    '/etc',
    '/etc/',
    '/usr',
    '/opt',
    '/srv',
    '/var',
    '/data',
    '/var/log',
    '/var/lib',
    '/var/cache',
    '/var/opt',
    '/usr/local',
    '/usr/local/bin',
    '/usr/bin',
    '/usr/lib/envoy',
    '/usr/share/envoy',
    '/tmp/x',
    '/var/tmp/x',
    '/run/x',
    '/var/run/x',
    '/dev/shm/x',
    '/proc/1',
    '/sys/fs',
    '/home/ops/envoy',
    '/root/envoy',
    '/boot/envoy',
    '/etc/systemd/system',
    '/etc/ssh/x',
    '/etc/sudoers.d',
    '/etc/default',
    '/etc/kubernetes/pki',
    '/var/lib/dpkg/x',
    '/var/log/journal',
    '/./etc/../etc/ssh',
  ])('refuses %s', (path) => expect(systemLocation(path)).toBeDefined());

  it.each([
    '/opt/envoy-k8s-proxy',
    '/etc/envoy-k8s-proxy',
    '/var/log/envoy-k8s-proxy',
    '/var/lib/envoy-k8s-proxy',
    '/usr/local/envoy-k8s-proxy',
    '/usr/local/lib/envoy',
    '/srv/lb/envoy',
    '/data/envoy',
    '/etc/envoy/',
    '/var/log/lb/envoy',
  ])('accepts %s', (path) => expect(systemLocation(path)).toBeUndefined());
});

describe('paths', () => {
  it('normalizes before comparing', () => {
    expect(normalizeDir('/etc//envoy/./x/')).toBe('/etc/envoy/x');
    expect(isInside('/opt/a', '/opt/a/b')).toBe(true);
    expect(isInside('/opt/a', '/opt/ab')).toBe(false);
    expect(isInside('/opt/a', '/opt/a')).toBe(true);
  });
});

describe('reservedAccount', () => {
  it.each([
    'root',
    'daemon',
    'bin',
    'sys',
    'sync',
    'games',
    'man',
    'lp',
    'mail',
    'news',
    'uucp',
    'proxy',
    'www-data',
    'backup',
    'list',
    'irc',
    'nobody',
    'sshd',
    'systemd-network',
    'systemd-timesync',
    'messagebus',
    'sudo',
    'adm',
    'wheel',
    'staff',
    'users',
    'ubuntu',
    'ec2-user',
    '_apt',
  ])('refuses %s', (name) => expect(reservedAccount(name)).toBeDefined());
  it.each(['envoy', 'envoy-proxy', 'ekp', 'lb_envoy'])('accepts %s', (name) =>
    expect(reservedAccount(name)).toBeUndefined(),
  );
});

describe('the access log follows the log directory', () => {
  it('defaults to <logDir>/access.log', () => {
    const inv = parseInventory(
      'clusters: [{name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}]\nhosts: [{name: lb1, address: 10.0.0.11}]\npaths: {logDir: /srv/lb/log}\n',
      'x.yaml',
      { baseDir: '/', home: '/home/ops' },
    );
    expect(inv.accessLog.path).toBe('/srv/lb/log/access.log');
  });
});

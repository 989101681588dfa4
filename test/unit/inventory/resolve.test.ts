// Defaults, merging, duration conversion and path resolution of valid inventories.
import { describe, expect, it } from 'vitest';
import { deepMerge } from '../../../src/inventory/defaults.ts';
import { parseInventory } from '../../../src/inventory/index.ts';
import { renderResources } from '../../../src/render/index.ts';
import { cluster } from '../render/fixtures.ts';

const MINIMAL = `
clusters:
  - {name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}
hosts:
  - {name: lb1, address: 10.0.0.11}
`;
const opts = { baseDir: '/srv/inventories', home: '/home/ops' };
const parse = (text: string) => parseInventory(text, 'hosts/test.yaml', opts);

describe('rolling.hotRestart', () => {
  const fleet = (n: number, extra = '') =>
    parse(
      `clusters: [{name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}]\nhosts: [${Array.from({ length: n }, (_, i) => `{name: lb${i + 1}}`).join(', ')}]\n${extra}`,
    );
  it('auto: on for a single-host fleet only', () => {
    expect(fleet(1).rolling.hotRestart).toBe(true);
    expect(fleet(3).rolling.hotRestart).toBe(false);
  });
  it('an explicit value wins either way', () => {
    expect(fleet(1, 'rolling: {hotRestart: false}').rolling.hotRestart).toBe(false);
    expect(fleet(3, 'rolling: {hotRestart: true}').rolling.hotRestart).toBe(true);
  });
  it('anything else is an error naming the key', () => {
    expect(() => fleet(1, 'rolling: {hotRestart: yes-please}')).toThrow(
      /rolling\.hotRestart.*expected true, false or "auto"/s,
    );
  });
});

describe('defaults', () => {
  it('fills every key of a minimal inventory', () => {
    const inv = parse(MINIMAL);
    expect(inv.file).toBe('hosts/test.yaml');
    expect(inv.name).toBe('test');
    expect(inv.envoy).toEqual({
      version: '1.35.0',
      sha256: {},
      insecureMirror: false,
      fetch: 'control',
      logLevel: 'info',
    });
    expect(inv.admin).toEqual({ address: '127.0.0.1', port: 10000 });
    // the render fixtures are built with the documented defaults: the loader must agree with them
    expect(inv.clusters).toEqual([cluster('k8s', 6443, [{ host: '10.0.0.1', port: 6443 }])]);
    const ssh = {
      user: 'root',
      port: 22,
      knownHosts: '/home/ops/.ssh/known_hosts',
      hostKeyChecking: 'strict',
      become: false,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 60_000,
    };
    expect(inv.ssh).toEqual(ssh);
    expect(inv.hosts).toEqual([{ name: 'lb1', address: '10.0.0.11', ssh: { ...ssh, given: [] }, hardening: 'auto' }]);
    expect(inv.rolling).toEqual({
      serial: { kind: 'count', value: 1 },
      drainMs: 5000,
      healthTimeoutMs: 60_000,
      minHealthyEndpoints: 1,
      maxFailPercent: 0,
      soakMs: 3000,
      maxConnectFailures: 5,
      // one host: no peer takes its traffic, so restarts keep the listening sockets
      hotRestart: true,
    });
    expect(inv.accessLog).toEqual({ enabled: true, path: '/var/log/envoy-k8s-proxy/access.log' });
    expect(inv.paths).toEqual({
      installDir: '/opt/envoy-k8s-proxy',
      configDir: '/etc/envoy-k8s-proxy',
      logDir: '/var/log/envoy-k8s-proxy',
      user: 'envoy',
      group: 'envoy',
    });
  });

  it('uses the host name as its address when none is given', () => {
    const inv = parse(MINIMAL.replace('{name: lb1, address: 10.0.0.11}', '{name: lb1.example}'));
    expect(inv.hosts[0]!.address).toBe('lb1.example');
  });
});

describe('health check SNI (README: defaults to kubernetes)', () => {
  const tlsOf = (text: string) => {
    const inv = parse(text);
    const c = (renderResources(inv, inv.hosts[0]!).cds.resources as Record<string, any>[])[0]!;
    return {
      sni: c.transport_socket_matches[0].transport_socket.typed_config.sni,
      host: c.health_checks[0].http_health_check.host,
    };
  };

  it('renders sni and the Host header kubernetes when the inventory names none', () => {
    expect(tlsOf(MINIMAL)).toEqual({ sni: 'kubernetes', host: 'kubernetes' });
  });

  it('renders the SNI the inventory gives', () => {
    expect(tlsOf(`defaults: {healthCheck: {sni: api.example.internal}}\n${MINIMAL}`)).toEqual({
      sni: 'api.example.internal',
      host: 'api.example.internal',
    });
  });
});

describe('hardening', () => {
  it('is auto unless set; a host setting wins over the inventory one', () => {
    expect(parse(MINIMAL).hosts[0]!.hardening).toBe('auto');
    const inv = parse(
      `hardening: container\nclusters: [{name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}]\nhosts: [{name: a}, {name: b, hardening: full}]\n`,
    );
    expect(inv.hosts.map((h) => h.hardening)).toEqual(['container', 'full']);
  });
});

describe('merging: built-in < defaults: < cluster', () => {
  const inv = parse(`
defaults:
  lbPolicy: LEAST_REQUEST
  healthCheck: {type: readyz, interval: 10s, sni: kubernetes}
  outlierDetection: {enabled: false}
  tcpKeepalive: {time: 1m}
  idleTimeout: 1h
clusters:
  - name: a
    listenPort: 6443
    endpoints: [10.0.0.1:6443]
  - name: b
    listenPort: 6444
    lbPolicy: RANDOM
    endpoints: ["[fd00::1]:6443", 10.0.0.9:443]
    healthCheck: {type: tcp, timeout: 1s}
    outlierDetection: {maxEjectionPercent: 100}
    idleTimeout: 0s
hosts: [{name: lb1, address: 10.0.0.11}]
`);
  const [a, b] = inv.clusters;

  it.each([
    ['a: lbPolicy from defaults', a!.lbPolicy, 'LEAST_REQUEST'],
    ['b: lbPolicy from the cluster', b!.lbPolicy, 'RANDOM'],
    [
      'a: healthCheck from defaults and built-ins',
      a!.healthCheck,
      {
        type: 'readyz',
        path: '/readyz',
        intervalMs: 10_000,
        timeoutMs: 800,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        sni: 'kubernetes',
      },
    ],
    [
      'b: healthCheck merged key by key',
      b!.healthCheck,
      {
        type: 'tcp',
        path: '/readyz',
        intervalMs: 10_000,
        timeoutMs: 1000,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        sni: 'kubernetes',
      },
    ],
    ['b: outlierDetection keeps defaults: enabled: false', b!.outlierDetection.enabled, false],
    ['b: outlierDetection override', b!.outlierDetection.maxEjectionPercent, 100],
    ['a: tcpKeepalive time in seconds', a!.tcpKeepalive, { probes: 3, timeSec: 60, intervalSec: 10 }],
    ['a: idleTimeout from defaults', a!.idleTimeoutMs, 3_600_000],
    ['b: idleTimeout 0s disables', b!.idleTimeoutMs, 0],
    [
      'b: endpoints split, IPv6 unbracketed',
      b!.endpoints,
      [
        { host: 'fd00::1', port: 6443 },
        { host: '10.0.0.9', port: 443 },
      ],
    ],
  ])('%s', (_, actual, expected) => expect(actual).toEqual(expected));

  it('deepMerge replaces lists and scalars, merges mappings, skips undefined', () => {
    expect(
      deepMerge({ a: 1, l: [1, 2], m: { x: 1, y: 2 } }, { l: [3], m: { y: 3 } }, { a: undefined, m: { z: 4 } }),
    ).toEqual({
      a: 1,
      l: [3],
      m: { x: 1, y: 3, z: 4 },
    });
  });

  it('does not share nested objects between clusters', () => {
    expect(a!.healthCheck).not.toBe(b!.healthCheck);
  });
});

describe('ssh and paths', () => {
  const inv = parse(`
envoy: {localFile: ./bin/envoy, mirror: "https://mirror.example/envoy/", sha256: {x86_64: ${'ab'.repeat(32)}}}
ssh:
  user: ops
  identityFile: ~/.ssh/id_ed25519
  knownHosts: keys/known_hosts
  connectTimeout: 1m30s
  commandTimeout: 2m
  proxyJump: ops@bastion.example:22
clusters:
  - {name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}
hosts:
  - {name: lb1, address: 10.0.0.11, listenAddress: 10.0.0.11, ssh: {user: ubuntu, become: true}}
  - {name: lb2, address: 10.0.0.12, ssh: {identityFile: /etc/keys/lb2, port: 2222, commandTimeout: 500ms}}
rolling: {serial: "25%", drain: 250ms}
`);

  it('expands ~ and resolves relative control-machine paths against the inventory directory', () => {
    expect(inv.ssh.identityFile).toBe('/home/ops/.ssh/id_ed25519');
    expect(inv.ssh.knownHosts).toBe('/srv/inventories/keys/known_hosts');
    expect(inv.envoy.localFile).toBe('/srv/inventories/bin/envoy');
  });

  it('localFile implies fetch: control; the mirror loses its trailing slash', () => {
    expect(inv.envoy.fetch).toBe('control');
    expect(inv.envoy.mirror).toBe('https://mirror.example/envoy');
    expect(inv.envoy.sha256).toEqual({ x86_64: 'ab'.repeat(32) });
  });

  it('merges each host ssh over the global ssh', () => {
    expect(inv.ssh).toMatchObject({
      user: 'ops',
      become: false,
      connectTimeoutMs: 90_000,
      commandTimeoutMs: 120_000,
      proxyJump: 'ops@bastion.example:22',
    });
    expect(inv.hosts[0]!.ssh).toMatchObject({
      user: 'ubuntu',
      become: true,
      port: 22,
      identityFile: '/home/ops/.ssh/id_ed25519',
      commandTimeoutMs: 120_000,
    });
    expect(inv.hosts[1]!.ssh.commandTimeoutMs).toBe(500);
    expect(inv.hosts[0]!.listenAddress).toBe('10.0.0.11');
    expect(inv.hosts[1]!.ssh).toMatchObject({
      user: 'ops',
      port: 2222,
      identityFile: '/etc/keys/lb2',
      proxyJump: 'ops@bastion.example:22',
    });
    expect(inv.hosts[1]).not.toHaveProperty('listenAddress');
  });

  it('parses serial percentages and sub-second durations', () => {
    expect(inv.rolling.serial).toEqual({ kind: 'percent', value: 25 });
    expect(inv.rolling.drainMs).toBe(250);
  });

  it('parses a serial list: the batch sizes in order', () => {
    const listed = parseInventory(`${MINIMAL}rolling: {serial: [1, "50%", 4]}\n`, '/etc/ekp/hosts/x.yml', {
      home: '/h',
    });
    expect(listed.rolling.serial).toEqual([
      { kind: 'count', value: 1 },
      { kind: 'percent', value: 50 },
      { kind: 'count', value: 4 },
    ]);
  });

  it('defaults baseDir to the directory of the file', () => {
    const rel = parseInventory('envoy: {localFile: envoy}\n' + MINIMAL, '/etc/ekp/hosts/x.yml', { home: '/h' });
    expect(rel.envoy.localFile).toBe('/etc/ekp/hosts/envoy');
    expect(rel.name).toBe('x');
  });
});

describe('listen addresses that do not collide', () => {
  it.each([
    [
      'different ports',
      '{name: a, listenPort: 6443, endpoints: [10.0.0.1:1]}\n  - {name: b, listenPort: 6444, endpoints: [10.0.0.1:1]}',
    ],
    [
      'same port on two specific addresses',
      '{name: a, listenPort: 6443, listenAddress: 10.0.0.5, endpoints: [10.0.0.1:1]}\n  - {name: b, listenPort: 6443, listenAddress: 10.0.0.6, endpoints: [10.0.0.1:1]}',
    ],
    [
      'same port on IPv4 and IPv6 wildcards',
      '{name: a, listenPort: 6443, endpoints: [10.0.0.1:1]}\n  - {name: b, listenPort: 6443, listenAddress: "::", endpoints: [10.0.0.1:1]}',
    ],
    [
      'admin port on a non-loopback address',
      '{name: a, listenPort: 10000, listenAddress: 10.0.0.5, endpoints: [10.0.0.1:1]}',
    ],
  ])('%s', (_, clusters) => {
    expect(() => parse(`clusters:\n  - ${clusters}\nhosts: [{name: lb1}]\n`)).not.toThrow();
  });
});

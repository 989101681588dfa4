// Value formats, table-driven: each row is input -> expected.
import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  isDnsName,
  isLocalPath,
  isLoopback,
  isProxyJump,
  isSafeAbsolutePath,
  parseDuration,
  parseHostPort,
} from '../../../src/inventory/formats.ts';
import { formatPath } from '../../../src/inventory/locate.ts';
import { levenshtein, suggest } from '../../../src/inventory/suggest.ts';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['0s', 0],
    ['5s', 5000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h2m3s4ms', 3_723_004],
    ['90s', 90_000],
  ])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '5 s', '-5s', '1d', '3sec', '30s10m', '1.5s', 's', 'ms', '5S', '1m1m'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('parseHostPort', () => {
  it.each([
    ['192.168.1.19:6443', { host: '192.168.1.19', port: 6443 }],
    ['[fd00::1]:6443', { host: 'fd00::1', port: 6443 }],
    ['api.example.internal:6443', { host: 'api.example.internal', port: 6443 }],
    ['kube-apiserver:1', { host: 'kube-apiserver', port: 1 }],
    ['10.0.0.1:65535', { host: '10.0.0.1', port: 65535 }],
  ])('%s', (text, expected) => expect(parseHostPort(text)).toEqual(expected));

  it.each([
    '10.0.0.1',
    '10.0.0.1:',
    ':6443',
    '10.0.0.1:0',
    '10.0.0.1:65536',
    '10.0.0.256:6443',
    'fd00::1:6443',
    '[10.0.0.1]:6443',
    '[fd00::1]',
    'a b:6443',
    'api.example:6443;reboot',
    '$(id):6443',
    '-bad.example:6443',
    '10.0.0.1:64a3',
  ])('rejects %j', (text) => expect(parseHostPort(text)).toBeUndefined());
});

describe('names and addresses', () => {
  it.each([
    ['api.example', true],
    ['kubernetes', true],
    ['a-b.c-d.example.', true],
    ['xn--bcher-kva.example', true],
    ['10.0.0.1', false],
    ['-a.example', false],
    ['a..example', false],
    ['a_b.example', false],
    ['a'.repeat(64), false],
    ['', false],
  ])('isDnsName(%j) = %s', (text, ok) => expect(isDnsName(text)).toBe(ok));

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['::', false],
    ['localhost', false],
  ])('isLoopback(%j) = %s', (text, ok) => expect(isLoopback(text)).toBe(ok));

  it.each([
    ['bastion.example', true],
    ['ops@bastion.example:22', true],
    ['ops@10.0.0.1', true],
    ['[fd00::1]:2222', true],
    ['ops@bastion`id`', false],
    ['ops@bastion -oProxyCommand=x', false],
    ['Ops@bastion', false],
  ])('isProxyJump(%j) = %s', (text, ok) => expect(isProxyJump(text)).toBe(ok));

  it('canonicalizes IPv6 and names for duplicate checks', () => {
    expect(canonicalIp('fd00:0::1')).toBe('fd00::1');
    expect(canonicalIp('API.Example.')).toBe('api.example');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('paths', () => {
  it.each([
    ['/opt/envoy-k8s-proxy', true],
    ['/var/log/envoy-k8s-proxy/access.log', true],
    ['relative/dir', false],
    ['/opt/../etc', false],
    ['/opt/..', false],
    ['/opt/..x', true],
    ['~/x', false],
    ['/var/log/a b', false],
    ['/var/$(id)', false],
    ['/var/log\n/x', false],
  ])('isSafeAbsolutePath(%j) = %s', (text, ok) => expect(isSafeAbsolutePath(text)).toBe(ok));

  it.each([
    ['~', true],
    ['~/.ssh/id_ed25519', true],
    ['./bin/envoy', true],
    ['/abs/envoy', true],
    ['~root/.ssh/id', false],
    ['~/a~b', false],
    ['bin/en voy', false],
    ['bin/envoy;id', false],
  ])('isLocalPath(%j) = %s', (text, ok) => expect(isLocalPath(text)).toBe(ok));
});

describe('did you mean', () => {
  const clusterKeys = ['name', 'listenPort', 'endpoints', 'listenAddress', 'lbPolicy', 'healthCheck', 'idleTimeout'];
  it.each([
    ['lbPolcy', 'lbPolicy'],
    ['listen_port', 'listenPort'],
    ['ListenAddress', 'listenAddress'],
    ['health-check', 'healthCheck'],
    ['endpoint', 'endpoints'],
    ['nmae', 'name'],
    ['colour', undefined],
    ['x', undefined],
  ])('%s -> %s', (key, expected) => expect(suggest(key, clusterKeys)).toBe(expected));

  it('computes edit distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('nmae', 'name')).toBe(1);
  });
});

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['admin', 'port'], 'admin.port'],
    [['clusters', 1, 'endpoints', 0], 'clusters[1].endpoints[0]'],
    [['clusters', 0, 'odd key'], 'clusters[0]["odd key"]'],
  ] as const)('%j -> %s', (path, text) => expect(formatPath(path)).toBe(text));
});

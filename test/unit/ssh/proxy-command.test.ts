// ProxyCommand: OpenSSH's tokens, no shell syntax smuggled in through a name, which of ProxyJump
// and ProxyCommand decides the route (checked against `ssh -G` itself), and the process behind the
// stream: its stdio carries the bytes, its stderr is kept, kill() ends it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.ts';
import { expandProxyCommand, spawnProxyCommand } from '../../../src/ssh/proxy-command.ts';
import { effective, readSshConfig } from '../../../src/ssh/ssh-config.ts';

const t = { host: '10.0.0.11', alias: 'lb1-alias', port: 2222, user: 'deploy' };

describe('ProxyCommand tokens', () => {
  it('expands %h %n %p %r and %%', () => {
    expect(expandProxyCommand('ssh -W %h:%p -l %r bastion # %n 100%%', t)).toBe(
      'ssh -W 10.0.0.11:2222 -l deploy bastion # lb1-alias 100%',
    );
  });

  it('refuses a token OpenSSH does not accept there, naming the supported ones', () => {
    expect(() => expandProxyCommand('nc %h %d', t)).toThrow('unknown token %d (supported: %h %n %p %r %%)');
    expect(() => expandProxyCommand('nc %h %', t)).toThrow('unknown token %');
  });

  it('refuses a host or user name that would add shell syntax', () => {
    expect(() => expandProxyCommand('nc %h %p', { ...t, host: 'x;reboot' })).toThrow(
      '%h "x;reboot" has characters a shell would interpret',
    );
    expect(() => expandProxyCommand('ssh -l %r j', { ...t, user: '$(id)' })).toThrow('%r "$(id)"');
    expect(expandProxyCommand('nc %h %p', { ...t, host: 'fe80::1' })).toBe('nc fe80::1 2222');
  });
});

const HOME = '/home/ops';
const dir = mkdtempSync(join(tmpdir(), 'ekp-proxycmd-'));
const CONFIG = `
Host cmd-first
  ProxyCommand nc %h %p
  ProxyJump jumpa
Host jump-first
  ProxyJump jumpb
Host cmd-none
  ProxyCommand none
Host jump-none
  ProxyJump none
Host aliased
  HostName 10.0.0.7
  User deploy
  Port 2201
Host aliased jump-none
  ProxyCommand ssh -W %h:%p -l %r bastion
Host *
  ProxyCommand socat - TCP:%h:%p
  ProxyJump jumpz
`;
const config = join(dir, 'config');
writeFileSync(config, CONFIG);

async function route(address: string, ssh = '') {
  const inv = parseInventory(
    `clusters: [{name: k8s, listenPort: 6443, endpoints: ["10.0.0.21:6443"]}]
hosts: [{name: lb1, address: ${address}}]
${ssh}`,
    'x.yaml',
    { home: HOME },
  );
  const e = effective(inv.hosts[0]!, await readSshConfig(config), HOME);
  return { proxyCommand: e.proxyCommand, jumps: e.jumps.map((j) => j.alias) };
}

describe('ProxyCommand or ProxyJump: the first one read wins, as in OpenSSH', () => {
  const cases: [string, { proxyCommand?: string; jumps: string[] }][] = [
    ['cmd-first', { proxyCommand: 'nc cmd-first 22', jumps: [] }],
    ['jump-first', { jumps: ['jumpb'] }],
    ['cmd-none', { jumps: [] }], // `none` first: no proxy, and the catch-all's ProxyJump is ignored
    ['jump-none', { proxyCommand: 'ssh -W jump-none:22 -l root bastion', jumps: [] }], // `ProxyJump none` yields
    ['aliased', { proxyCommand: 'ssh -W 10.0.0.7:2201 -l deploy bastion', jumps: [] }],
    ['other', { proxyCommand: 'socat - TCP:other:22', jumps: [] }],
  ];
  it.each(cases)('%s', async (host, expected) => {
    expect(await route(host)).toEqual({ proxyCommand: undefined, ...expected });
  });

  // the same configuration through OpenSSH itself, where its client is installed
  it.skipIf(!existsSync('/usr/bin/ssh'))('agrees with `ssh -G` on which one applies', () => {
    for (const [host, expected] of cases) {
      const out = execFileSync('ssh', ['-G', '-F', config, host], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const jump = /^proxyjump (.*)$/m.exec(out)?.[1];
      const command = /^proxycommand (.*)$/m.exec(out)?.[1];
      expect({ host, jump: jump ?? null, command: command !== undefined }).toEqual({
        host,
        jump: expected.jumps[0] ?? null,
        command: expected.proxyCommand !== undefined,
      });
    }
  });

  it('the inventory wins: its proxyJump replaces the config’s ProxyCommand', async () => {
    expect(await route('cmd-first', 'ssh: {proxyJump: "ops@bastion.example"}')).toEqual({
      proxyCommand: undefined,
      jumps: ['bastion.example'],
    });
  });

  it('the inventory port and user reach %p and %r', async () => {
    expect((await route('aliased', 'ssh: {port: 2022, user: admin}')).proxyCommand).toBe(
      'ssh -W 10.0.0.7:2022 -l admin bastion',
    );
  });
});

describe('the ProxyCommand process', () => {
  const env = { PATH: process.env.PATH, SHELL: '/bin/sh' };

  it('its stdin and stdout are the stream; its exit is recorded', async () => {
    const p = spawnProxyCommand('tr a-z A-Z', env, 'lb1');
    const chunks: Buffer[] = [];
    p.sock.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => p.sock.on('end', r));
    p.sock.end('hello proxy\n');
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe('HELLO PROXY\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(p.ended()).toBe('exit 0');
  });

  it('keeps what it wrote to stderr, and kill() ends a command that would run on', async () => {
    const p = spawnProxyCommand("sh -c 'echo no route to bastion >&2; exec sleep 30'", env, 'lb1');
    p.sock.resume();
    await new Promise((r) => setTimeout(r, 300));
    expect(p.stderr()).toBe('no route to bastion');
    expect(p.ended()).toBeUndefined();
    p.kill();
    await new Promise((r) => p.sock.on('end', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.ended()).toBe('signal SIGTERM'); // `exec`: the shell became the command, nothing lingers
  });
});

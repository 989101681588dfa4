// ~/.ssh/config honoured (parsed by the ssh-config package): aliases, HostName, User, Port,
// IdentityFile, IdentityAgent, ProxyJump chains, the inventory winning where it says something;
// /etc/ssh/ssh_known_hosts read after the user's known_hosts and never written.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.ts';
import { effective, readSshConfig } from '../../../src/ssh/ssh-config.ts';
import { verifyHostKey } from '../../../src/ssh/host-key.ts';

const HOME = '/home/ops';
const dir = mkdtempSync(join(tmpdir(), 'ekp-sshconfig-'));
const CONFIG = `
Host lb1-alias lb2-alias
  HostName 10.0.0.11
  User deploy
  Port 2222
  IdentityFile ~/.ssh/lb_ed25519
  IdentityAgent ~/.ssh/agent.sock
  ProxyJump jump1,ops@jump2:2200

Host jump1
  HostName 10.9.0.1
  User jumper
  Port 2022

Host noagent
  IdentityAgent none
  ProxyJump none

Host *
  IdentityFile ~/.ssh/id_ed25519
`;
writeFileSync(join(dir, 'config'), CONFIG);

/** The first host of an inventory with these ssh: lines (global), as connect sees it. */
async function target(address: string, ssh = '') {
  const inv = parseInventory(
    `clusters: [{name: k8s, listenPort: 6443, endpoints: ["10.0.0.21:6443"]}]
hosts: [{name: lb1, address: ${address}}]
${ssh}`,
    'x.yaml',
    { home: HOME },
  );
  return effective(inv.hosts[0]!, await readSshConfig(join(dir, 'config')), HOME);
}

describe('~/.ssh/config', () => {
  it('fills in what the inventory leaves out: HostName, User, Port, IdentityFile, IdentityAgent, a ProxyJump chain', async () => {
    expect(await target('lb1-alias')).toEqual({
      alias: 'lb1-alias',
      address: '10.0.0.11',
      user: 'deploy',
      port: 2222,
      identityFiles: [`${HOME}/.ssh/lb_ed25519`, `${HOME}/.ssh/id_ed25519`],
      agent: `${HOME}/.ssh/agent.sock`,
      jumps: [
        // each hop looked up in the config too; what the hop itself writes wins
        { alias: 'jump1', address: '10.9.0.1', user: 'jumper', port: 2022 },
        { alias: 'jump2', address: 'jump2', user: 'ops', port: 2200 },
      ],
    });
  });

  it('the inventory wins where it says something (globally or for the host)', async () => {
    const t = await target(
      'lb2-alias',
      'ssh: {user: root, port: 22, identityFile: /keys/lb, proxyJump: "admin@bastion.example:2200"}',
    );
    expect(t).toMatchObject({ address: '10.0.0.11', user: 'root', port: 22, identityFiles: [] });
    expect(t.jumps).toEqual([{ alias: 'bastion.example', address: 'bastion.example', user: 'admin', port: 2200 }]);
  });

  it('a host no Host block names gets the catch-all only; `none` turns the agent and the jump off', async () => {
    expect(await target('10.0.0.12')).toMatchObject({
      address: '10.0.0.12',
      user: 'root',
      port: 22,
      jumps: [],
      identityFiles: [`${HOME}/.ssh/id_ed25519`],
      agent: undefined,
    });
    expect(await target('noagent')).toMatchObject({ agent: null, jumps: [] });
  });

  it('a host spec built in code (no record of what was given) is used as it is', async () => {
    const inv = parseInventory(
      'clusters: [{name: k8s, listenPort: 6443, endpoints: ["10.0.0.21:6443"]}]\nhosts: [{name: lb1, address: lb1-alias}]',
      'x.yaml',
    );
    const { given: _, ...ssh } = inv.hosts[0]!.ssh;
    const t = effective({ ...inv.hosts[0]!, ssh }, await readSshConfig(join(dir, 'config')), HOME);
    expect(t).toMatchObject({ address: 'lb1-alias', user: 'root', port: 22, jumps: [], identityFiles: [] });
  });

  it('no config file is no config', async () => {
    expect(await readSshConfig(join(dir, 'absent'))).toBeUndefined();
  });
});

describe('/etc/ssh/ssh_known_hosts', () => {
  const key = join(dir, 'hostkey');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', key]);
  const [type, b64] = readFileSync(`${key}.pub`, 'utf8').split(' ');
  const blob = Buffer.from(b64!, 'base64');
  const other = join(dir, 'otherkey');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', other]);
  const [, otherB64] = readFileSync(`${other}.pub`, 'utf8').split(' ');
  const user = join(dir, 'known_hosts');
  const global = join(dir, 'ssh_known_hosts');
  const target = (checking: 'strict' | 'accept-new') => ({
    name: 'lb1',
    address: '10.0.0.11',
    port: 22,
    knownHosts: user,
    hostKeyChecking: checking,
    globalKnownHosts: global,
  });

  it("a key only the system-wide file knows is trusted, and the user's file is not touched", async () => {
    writeFileSync(user, '');
    writeFileSync(global, `10.0.0.11 ${type} ${b64}\n`);
    await expect(verifyHostKey(target('accept-new'), blob)).resolves.toBeUndefined();
    expect(readFileSync(user, 'utf8')).toBe('');
  });

  it('a changed key is refused naming the system-wide file and its line', async () => {
    writeFileSync(user, '');
    writeFileSync(global, `# fleet keys\n10.0.0.11 ${type} ${otherB64}\n`);
    await expect(verifyHostKey(target('accept-new'), blob)).rejects.toThrow(`${global} line 2 has SHA256:`);
    expect(readFileSync(global, 'utf8')).not.toContain(b64);
  });
});

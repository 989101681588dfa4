// ProxyCommand from ~/.ssh/config, for real: a small relay (node, so the test needs no nc) started
// by the tool as `$SHELL -c "exec <command>"`, its stdio the SSH stream. Against the loopback sshd:
// commands run through it, it is gone when the connection closes, a failing one is named in the
// error. Against the lab: `status` reaches every host through it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { configureTrace, connect } from '../../../src/ssh/index.ts';
import { deploy, runCli } from '../support/cli.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';

// `relay.mjs LOG HOST PORT`: one TCP connection to HOST:PORT on stdin/stdout; logs its pid and target.
const RELAY = `import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
const [log, host, port] = process.argv.slice(2);
appendFileSync(log, process.pid + ' ' + host + ':' + port + '\\n');
const s = connect(Number(port), host);
process.stdin.pipe(s);
s.pipe(process.stdout);
s.on('error', (e) => { process.stderr.write('relay: ' + e.message + '\\n'); process.exit(1); });
s.on('close', () => process.exit(0));
`;

function relay(dir: string): { command: string; log: string; uses: () => string[] } {
  const script = join(dir, 'relay.mjs');
  const log = join(dir, 'relay.log');
  writeFileSync(script, RELAY);
  const uses = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { command: `${process.execPath} ${script} ${log} %h %p`, log, uses };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(sshdUnavailable() !== undefined)('ProxyCommand against a real sshd', () => {
  let sshd: TestSshd;
  let config: string;
  let r: ReturnType<typeof relay>;
  const env = { HOME: '/nonexistent-home' };

  beforeAll(async () => {
    sshd = await startSshd();
    r = relay(sshd.dir);
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    config = join(sshd.dir, 'ssh_config');
    writeFileSync(
      config,
      `Host lb-proxied
  HostName 127.0.0.1
  Port ${sshd.port}
  ProxyCommand ${r.command}

Host lb-broken
  HostName 127.0.0.1
  Port 1
  ProxyCommand ${r.command}
`,
    );
  });
  afterAll(async () => sshd?.stop());

  const host = (address: string): HostSpec => {
    const h = sshd.host();
    return { ...h, address, ssh: { ...h.ssh, port: 22, given: ['identityFile'] } };
  };

  it('commands run through it; it is gone once the connection is closed', async () => {
    let traced = '';
    const previous = configureTrace({ level: 1, write: (l) => (traced += l) });
    let pid: number;
    try {
      const t = await connect(host('lb-proxied'), { env, sshConfig: config });
      try {
        expect((await t.exec(['echo', 'proxied'])).stdout).toBe('proxied\n');
        const [use] = r.uses();
        expect(use).toMatch(new RegExp(`^\\d+ 127\\.0\\.0\\.1:${sshd.port}$`)); // %h after HostName, %p
        pid = Number(use!.split(' ')[0]);
        expect(alive(pid)).toBe(true);
      } finally {
        await t.close();
      }
    } finally {
      configureTrace(previous);
    }
    expect(traced).toContain(` -c "exec ${r.command.replace('%h %p', `127.0.0.1 ${sshd.port}`)}"`);
    expect(traced).toContain(`connecting to root@[127.0.0.1]:${sshd.port} (through the ProxyCommand)`);
    const deadline = Date.now() + 5000;
    while (alive(pid!) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(alive(pid!)).toBe(false);
  });

  it('a command that fails is named in the error, with what it said', async () => {
    const err = await connect(host('lb-broken'), { env, sshConfig: config }).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/^ToolError: lb1: cannot connect to 127\.0\.0\.1:1: .*\(ProxyCommand ".*relay\.mjs/);
    expect(String(err)).toContain('exit 1; it said: relay: connect ECONNREFUSED 127.0.0.1:1');
  });
});

const lab = labOrSkip();

describe.skipIf(!lab)('ProxyCommand to the lab', () => {
  const home = mkdtempSync(join(tmpdir(), 'ekp-proxyhome-'));
  const r = relay(home);
  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    const hosts = lab!.hosts.map((h) => h.address).join(' ');
    writeFileSync(join(home, '.ssh', 'config'), `Host ${hosts}\n  ProxyCommand ${r.command}\n`);
  });

  it('status reaches every host through it', async () => {
    const res = await runCli(['status', '--hosts', lab!.inventoryPath, '-v'], { env: { HOME: home } });
    expect(res.code, res.stderr).toBe(0);
    const n = lab!.hosts.length;
    expect(res.stdout).toContain(`${n} hosts: ${n} healthy, 0 degraded, 0 down, 0 unreachable`);
    for (const h of lab!.hosts) {
      expect(r.uses().some((u) => u.endsWith(` ${h.address}:22`))).toBe(true);
      expect(res.stderr).toContain(`${h.name}: connecting to root@${h.address} (through the ProxyCommand)`);
    }
  });
});

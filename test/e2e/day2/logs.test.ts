// logs against the lab: -n per host with prefixes, --access, and a follow that sees a new line and
// leaves no journalctl behind on any host after Ctrl-C.
import { beforeAll, describe, expect, it } from 'vitest';
import { connect as tlsConnect } from 'node:tls';
import { labOrSkip, sshRun } from '../../lab/index.ts';
import { deploy, onHost, runCli, spawnCli } from '../support/cli.ts';

const lab = labOrSkip();

async function until(what: () => boolean, timeoutMs: number, label: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!lab)('logs', () => {
  const inv = lab!.inventoryPath;
  beforeAll(async () => deploy(lab!.inventoryPath));

  it('-n: the last lines of every host, each prefixed by its host', async () => {
    const r = await runCli(['logs', '--hosts', inv, '-n', '2']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const h of lab!.hosts) expect(lines.filter((l) => l.startsWith(`${h.name} | `))).toHaveLength(2);
    expect(lines).toHaveLength(2 * lab!.hosts.length);
  });

  it('--access: the JSON access log, once a connection went through', async () => {
    const lb1 = lab!.hosts[0]!;
    await new Promise<void>((resolve, reject) => {
      const s = tlsConnect({ host: lb1.address, port: 6443, rejectUnauthorized: false }, () => (s.end(), resolve()));
      s.on('error', reject);
    });
    // Envoy flushes the file every 10 s; earlier test files may have left lines of other clusters,
    // so wait until the newest line is ours (6443 → k8s_cluster1).
    const read = () => runCli(['logs', '--hosts', inv, '--limit', 'lb1', '--access', '-n', '1', '--json']);
    const newest = async () => {
      const r = await read();
      if (r.code !== 0 || !r.stdout.trim()) return undefined;
      const entry = JSON.parse(r.stdout.trim()) as { host: string; line: string };
      return { host: entry.host, cluster: (JSON.parse(entry.line) as { upstream_cluster?: string }).upstream_cluster };
    };
    await expect.poll(newest, { timeout: 25_000, interval: 1000 }).toEqual({ host: 'lb1', cluster: 'k8s_cluster1' });
  });

  it('-f: follows every host, shows a line logged after it started, Ctrl-C leaves nothing running', async () => {
    const child = spawnCli(['logs', '--hosts', inv, '-f', '-n', '0']);
    const { done } = child;
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    // Every host's journalctl is running once each shows up in the process list.
    for (const h of lab!.hosts) {
      await expect
        .poll(async () => (await sshRun(lab!, h.address, 'pgrep -x journalctl')).code, {
          timeout: 10_000,
          interval: 200,
        })
        .toBe(0);
    }
    await onHost(lab!, 'lb2', 'systemctl restart envoy-k8s-proxy');
    await until(
      () => /^lb2 \| .*Started envoy-k8s-proxy\.service/m.test(out),
      15_000,
      'the restart in the followed journal',
    );
    expect(out).not.toMatch(/^lb[13] \| .*Started/m);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    for (const h of lab!.hosts) {
      const p = await sshRun(lab!, h.address, 'pgrep -a journalctl');
      expect(p.stdout, `${h.name} still runs journalctl`).toBe('');
    }
  });

  it('--since with --access is a usage error (exit 2)', async () => {
    const r = await runCli(['logs', '--hosts', inv, '--access', '--since', '1 hour ago']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since: applies to the journal only/);
  });
});

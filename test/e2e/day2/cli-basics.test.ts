// CLI features on the lab: plan --detailed-exitcode (2 pending, 0 after deploy), status --wide
// counting connections held open through an LB, -v naming the key offered and each command.
import { connect as tcpConnect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, runCli } from '../support/cli.ts';

const lab = labOrSkip();

describe.skipIf(!lab)('CLI basics on the lab', () => {
  const inv = lab!.inventoryPath;
  beforeAll(async () => deploy(inv));

  it('plan --detailed-exitcode: 0 once deployed', async () => {
    const r = await runCli(['plan', '--hosts', inv, '--detailed-exitcode', '--no-diff']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('0 would change');
  });

  it('status --wide counts the connections proxied now, per cluster and per host', async () => {
    const lb1 = lab!.hosts[0]!;
    const sockets: Socket[] = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = tcpConnect(6443, lb1.address, () => resolve(s));
            s.on('error', reject);
          }),
      ),
    );
    try {
      const r = await runCli(['status', '--hosts', inv, '--wide', '--limit', lb1.name]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/LISTENERS +CONNS +k8s_cluster1/);
      expect(r.stdout).toMatch(new RegExp(`^${lb1.name} .* 2/2 +3 conns +2/2 3 conns +1/1 0 conns `, 'm'));
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('-v: the key offered, then every command quoted, with exit code and time, on stderr', async () => {
    const r = await runCli(['status', '--hosts', inv, '-v', '--json', '--limit', lab!.hosts[0]!.name]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ summary: { healthy: 1 } }); // stdout stays one document
    expect(r.stderr).toMatch(/^lb1: connecting to root@\S+, offering \S+ \(ssh-ed25519 SHA256:\S+\)$/m);
    expect(r.stderr).toMatch(/^lb1: \$ sh -c '[\s\S]+' → exit 0 in \d+ms$/m);
  });
});

// The control machine's uplink into the lab, shaped like an operator's VPN, and the floors a
// release transfer is compared with: one scp to one host, and parallel scp to every host.
//
// Shaping: a token bucket (tbf) as the root qdisc of the lab bridge itself. What the control
// machine sends into the lab leaves through the bridge device's own transmit path; frames between
// two hosts are forwarded port to port (veth to veth) and never meet that qdisc, so host-to-host
// traffic keeps the full rate. Hosts' downloads from the control-side mirror are shaped too.
import { execFileSync } from 'node:child_process';
import type { LabInfo } from '../lab/index.ts';
import { sshArgs } from '../lab/index.ts';
import { runTimed } from './measure.ts';

/** tbf's bucket: a few ms worth at the rate, and never below one jumbo frame. */
export function tbfArgs(bridge: string, mbit: number): string[] {
  const burstBytes = Math.max(64 * 1024, Math.round((mbit * 1e6) / 8 / 100));
  return [
    'qdisc',
    'replace',
    'dev',
    bridge,
    'root',
    'tbf',
    'rate',
    `${mbit}mbit`,
    'burst',
    String(burstBytes),
    'latency',
    '200ms',
  ];
}

/** Shapes the bridge's egress; returns the undo (which never throws). */
export function shapeUplink(bridge: string, mbit: number): () => void {
  execFileSync('tc', tbfArgs(bridge, mbit), { stdio: ['ignore', 'ignore', 'pipe'] });
  return () => {
    try {
      execFileSync('tc', ['qdisc', 'del', 'dev', bridge, 'root'], { stdio: 'ignore' });
    } catch {
      // the bridge went with the lab
    }
  };
}

/** Single-quotes a control-side shell word (the lab's own paths and options). */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Wall time of copying `file` with scp to `hosts` at once (then removing it), ms: "upload once" with
 * one host, "upload to all" with every host. scp, like the tool, does not compress.
 */
export async function scpFloor(lab: LabInfo, file: string, hosts = lab.hosts): Promise<number> {
  const scp = ['scp', '-q', ...sshArgs(lab), '-o', 'Compression=no'].map(shq).join(' ');
  const dest = '/var/tmp/.ekp-bench-floor';
  const script = `for a; do ${scp} ${shq(file)} "root@$a:${dest}" </dev/null || echo "$a: scp exit $?" & done; wait`;
  const t = await runTimed('sh', ['-c', script, 'sh', ...hosts.map((h) => h.address)], {
    cwd: process.cwd(),
    env: process.env,
  });
  if (t.code !== 0 || t.stdout.trim()) throw new Error(`scp floor: ${t.stdout.trim() || t.stderr.trim()}`);
  const ssh = ['ssh', ...sshArgs(lab)];
  await Promise.all(
    hosts.map((h) =>
      runTimed(ssh[0]!, [...ssh.slice(1), `root@${h.address}`, `rm -f ${dest}`], {
        cwd: process.cwd(),
        env: process.env,
      }),
    ),
  );
  return t.wallMs;
}

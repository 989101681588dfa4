// Who holds the VIP, sampled every 50 ms on every lab host at once, beside that host's own health
// listener: one long-lived ssh session per host runs the loop (an ssh per sample would cost more
// than the 2 cores give). The hosts share the control machine's clock, so samples line up.
import { spawn, type ChildProcess } from 'node:child_process';
import { sshArgs, type LabInfo } from '../../lab/index.ts';
import { quote } from '../../../src/ssh/index.ts';

export interface Sample {
  at: number;
  holds: boolean;
  /** The host's /healthz status (000: no answer). */
  health: string;
}

export interface Sampler {
  stop(): Promise<Map<string, Sample[]>>;
}

const HEALTH_PORT = 9903; // the lab inventory leaves healthListener at its default

/** Starts sampling `ip -br addr` and /healthz on every host every `everyMs`, for at most `limitS`. */
export function sampleVip(lab: LabInfo, vip: string, everyMs = 50, limitS = 300): Sampler {
  const runs = lab.hosts.map((h) => {
    const loop = [
      'while :; do',
      '  t=$(date +%s%3N)',
      // every host carries the VIP on lo (behind ARP rules): the holder is the one with it elsewhere
      `  if ip -br addr | grep -v '^lo ' | grep -qF ' ${vip}/'; then v=1; else v=0; fi`,
      `  c=$(curl -s -o /dev/null -w '%{http_code}' -m 0.3 http://${h.address}:${HEALTH_PORT}/healthz)`,
      '  echo "$t $v $c"',
      `  sleep ${everyMs / 1000}`,
      'done',
    ].join('\n');
    const child: ChildProcess = spawn(
      'ssh',
      [...sshArgs(lab), `root@${h.address}`, `exec timeout ${limitS} sh -c ${quote(loop)}`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const samples: Sample[] = [];
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const [at, v, health] = l.trim().split(' ');
        if (at && v && health) samples.push({ at: Number(at), holds: v === '1', health });
      }
    });
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    return { name: h.name, child, samples, closed };
  });
  return {
    async stop() {
      for (const r of runs) r.child.kill('SIGTERM');
      await Promise.all(runs.map((r) => r.closed));
      return new Map(runs.map((r) => [r.name, r.samples]));
    },
  };
}

/** The longest time one host held the VIP while its /healthz did not answer 200 (ms), and where. */
export function longestNotReadyHold(all: Map<string, Sample[]>): { host: string; ms: number } {
  let worst = { host: '', ms: 0 };
  for (const [host, samples] of all) {
    let from: number | undefined;
    for (const s of samples) {
      const bad = s.holds && s.health !== '200';
      if (bad && from === undefined) from = s.at;
      if (!bad && from !== undefined) {
        if (s.at - from > worst.ms) worst = { host, ms: s.at - from };
        from = undefined;
      }
    }
    const last = samples.at(-1);
    if (from !== undefined && last && last.at - from > worst.ms) worst = { host, ms: last.at - from };
  }
  return worst;
}

/**
 * Instants at which two hosts surely held the VIP together: a sample of one host that holds,
 * taken between two consecutive holding samples of another (no release seen in between).
 */
export function twoHolders(all: Map<string, Sample[]>): { at: number; hosts: string[] }[] {
  const found: { at: number; hosts: string[] }[] = [];
  const entries = [...all];
  for (const [a, as] of entries) {
    for (const [b, bs] of entries) {
      if (a >= b) continue;
      for (let i = 0; i + 1 < as.length; i++) {
        if (!as[i]!.holds || !as[i + 1]!.holds) continue;
        const hit = bs.find((s) => s.holds && s.at >= as[i]!.at && s.at <= as[i + 1]!.at);
        if (hit) found.push({ at: hit.at, hosts: [a, b] });
      }
    }
  }
  return found;
}

/** The hosts holding at the last sample of each host. */
export function lastHolders(all: Map<string, Sample[]>): string[] {
  return [...all].filter(([, s]) => s.at(-1)?.holds).map(([h]) => h);
}

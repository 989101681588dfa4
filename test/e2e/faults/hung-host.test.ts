// Fault: a host stops answering mid-run. Every sshd process of lb2 is stopped (SIGSTOP, from the
// control side: the lab's hosts are process trees on this machine) while lb2 validates its staged
// config: the TCP connection stays up, nothing comes back. With ssh.commandTimeout 6s, lb2 fails
// with "no answer from … within 6s", lb1 and lb3 finish, the exit code is 1. After SIGCONT lb2
// holds whole files only, and a rerun converges it.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLabInfo } from '../../lab/index.ts';
import { exited, onHost, runCli, spawnCli, waitForOutput } from '../support/cli.ts';
import {
  deployAroundSuite,
  expectExactly,
  expectExit,
  expectOldOrNew,
  faultLab,
  leftovers,
  publishSlowValidate,
  releaseInventory,
  rendered,
  STAGED_VALIDATE,
  whenOnHost,
} from './support.ts';

const { lab, names } = faultLab();
const VERSION = '1.36.6';

/** PIDs (as seen here) of the sshd processes inside a lab host: those below its nspawn process. */
function sshdPids(host: string): number[] {
  // lab.json, not the info the run started with: a host restarted by another test has a new pid
  const root = (readLabInfo() ?? lab!).hosts.find((h) => h.name === host)!.pid;
  const parent = (pid: number): number =>
    Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const below = (pid: number): boolean => {
    for (let p = pid; p > 1; p = parent(p)) if (p === root) return true;
    return false;
  };
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').startsWith('sshd') && below(Number(e))) out.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Sends `sig`; false when the process has exited meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe.skipIf(!lab)('fault: a host stops answering mid-run', () => {
  let stopped: number[] = [];
  let sum = '';
  const inventory = (endpoint: number) =>
    releaseInventory(lab!, VERSION, sum, (d) => {
      d.ssh = { ...d.ssh, commandTimeout: '6s' };
      d.clusters[0].endpoints = [d.clusters[0].endpoints[endpoint]];
    });
  const resume = () => {
    for (const p of stopped.splice(0)) {
      try {
        process.kill(p, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
  };

  deployAroundSuite(lab!, {
    start: () => {
      // validating a staged config takes 2 s on this release: lb2 is caught inside that step
      sum = publishSlowValidate(lab!, VERSION, 2);
      return inventory(0);
    },
    cleanup: resume,
  });

  it('lb2 fails with a clear reason within the bound, the others finish, exit 1; after SIGCONT a rerun converges', async () => {
    const next = inventory(1);
    const versions = [await rendered(inventory(0), 'lb2'), await rendered(next, 'lb2')];
    const child = spawnCli(['deploy', '--hosts', next, '--max-fail', '100']);
    await whenOnHost(lab!, 'lb2', `pgrep ${STAGED_VALIDATE} >/dev/null`);
    // an sshd of a session that just ended (the watcher's) may be gone by now: it serves nothing
    stopped = sshdPids('lb2').filter((p) => signal(p, 'SIGSTOP'));
    expect(stopped.length).toBeGreaterThanOrEqual(2); // the listener and the tool's session
    const t0 = Date.now();

    const failed = await waitForOutput(child, /^lb2\s+failed\s+(.*)$/m, 60_000);
    const detected = Date.now() - t0;
    const code = await exited(child);
    const total = Date.now() - t0;
    const out = child.out();
    console.log(
      `[figure] hung lb2 (commandTimeout 6s): failed ${detected} ms after SIGSTOP; the run exited ${total} ms after it; ${failed[0]}`,
    );

    expect(code, out.stdout + out.stderr).toBe(1);
    expect(failed[1]).toMatch(
      /^envoy_config : envoy configuration — lb2: no answer from `cd \/etc\/envoy-k8s-proxy …` within 6s/,
    );
    expect(detected).toBeLessThan(6000 + 15_000); // the deadline, then TERM/KILL grace: a liveness bound
    expect(total).toBeLessThan(60_000);
    for (const n of ['lb1', 'lb3'])
      expect(out.stdout).toMatch(new RegExp(`^${n}\\s+ok=\\d+ changed=\\d+ failed=0 `, 'm'));
    expect(out.stdout).toMatch(/^lb2\s+ok=\d+ changed=\d+ failed=1 /m);
    for (const n of ['lb1', 'lb3']) await expectExactly(lab!, n, await rendered(next, n));

    resume();
    await expectOldOrNew(lab!, 'lb2', versions);
    expectExit(await runCli(['deploy', '--hosts', next]), 0);
    for (const n of names) {
      await expectExactly(lab!, n, await rendered(next, n));
      expect(await leftovers(lab!, n), n).toEqual([]);
    }
    expect(await onHost(lab!, 'lb2', "pgrep -f '[r]un[.]lock' || true")).toBe('');
  });
});

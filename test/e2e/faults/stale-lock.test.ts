// Fault: the control process dies (SIGKILL) in the middle of a deploy, logged in as root and as a
// user with become. Nothing on the control side releases the run lock; sshd closes the holder's
// stdin with the channel, the holder waits for the step left running (a slow config validation),
// then lets go. The next deploy proceeds (it never fails on the lock) and converges.
// And a holder left alive without its SSH session (stdin held open) is ended by the next run.
import { describe, expect, it } from 'vitest';
import { lockScript } from '../../../src/runner/host-lock.ts';
import { exited, onHost, runCli, spawnCli } from '../support/cli.ts';
import {
  deployAroundSuite,
  expectExactly,
  expectExit,
  faultLab,
  leftovers,
  parseRun,
  publishSlowValidate,
  releaseInventory,
  rendered,
  STAGED_VALIDATE,
  whenOnHost,
} from './support.ts';

const { lab, names } = faultLab();
const LOCK = '/run/envoy-k8s-proxy/run.lock';
/** Processes holding or waiting on the run lock (the bracket keeps pgrep from matching itself). */
const HOLDERS = "pgrep -f '[r]un[.]lock' || true";
const VERSION = '1.36.5';

describe.skipIf(!lab)('fault: the control process is killed mid-deploy', () => {
  let sum = '';
  const inventory = (endpoint: number, become = false) =>
    releaseInventory(lab!, VERSION, sum, (d) => {
      d.clusters[0].endpoints = [d.clusters[0].endpoints[endpoint]];
      if (become) d.ssh = { ...d.ssh, user: 'ops', become: true };
    });

  deployAroundSuite(lab!, {
    start: () => {
      // a release whose validation of a staged config takes 6 s: the kill lands inside that step,
      // and the killed run's holder is seen waiting for it
      sum = publishSlowValidate(lab!, VERSION, 6);
      return inventory(0);
    },
  });

  for (const [mode, endpoint, become] of [
    ['root', 1, false],
    ['become (ops with sudo)', 0, true],
  ] as const) {
    it(`${mode}: the next deploy proceeds and converges`, async () => {
      const next = inventory(endpoint, become);
      const child = spawnCli(['deploy', '--hosts', next]);
      // gated: every host is locked from the start, the canary validates while the others wait
      await whenOnHost(lab!, names[0]!, `pgrep ${STAGED_VALIDATE} >/dev/null`);
      for (const n of names)
        expect(await onHost(lab!, n, `head -n 1 ${LOCK}`), n).toContain(` pid ${child.pid} since `);
      child.kill('SIGKILL');
      await exited(child);
      // the holder saw EOF and keeps the lock while the killed run's validation finishes
      const draining = whenOnHost(
        lab!,
        'lb1',
        `grep -q 'connection gone: waiting for its commands' ${LOCK}`,
        'true',
        10,
      );

      const t0 = Date.now();
      const r = await runCli(['deploy', '--hosts', next, '--json']);
      await draining;
      const ms = Date.now() - t0;
      console.log(`[figure] ${mode}: deploy right after SIGKILL of the previous one: exit ${r.code} in ${ms} ms`);
      expectExit(r, 0);
      expect(r.stdout + r.stderr).not.toContain('another envoy-k8s-proxy run holds');
      expect(ms).toBeLessThan(90_000); // a liveness bound, far above the ~10-20 s it takes
      for (const n of names) {
        await expectExactly(lab!, n, await rendered(next, n));
        expect(await leftovers(lab!, n), n).toEqual([]);
        expect(await onHost(lab!, n, HOLDERS), n).toBe('');
        expect(await onHost(lab!, n, `stat -c %U:%a /run/envoy-k8s-proxy; head -n 1 ${LOCK}`), n).toMatch(
          /^root:700\n\S+ pid \d+ since /,
        );
      }
    });
  }

  it('a holder alive without its SSH session is ended and the lock taken', async () => {
    // double fork (parent: init) with stdin a FIFO it holds open itself: its EOF never comes
    const script = lockScript('ops@crashed pid 1', 10);
    await onHost(
      lab!,
      'lb1',
      `rm -f /tmp/ekp-orphan.in; mkfifo /tmp/ekp-orphan.in; cat > /tmp/ekp-orphan.sh <<'EOF'\n${script}\nEOF\n(setsid sh /tmp/ekp-orphan.sh <>/tmp/ekp-orphan.in >/dev/null 2>&1 &)`,
    );
    const orphan = (
      await whenOnHost(
        lab!,
        'lb1',
        `grep -q '^pid=' ${LOCK} 2>/dev/null && grep -q '^ops@crashed' ${LOCK}`,
        `sed -n 's/^pid=\\([0-9]*\\) .*/\\1/p' ${LOCK}`,
      )
    ).trim();
    expect(orphan).toMatch(/^\d+$/);

    const r = await runCli(['deploy', '--hosts', inventory(0), '--limit', 'lb1']);
    expectExit(r, 0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^lb1\\s+run lock: took over from stale holder pid ${orphan} \\(its SSH session is gone\\): ops@crashed pid 1 since `,
        'm',
      ),
    );
    expect(await onHost(lab!, 'lb1', `kill -0 ${orphan} 2>/dev/null && echo alive || echo gone`)).toBe('gone\n');
    expect(await onHost(lab!, 'lb1', HOLDERS)).toBe('');
    await onHost(lab!, 'lb1', 'rm -f /tmp/ekp-orphan.in /tmp/ekp-orphan.sh');
    const again = await runCli(['deploy', '--hosts', inventory(0), '--json']);
    expect(
      parseRun(again.stdout).recap.every((h) => h.failed === 0 && h.changed === 0),
      again.stdout.slice(-1500),
    ).toBe(true);
  });
});

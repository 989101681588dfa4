// Fault: Ctrl-C. SIGINT goes to the CLI (a child process, as an operator runs it) while
//  - the rolling restart handler is draining its first host, and
//  - every host is validating its staged config (a release whose validation is slow).
// Exit code 130; every host in its old or new state (each file one render, `current` a complete
// release); the restart stops after the host it was on; no process of the tool left on any host.
import { describe, expect, it } from 'vitest';
import { exited, labInventory, onHost, runCli, spawnCli, unitStart, waitForOutput } from '../support/cli.ts';
import {
  currentRelease,
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

/** Processes the tool may have started on a host: its scripts, downloads, waits and validations. */
const TOOL_PROCS = `ps -eo args= | grep -E '^(sh -s|curl |sleep |runuser |setpriv )|\\.ekp-stage|EKP-SESSION' | grep -v grep || true`;

describe.skipIf(!lab)('fault: Ctrl-C in the middle of a deploy', () => {
  deployAroundSuite(lab!);

  it('during the canary restart: exit 130, the run stops after the host it was on', async () => {
    const next = labInventory(lab!, (d) => {
      d.envoy = { ...d.envoy, logLevel: 'debug' }; // a unit change: every host needs a restart
      d.clusters[0].endpoints = [d.clusters[0].endpoints[1]];
    });
    const starts = new Map(await Promise.all(names.map(async (n) => [n, await unitStart(lab!, n)] as const)));
    const child = spawnCli(['deploy', '--hosts', next], { viaScript: true });
    const m = await waitForOutput(child, /^(lb\d)\s+healthcheck\/fail set, draining$/m);
    child.kill('SIGINT');
    const code = await exited(child);
    const out = child.out();

    expect(code, out.stdout + out.stderr).toBe(130);
    expect(out.stderr).toContain('interrupted: finishing the current step on each host, then stopping');
    const first = m[1]!;
    expect(first).toBe(names[0]); // the canary
    for (const n of names) {
      // a gated deploy: the canary has the new config (then its restart); the others were never reached
      await expectExactly(lab!, n, await rendered(n === first ? next : lab!.inventoryPath, n));
      const c = await currentRelease(lab!, n);
      expect(c.current).toBe(`releases/${lab!.envoyVersion}`);
      expect(await onHost(lab!, n, `${'/opt/envoy-k8s-proxy/'}${c.current}/envoy --version`)).toContain(
        `/${lab!.envoyVersion}/`,
      );
      // the host being drained is finished; no other is started on after the interrupt
      if (n === first) expect(await unitStart(lab!, n)).not.toBe(starts.get(n));
      else expect(await unitStart(lab!, n), `${n} was restarted after Ctrl-C`).toBe(starts.get(n));
      expect((await onHost(lab!, n, 'systemctl is-active envoy-k8s-proxy')).trim()).toBe('active');
      expect(await onHost(lab!, n, TOOL_PROCS), n).toBe('');
      expect(await leftovers(lab!, n), n).toEqual([]);
    }
  });

  it('while the hosts validate the staged config: exit 130, old config everywhere, no remote process left', async () => {
    const VERSION = '1.36.4';
    const sum = publishSlowValidate(lab!, VERSION, 20);
    const slow = releaseInventory(lab!, VERSION, sum);
    expectExit(await runCli(['deploy', '--hosts', slow]), 0);
    const old = await Promise.all(names.map((n) => rendered(slow, n)));

    const next = releaseInventory(lab!, VERSION, sum, (d) => (d.clusters[0].endpoints = [d.clusters[0].endpoints[1]]));
    const child = spawnCli(['deploy', '--hosts', next], { viaScript: true });
    // a gated deploy: the canary validates first, the others wait for its gate
    await whenOnHost(lab!, names[0]!, `pgrep ${STAGED_VALIDATE} >/dev/null`);
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited(child);
    const out = child.out();

    expect(code, out.stdout + out.stderr).toBe(130);
    expect(Date.now() - t0).toBeLessThan(10_000); // it did not wait for the 20 s validation
    for (const [i, n] of names.entries()) {
      await expectOldOrNew(lab!, n, [old[i]!]);
      expect(await currentRelease(lab!, n)).toEqual({ current: `releases/${VERSION}`, sha256: sum });
      expect(await onHost(lab!, n, TOOL_PROCS), n).toBe('');
      expect(await leftovers(lab!, n), n).toEqual([]);
    }
  });
});

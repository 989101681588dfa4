// Fault: a host dies in the middle of a deploy. lb2's container is stopped (a clean poweroff, like a
// host going down under us) while the tool is pushing it a new release; lb1 and lb3 must finish,
// the run must name lb2 as failed, lb2 must hold only whole files (old or new render), and a rerun
// after it is back must converge it and leave no temp files.
//
// Timing: the new release is 60 MiB (a padded stand-in), and lb2's bridge port is shaped to
// 40 Mbit/s (a token bucket on its veth), so its SFTP upload takes ~12 s: unshaped it took about a
// second on a quiet machine and sometimes ended before the stop. A watcher on lb2 itself waits for
// the upload's temp file to start growing and only then does the test stop the container: the
// fault lands mid-deploy by observation, not by a guessed delay.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfig } from '../../lab/config.ts';
import { labOrSkip, startHost, stopHost } from '../../lab/index.ts';
import { labInventory, runCli } from '../support/cli.ts';
import {
  currentRelease,
  expectExactly,
  expectOldOrNew,
  INSTALL_DIR,
  leftovers,
  parseRun,
  publishPadded,
  rendered,
  whenOnHost,
} from './support.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const VERSION = '1.36.1';

describe.skipIf(!lab)('fault: a host stopped mid-deploy', () => {
  let lb2Down = false;

  beforeAll(async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
  });

  afterAll(async () => {
    if (lb2Down) await startHost('lb2');
    await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
  });

  it('the others finish, lb2 is reported failed, holds only whole files, and a rerun converges it', async () => {
    const sum = publishPadded(lab!, VERSION, 60);
    // a new release and a config change on every host
    const next = labInventory(lab!, (d) => {
      d.envoy = { ...d.envoy, version: VERSION, sha256: { x86_64: sum } };
      d.clusters[0].endpoints = [d.clusters[0].endpoints[1]];
      // lb2 gets its own slow SFTP upload to die in: with peer fetch it would fetch from the seed in a moment
      d.peerFetch = { enabled: false };
    });
    const old = await rendered(lab!.inventoryPath, 'lb2');
    const now = await rendered(next, 'lb2');
    const before = await currentRelease(lab!, 'lb2');

    // lb2's side of the bridge (nspawn's vb-<machine> veth): what enters lb2 leaves through it
    const port = execFileSync('ip', ['-o', 'link', 'show', 'master', labConfig().bridge], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
      .find((n) => n.endsWith('-lb2'));
    expect(port, 'lb2 port on the lab bridge').toBeDefined();
    execFileSync('tc', [
      'qdisc',
      'replace',
      'dev',
      port!,
      'root',
      'tbf',
      'rate',
      '40mbit',
      'burst',
      '64k',
      'latency',
      '400ms',
    ]);
    const run = runCli(['deploy', '--hosts', next, '--json', '--max-fail', '100']);
    const upload = `${INSTALL_DIR}/releases/${VERSION}/.envoy.ekp-upload`;
    await whenOnHost(lab!, 'lb2', `[ -s ${upload} ]`);
    await stopHost('lb2');
    lb2Down = true;
    const r = await run;

    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(1);
    const out = parseRun(r.stdout);
    const lb2 = out.recap.find((h) => h.host === 'lb2')!;
    expect(lb2.failed > 0 || lb2.unreachable, JSON.stringify(lb2)).toBe(true);
    const why = out.results.find((x) => x.host === 'lb2' && x.status === 'failed')?.error ?? lb2.error;
    // a powered-off host sends no reset: keepalives or the upload's deadline notice, whichever first
    expect(why).toMatch(/^lb2: .*(connection to [\d.]+ lost|connect|no answer from the upload of .* within 1m)/);
    for (const n of ['lb1', 'lb3']) {
      expect(out.recap.find((h) => h.host === n)).toMatchObject({ failed: 0, unreachable: false });
      expect((await currentRelease(lab!, n)).current).toBe(`releases/${VERSION}`);
      await expectExactly(lab!, n, await rendered(next, n));
      expect(await leftovers(lab!, n)).toEqual([]);
    }

    await startHost('lb2');
    lb2Down = false;
    // whole files only: each is the old or the new render, and `current` a complete release
    await expectOldOrNew(lab!, 'lb2', [old, now]);
    expect(await currentRelease(lab!, 'lb2')).toEqual(before);

    const again = await runCli(['deploy', '--hosts', next, '--json']);
    expect(again.code, again.stderr + again.stdout.slice(-2000)).toBe(0);
    await expectExactly(lab!, 'lb2', now);
    expect(await currentRelease(lab!, 'lb2')).toEqual({ current: `releases/${VERSION}`, sha256: sum });
    for (const n of names) expect(await leftovers(lab!, n), n).toEqual([]);
  });
});

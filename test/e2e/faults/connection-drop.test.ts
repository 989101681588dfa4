// Fault: the SSH connection drops while data is in flight. The sshd process serving the tool's
// connection to lb2 is killed (-9, from inside lb2, so only that connection goes) while
//  - the control-mode release push (a 60 MiB padded stand-in over SFTP) is being written, and
//  - the config update script is running (a release whose validation of the staged tree is slow).
// The target is the old or the new file, never a partial one; the run names lb2; the next deploy
// removes the temp files and converges.
//
// Timing: a watcher on lb2 waits for the step to be visible there (the upload temp file past
// 1 MiB; the config staging directory) and kills the session in the same shell, at once.
import { describe, expect, it } from 'vitest';
import { onHost, runCli } from '../support/cli.ts';
import {
  CONFIG_DIR,
  currentRelease,
  deployAroundSuite,
  expectExactly,
  expectExit,
  expectOldOrNew,
  faultLab,
  INSTALL_DIR,
  killSessionOf,
  leftovers,
  parseRun,
  publishPadded,
  publishSlowValidate,
  releaseInventory,
  rendered,
  STAGED_VALIDATE,
  whenOnHost,
} from './support.ts';

const { lab, names } = faultLab();

describe.skipIf(!lab)('fault: the connection drops during a transfer', () => {
  deployAroundSuite(lab!);

  it('during the release upload: no partial binary, `current` unchanged, the next deploy cleans up and converges', async () => {
    const VERSION = '1.36.2';
    const sum = publishPadded(lab!, VERSION, 60);
    // every host gets its own SFTP upload: with peer fetch on, lb2 would fetch from the seed instead
    const next = releaseInventory(lab!, VERSION, sum, (d) => (d.peerFetch = { enabled: false }));
    const before = await currentRelease(lab!, 'lb2');
    const dir = `${INSTALL_DIR}/releases/${VERSION}`;
    for (const n of names) await onHost(lab!, n, `rm -rf ${dir}`); // a rerun of this test uploads again

    const run = runCli(['deploy', '--hosts', next, '--json', '--max-fail', '100']);
    const killed = await whenOnHost(
      lab!,
      'lb2',
      `[ "$(stat -c %s ${dir}/.envoy.ekp-upload 2>/dev/null || echo 0)" -gt 1048576 ]`,
      killSessionOf('-x sftp-server'),
    );
    expect(killed).toMatch(/killed sshd \d+/);
    const r = await run;

    expectExit(r, 1);
    const out = parseRun(r.stdout);
    const failed = out.results.filter((x) => x.status === 'failed');
    expect(
      failed.map((x) => `${x.host}: ${x.task}`),
      JSON.stringify(failed),
    ).toEqual([`lb2: envoy ${VERSION} binary`]);
    expect(failed[0]!.error).toMatch(/^lb2: .*connection to [\d.]+ lost/);
    // the binary never took its name; a partial temp file may stay until the next run
    expect(await onHost(lab!, 'lb2', `ls -A ${dir}`)).toMatch(/^(\.envoy\.ekp-upload\n)?$/);
    expect(await currentRelease(lab!, 'lb2')).toEqual(before);
    for (const n of ['lb1', 'lb3'])
      expect(await currentRelease(lab!, n)).toEqual({ current: `releases/${VERSION}`, sha256: sum });

    expectExit(await runCli(['deploy', '--hosts', next, '--json']), 0);
    expect(await currentRelease(lab!, 'lb2')).toEqual({ current: `releases/${VERSION}`, sha256: sum });
    for (const n of names) expect(await leftovers(lab!, n), n).toEqual([]);
  });

  it('during the config update: each file old or new, no temp files left, the next deploy converges', async () => {
    const VERSION = '1.36.3';
    const sum = publishSlowValidate(lab!, VERSION, 4);
    const slow = releaseInventory(lab!, VERSION, sum);
    expectExit(await runCli(['deploy', '--hosts', slow]), 0);

    const next = releaseInventory(lab!, VERSION, sum, (d) => (d.clusters[0].endpoints = [d.clusters[0].endpoints[1]]));
    const versions = [await rendered(slow, 'lb2'), await rendered(next, 'lb2')];
    const run = runCli(['deploy', '--hosts', next, '--json']);
    const killed = await whenOnHost(lab!, 'lb2', `pgrep ${STAGED_VALIDATE} >/dev/null`, killSessionOf(STAGED_VALIDATE));
    expect(killed).toMatch(/killed sshd \d+/);
    const r = await run;

    expectExit(r, 1);
    const failed = parseRun(r.stdout).results.filter((x) => x.status === 'failed');
    expect(failed.map((x) => `${x.host}: ${x.task}`)).toEqual(['lb2: envoy configuration']);
    expect(failed[0]!.error).toMatch(/^lb2: .*connection to [\d.]+ lost/);
    await expectOldOrNew(lab!, 'lb2', versions);
    // the script lost its connection, not its host: it finishes (or fails) on its own and cleans up
    await whenOnHost(
      lab!,
      'lb2',
      `! pgrep ${STAGED_VALIDATE} >/dev/null && [ ! -e ${CONFIG_DIR}/.ekp-stage ]`,
      'true',
      30,
    );
    await expectOldOrNew(lab!, 'lb2', versions);
    // no temp file; when the script got as far as the renames, the previous files stay in
    // .ekp-prev for a gate that never came: the next deploy gates the host and drops them
    expect((await leftovers(lab!, 'lb2')).filter((p) => p !== `${CONFIG_DIR}/.ekp-prev`)).toEqual([]);

    expectExit(await runCli(['deploy', '--hosts', next, '--json']), 0);
    for (const n of names) {
      await expectExactly(lab!, n, await rendered(next, n));
      expect(await leftovers(lab!, n), n).toEqual([]);
    }
  });
});

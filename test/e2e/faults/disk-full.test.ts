// Fault: the disk holding the config is full on lb2. A small tmpfs is mounted over the config dir
// (the current files copied in first, so Envoy keeps running), filled, then a config change is
// deployed: lb2 fails with a message naming it and "No space left on device", its files stay the
// old ones (sha256) with no temp files left, the other hosts converge; once the tmpfs is gone, the
// next deploy converges lb2 too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { labInventory, onHost, runCli, unitStart } from '../support/cli.ts';
import { CONFIG_DIR, configOnHost, expectExactly, leftovers, parseRun, rendered } from './support.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const FILLER = 'zz-filler';

describe.skipIf(!lab)('fault: disk full while writing config', () => {
  let mounted = false;

  beforeAll(async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
  });

  afterAll(async () => {
    if (mounted) await onHost(lab!, 'lb2', `umount ${CONFIG_DIR}`);
    await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
  });

  it('fails lb2 with "No space left on device", keeps its old files and leaves no temp files', async () => {
    const old = await configOnHost(lab!, 'lb2');
    await onHost(
      lab!,
      'lb2',
      `set -e; tar -C ${CONFIG_DIR} -cf /root/ekp-config.tar .; mount -t tmpfs -o size=256k tmpfs ${CONFIG_DIR}; ` +
        `tar -C ${CONFIG_DIR} -xpf /root/ekp-config.tar; dd if=/dev/zero of=${CONFIG_DIR}/${FILLER} bs=4k 2>/dev/null || true; [ "$(df --output=avail ${CONFIG_DIR} | tail -1)" -eq 0 ]`,
    );
    mounted = true;
    const start = await unitStart(lab!, 'lb2');
    const next = labInventory(lab!, (d) => (d.clusters[0].endpoints = [d.clusters[0].endpoints[1]]));

    const r = await runCli(['deploy', '--hosts', next, '--json', '--max-fail', '100']);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(1);
    const failed = parseRun(r.stdout).results.filter((x) => x.status === 'failed');
    expect(failed.map((x) => `${x.host}: ${x.task}`)).toEqual(['lb2: envoy configuration']);
    expect(failed[0]!.error).toMatch(/^lb2: unable to update \/etc\/envoy-k8s-proxy: .*No space left on device/s);
    const now = await configOnHost(lab!, 'lb2');
    now.delete(FILLER);
    expect(Object.fromEntries(now)).toEqual(Object.fromEntries(old));
    expect(await leftovers(lab!, 'lb2')).toEqual([]);
    expect(await unitStart(lab!, 'lb2')).toBe(start);
    for (const n of ['lb1', 'lb3']) await expectExactly(lab!, n, await rendered(next, n));

    await onHost(lab!, 'lb2', `umount ${CONFIG_DIR}`);
    mounted = false;
    const again = await runCli(['deploy', '--hosts', next, '--json']);
    expect(again.code, again.stderr + again.stdout.slice(-2000)).toBe(0);
    for (const n of names) {
      await expectExactly(lab!, n, await rendered(next, n));
      expect(await leftovers(lab!, n), n).toEqual([]);
    }
  });
});

// Upload once per fleet on real hosts (fetch: control): a fresh deploy uploads the release to lb1
// only, lb2 and lb3 fetch it from lb1's temporary server and verify it; a seed whose server hands
// out other bytes is refused by every host that fetches from it, those hosts get the control
// machine's upload instead, and the run converges. The seed's server is gone after each run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { publishStandin } from '../../lab/release.ts';
import { labInventory, onHost, runCli, spawnCli } from '../support/cli.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const MIB = 8; // big enough that an upload stands out in the bytes sent to a host
interface Report {
  recap: { host: string; failed: number; changed: number; bytesSent: number }[];
  results: { host: string; task: string; status: string; message?: string; error?: string }[];
}
const report = (s: string) => JSON.parse(s) as Report;
const binaryTask = (r: Report, version: string) =>
  Object.fromEntries(r.results.filter((x) => x.task === `envoy ${version} binary`).map((x) => [x.host, x]));
const sent = (r: Report) => Object.fromEntries(r.recap.map((h) => [h.host, h.bytesSent / 2 ** 20]));

/** An inventory pinning `version`, published to the lab mirror padded to MIB MiB. */
function release(version: string): string {
  const extra = publishStandin(lab!.mirrorDir, version, MIB) as { envoy: { sha256: Record<string, string> } };
  return labInventory(lab!, (d) => (d.envoy = { ...d.envoy, version, sha256: extra.envoy.sha256 }));
}

/** What the seed logged of its server since `since`: one "Connection from <host>" per fetch (and its own HEAD). */
const seedLog = async (since: string) =>
  onHost(
    lab!,
    'lb1',
    `journalctl -q --no-pager -o cat --since @${since} -u 'ekp-seed-*' | grep -o 'Connection from [0-9.]*' || true`,
  );
const leftovers = async (n: string) =>
  onHost(lab!, n, "systemctl list-units --all --plain --no-legend 'ekp-seed-*'; ls /run | grep ekp-seed || true");

describe.skipIf(!lab)('upload once per fleet', () => {
  beforeAll(async () => {
    const r = await runCli(['uninstall', '--hosts', lab!.inventoryPath]);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
  });
  afterAll(async () => {
    // the next test file finds the lab as the global setup leaves it: nothing installed
    await runCli(['uninstall', '--hosts', lab!.inventoryPath]);
  });

  it('a fresh deploy uploads the release once; the peers fetch it from the seed and verify it', async () => {
    const inv = release('1.35.4');
    const since = (await onHost(lab!, 'lb1', 'date +%s')).trim();
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const rep = report(r.stdout);
    const task = binaryTask(rep, '1.35.4');
    expect(task.lb1?.message).toBe(
      'install 1.35.4 (x86_64); uploaded from the control machine; serves it to lb2, lb3 as it arrives',
    );
    for (const n of ['lb2', 'lb3'])
      expect(task[n]?.message).toBe('install 1.35.4 (x86_64); fetched from lb1, sha256 verified');
    // one upload of MIB MiB in the whole run: to the seed
    const mib = sent(rep);
    expect(mib.lb1).toBeGreaterThan(MIB);
    expect(mib.lb2! + mib.lb3!).toBeLessThan(1);
    // lb1's own readiness check, then one fetch from each peer
    expect((await seedLog(since)).split('\n').filter(Boolean).sort()).toEqual(
      lab!.hosts.map((h) => `Connection from ${h.address}`).sort(),
    );
    for (const n of names) {
      expect(await onHost(lab!, n, 'readlink /opt/envoy-k8s-proxy/current')).toBe('releases/1.35.4\n');
      expect(await leftovers(n)).toBe('');
    }
    const again = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(again.code).toBe(0);
    expect(report(again.stdout).recap.map((h) => h.changed)).toEqual(names.map(() => 0));
  });

  it('a seed serving other bytes is refused by its peers, which get the upload instead; the run converges', async () => {
    const inv = release('1.35.5');
    const run = spawnCli(['deploy', '--hosts', inv, '--json']);
    // once lb1 serves (right after its own install, in the canary batch), corrupt what it hands out:
    // same length, zeros instead of the binary
    let corrupted = '';
    for (let i = 0; i < 600 && !corrupted && run.exitCode === null; i++) {
      corrupted = await onHost(
        lab!,
        'lb1',
        `for f in /run/ekp-seed-*.sh; do [ -f "$f" ] || continue; ` +
          `sed -i 's|dd bs=65536 iflag=count_bytes status=none count=\\(.*\\) <&3|head -c \\1 /dev/zero|' "$f" && echo "$f"; done`,
      );
      if (!corrupted) await new Promise((res) => setTimeout(res, 100));
    }
    const r = await run.done;
    expect(corrupted, 'the seed never served').not.toBe('');
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const rep = report(r.stdout);
    const task = binaryTask(rep, '1.35.5');
    for (const n of ['lb2', 'lb3']) {
      expect(task[n]?.status).toBe('changed');
      expect(task[n]?.message).toMatch(
        /^install 1\.35\.5 \(x86_64\); uploaded from the control machine: the copy from lb1 failed \(unable to verify and install Envoy 1\.35\.5: checksum mismatch: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; the file was deleted\)$/,
      );
    }
    const mib = sent(rep);
    for (const n of names) expect(mib[n]).toBeGreaterThan(MIB);
    for (const n of names) {
      expect(await onHost(lab!, n, 'readlink /opt/envoy-k8s-proxy/current')).toBe('releases/1.35.5\n');
      expect(await leftovers(n)).toBe('');
    }
    const again = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(again.code).toBe(0);
    expect(report(again.stdout).recap.map((h) => h.changed)).toEqual(names.map(() => 0));
  });
});

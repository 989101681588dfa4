// Hand-offs of the VIP that lose nothing. Every lab host carries the VIP on lo behind ARP rules
// (arp_ignore=1, arp_announce=2) so that only the holder answers ARP, yet a host that just gave the
// VIP away still serves the packets clients with a stale ARP entry send it. Proven from the control
// side (its neighbour entry pointed at a non-holder by hand), then measured where it matters: 20 new
// TLS connections/s through the VIP while `deploy` restarts every host for a bootstrap change and
// for a new Envoy release (gated batches → restart handler → VIP hand-off, drain, restart): none
// may fail (the hand-off drops new SYNs before the holder leaves: src/ops/vip-release.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { publishRelease } from '../../lab/release.ts';
import { deploy, labInventory, onHost, runCli } from '../support/cli.ts';
import { throughLb } from '../support/traffic.ts';
import {
  clientDuring,
  expectHandOffLosses,
  holders,
  labVip,
  masterEntries,
  until,
  waitBackup,
} from '../support/vip.ts';

const lab = labOrSkip();
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

describe.skipIf(!lab)('VIP hand-off without a failed connection', () => {
  let vip = '';
  let bridge = '';
  const names = () => lab!.hosts.map((h) => h.name);
  /** The MAC of a host's interface on the lab bridge. */
  const mac = async (name: string) => {
    const addr = lab!.hosts.find((h) => h.name === name)!.address;
    const cmd = `cat /sys/class/net/$(ip -o -4 addr show to ${addr} | awk '{print $2}')/address`;
    return (await onHost(lab!, name, cmd)).trim();
  };
  /** The control side's neighbour entry for the VIP: the MAC its packets go to. */
  const neighbour = () => /lladdr (\S+)/.exec(ip('neigh', 'show', vip, 'dev', bridge))?.[1];

  beforeAll(async () => {
    vip = labVip(lab!);
    bridge = ip('-o', '-4', 'addr', 'show', 'to', lab!.bridgeAddress).split(/\s+/)[1]!;
    await deploy(lab!.inventoryPath);
    expect(await until(async () => (await holders(lab!, vip)).length === 1, 10_000)).toBe(true);
    for (const n of names()) if (!(await holders(lab!, vip, [n])).length) await waitBackup(lab!, n);
  }, 120_000);

  afterAll(async () => {
    if (bridge) ip('neigh', 'flush', 'to', vip, 'dev', bridge);
    await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
  }, 180_000);

  it('a stale ARP entry naming a non-holder is still served; ARP itself resolves to the holder only', async () => {
    const [holder] = await holders(lab!, vip);
    const other = names().find((n) => n !== holder)!;
    for (const n of names())
      expect(
        (await onHost(lab!, n, 'sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce')).split('\n'),
      ).toEqual(['1', '2', '']);
    // as right after a hand-off: the client still sends to the host that gave the VIP away
    ip('neigh', 'replace', vip, 'lladdr', await mac(other), 'dev', bridge, 'nud', 'reachable');
    const accepted = `curl -s '127.0.0.1:10000/stats?filter=^listener\\.0\\.0\\.0\\.0_6443\\.downstream_cx_total$' | awk '{print $2}'`;
    const before = Number(await onHost(lab!, other, accepted));
    expect(await throughLb(vip, 6443, '/version', 3000)).toContain('gitVersion');
    expect(Number(await onHost(lab!, other, accepted))).toBeGreaterThan(before);
    // a fresh resolution: only the holder answers ARP for the VIP, the others keep quiet
    for (let i = 0; i < 3; i++) {
      ip('neigh', 'flush', 'to', vip, 'dev', bridge);
      expect(await throughLb(vip, 6443, '/version', 3000)).toContain('gitVersion');
      expect(neighbour()).toBe(await mac(holder!));
    }
  }, 60_000);

  /** `deploy` of `inventory` under the client: every host restarts, the holder hands the VIP over first. */
  async function deployThroughVip(what: string, inventory: string) {
    const t0 = Date.now();
    const r = await clientDuring(vip, () => runCli(['deploy', '--hosts', inventory]));
    const out = r.value.stdout;
    const moves = out.match(/VIP handed to lb\d in \d+ ms/g) ?? [];
    const restarts = out.match(/restarted and healthy in/g) ?? [];
    console.log(
      `[figure] deploy (${what}) of ${names().length} hosts through the VIP: ${r.failed.length} of ${r.total} new connections failed (${r.failed.map((f) => `${f.at} ms: ${f.error}`).join(', ') || 'none'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${restarts.length} restarts, ${moves.length} VIP hand-offs; loadavg ${loadavg()}`,
    );
    expect(r.value.code, out + r.value.stderr).toBe(0);
    expect(restarts.length).toBe(names().length);
    expect(moves.length).toBeGreaterThan(0);
    expectHandOffLosses(
      r.failed.map((f) => f.error),
      moves.length,
    );
    expect((await holders(lab!, vip)).length).toBe(1);
    expect(await masterEntries(lab!, t0), out).toHaveLength(moves.length);
    for (const n of names()) if (!(await holders(lab!, vip, [n])).length) await waitBackup(lab!, n);
  }

  it('a bootstrap change (metrics port) rolled out by deploy: no new connection through the VIP fails', async () => {
    await deployThroughVip(
      'bootstrap change',
      labInventory(lab!, (d) => (d.metrics = { port: 9912 })),
    );
  }, 180_000);

  it('a new Envoy release rolled out by deploy: no new connection through the VIP fails', async () => {
    const { sha256: sum } = publishRelease(lab!.mirrorDir, '1.35.1');
    const inv = labInventory(lab!, (d) => {
      d.metrics = { port: 9912 };
      d.envoy = { ...d.envoy, version: '1.35.1', sha256: { x86_64: sum } };
    });
    await deployThroughVip('binary upgrade 1.35.0 → 1.35.1', inv);
  }, 180_000);
});

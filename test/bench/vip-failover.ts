// The VIP failover figure, on a running lab (`pnpm run lab up 3`, deployed): N hard kills of the
// holder (default 10), each timed from the kill to the first TLS answer through the VIP on the
// control side; prints every try, the median and the worst, with /proc/loadavg before and after.
// Run once: LAB_BRIDGE=… LAB_SUBNET=… pnpm exec tsx test/bench/vip-failover.ts [tries]
import { readFileSync } from 'node:fs';
import { findLab } from '../lab/index.ts';
import { holders, killHolderOnce, labVip, median } from '../e2e/support/vip.ts';

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

async function main(tries: number): Promise<number> {
  const found = findLab();
  if (!('lab' in found)) {
    console.error(`no running lab: ${found.skip}`);
    return 2;
  }
  const lab = found.lab;
  const vip = labVip(lab);
  if ((await holders(lab, vip)).length !== 1) {
    console.error(`expected exactly one holder of ${vip}: deploy the lab first`);
    return 1;
  }
  console.log(`VIP ${vip}, ${lab.hosts.length} hosts, ${tries} hard kills; loadavg before: ${loadavg()}`);
  const times: number[] = [];
  for (let i = 1; i <= tries; i++) {
    const r = await killHolderOnce(lab, vip);
    times.push(r.ms);
    console.log(`try ${i}: killed ${r.killed}, VIP answered through ${r.to} after ${r.ms} ms`);
  }
  console.log(
    `[figure] VIP failover after a hard kill: median ${median(times)} ms, worst ${Math.max(...times)} ms, best ${Math.min(...times)} ms over ${tries} tries; loadavg after: ${loadavg()}`,
  );
  return 0;
}

process.exitCode = await main(Number(process.argv[2] ?? 10));

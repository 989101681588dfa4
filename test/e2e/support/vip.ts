// The VIP seen from the control side, as a client sees it: new TLS connections to <vip>:6443 that
// a lab apiserver answers through whichever host holds the VIP. Shared by the e2e test and the
// failover benchmark (test/bench/vip-failover.ts), which only differ in how many times they try.
import { expect } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { killHost, sshRun, startHost, type LabInfo } from '../../lab/index.ts';
import { throughLb } from './traffic.ts';

export const PORT = 6443;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The VIP's address from the lab inventory (`vip: {address: <subnet>.100/24}`). */
export function labVip(lab: LabInfo): string {
  const doc = parse(readFileSync(lab.inventoryPath, 'utf8')) as { vip?: { address?: string } };
  const address = doc.vip?.address?.split('/')[0];
  if (!address) throw new Error(`${lab.inventoryPath} has no vip.address`);
  return address;
}

/** Which of `names` have the VIP on an interface other than lo now (hosts that do not answer count as not). */
export async function holders(lab: LabInfo, vip: string, names = lab.hosts.map((h) => h.name)): Promise<string[]> {
  const seen = await Promise.all(
    names.map(async (name) => {
      const h = lab.hosts.find((x) => x.name === name)!;
      const r = await sshRun(lab, h.address, `ip -o addr show to ${vip} | grep -v '^[0-9]*: lo '`).catch(
        () => undefined,
      );
      return r?.code === 0 && r.stdout.trim() !== '' ? name : undefined;
    }),
  );
  return seen.filter((n): n is string => n !== undefined);
}

/** keepalived's last VRRP transition on a host (MASTER, BACKUP, FAULT), or '' before any. */
export async function vrrpState(lab: LabInfo, name: string): Promise<string> {
  const h = lab.hosts.find((x) => x.name === name)!;
  const r = await sshRun(
    lab,
    h.address,
    "journalctl -u keepalived -o cat --no-pager -n 300 | grep -oiE 'entering [a-z]+ state' | tail -n 1",
  );
  return /entering ([a-z]+) state/i.exec(r.stdout)?.[1]?.toUpperCase() ?? '';
}

/** Polls `test` every `everyMs` until it holds; false after `limitMs`. */
export async function until(test: () => Promise<boolean>, limitMs: number, everyMs = 200): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await test().catch(() => false)) return true;
    await sleep(everyMs);
  }
  return false;
}

/**
 * Milliseconds from `t0` until a new TLS connection to the VIP is answered by an apiserver:
 * a fresh attempt every 50 ms (each given 400 ms: one to a dead host never completes), the first
 * answer wins. Undefined when none came within `limitMs`.
 */
export async function firstAnswer(vip: string, t0: number, limitMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: number | undefined) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      resolve(v);
    };
    const timer = setInterval(() => {
      if (Date.now() - t0 > limitMs) return finish(undefined);
      throughLb(vip, PORT, '/version', 400).then(
        (body) => body.includes('gitVersion') && finish(Date.now() - t0),
        () => undefined,
      );
    }, 50);
  });
}

/** A host is a ready peer again: keepalived BACKUP (its track script passes twice in a row). */
export async function waitBackup(lab: LabInfo, name: string, limitMs = 60_000): Promise<void> {
  if (!(await until(async () => (await vrrpState(lab, name)) === 'BACKUP', limitMs, 500)))
    throw new Error(`${name}: keepalived did not come back as BACKUP within ${limitMs} ms`);
}

/**
 * One hard kill: the VIP's holder loses power (every process SIGKILLed, no VRRP goodbye), the time
 * until the VIP answers again is measured from the control side, the new holder is checked, and
 * the killed host is booted again and waited for as a ready peer.
 */
export async function killHolderOnce(lab: LabInfo, vip: string): Promise<{ killed: string; to: string; ms: number }> {
  const before = await holders(lab, vip);
  if (before.length !== 1) throw new Error(`expected one VIP holder before the kill, found ${before.length}`);
  const killed = before[0]!;
  if (!(await firstAnswer(vip, Date.now(), 5000))) throw new Error('the VIP does not answer before the kill');
  const t0 = Date.now();
  await killHost(killed);
  const ms = await firstAnswer(vip, t0, 15_000);
  if (ms === undefined) throw new Error(`the VIP did not answer within 15 s after ${killed} was killed`);
  const after = await holders(
    lab,
    vip,
    lab.hosts.map((h) => h.name).filter((n) => n !== killed),
  );
  if (after.length !== 1) throw new Error(`expected one new VIP holder, found ${after.join(', ') || 'none'}`);
  await startHost(killed);
  await waitBackup(lab, killed);
  return { killed, to: after[0]!, ms };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

export interface ClientTally {
  total: number;
  failed: { at: number; error: string }[];
}

/**
 * A client opening 20 new TLS connections a second to `vip` (each a GET of /version, given 3 s)
 * while `during` runs, and a second more after it: how many were opened, which failed and why.
 */
export async function clientDuring<T>(vip: string, during: () => Promise<T>): Promise<{ value: T } & ClientTally> {
  const results: { at: number; error?: string }[] = [];
  const pending: Promise<void>[] = [];
  let running = true;
  const t0 = Date.now();
  const client = (async () => {
    while (running) {
      const at = Date.now() - t0;
      pending.push(
        throughLb(vip, PORT, '/version', 3000).then(
          () => void results.push({ at }),
          (e: Error) => void results.push({ at, error: e.message }),
        ),
      );
      await sleep(50);
    }
  })();
  try {
    const value = await during();
    await sleep(1000);
    return { value, ...(await stop()) };
  } finally {
    await stop();
  }
  async function stop(): Promise<ClientTally> {
    running = false;
    await client;
    await Promise.all(pending);
    const failed = results.flatMap((r) => (r.error === undefined ? [] : [{ at: r.at, error: r.error }]));
    return { total: results.length, failed };
  }
}

/**
 * What a client of the VIP sees while hosts restart one by one: nothing. Never a refusal (the
 * drained host is never the holder), never a timeout (packets still sent to the old holder's MAC
 * are served by it: the VIP's copy on lo, src/render/vip-arp.ts), never a reset of a connection
 * straddling the ARP switch (the holder drops new SYNs before it leaves: src/ops/vip-release.ts).
 * `handOffs` only labels the failure.
 */
export function expectHandOffLosses(errors: string[], handOffs: number, context = ''): void {
  expect(errors, `${errors.length} failed over ${handOffs} VIP hand-offs${context ? `\n${context}` : ''}`).toEqual([]);
}

/**
 * Every VRRP MASTER entry of the lab's keepalived journals since `sinceMs` (epoch ms), host by host.
 * A planned hand-off has exactly one: peers that race for the VIP each send a gratuitous ARP,
 * and a client that followed the wrong one is moved again a second later (src/ops/vip-release.ts).
 */
export async function masterEntries(lab: LabInfo, sinceMs: number): Promise<string[]> {
  const per = await Promise.all(
    lab.hosts.map(async (h) => {
      const r = await sshRun(
        lab,
        h.address,
        `journalctl -u keepalived -o short-precise --no-pager --since @${(sinceMs / 1000).toFixed(3)} | grep -F 'Entering MASTER STATE' || true`,
      );
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => `${h.name} ${l.split(' ')[2] ?? ''}`);
    }),
  );
  return per.flat().sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!));
}

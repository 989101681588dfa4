// The peers' relay around a planned hand-off, on a fleet of fake transports: loaded on every peer
// before the holder releases the VIP, removed when the release fails and when the host rejoins.
// Every peer but the chosen successor sits out of VRRP until the VIP has moved.
import { describe, expect, it } from 'vitest';
import { handOverBeforeDrain, handOverVipOnFleet, successor } from '../../../src/ops/vip.ts';
import { HOLD_UNIT, REJOIN_UNIT, RELAY_UNIT } from '../../../src/ops/vip-release.ts';
import type { Connections } from '../../../src/runner/connections.ts';
import { createFakeTransport, type FakeTransport } from '../../../src/ssh/fake.ts';
import type { Transport } from '../../../src/ssh/index.ts';
import { host, inventory, vipSpec } from '../render/fixtures.ts';

const hosts = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
const inv = inventory({ hosts, vip: vipSpec('10.0.0.100') });

/** What a command line is, as far as the hand-off goes. */
function kind(cmd: string): string {
  if (cmd.includes('@@ekp-fact')) return 'probe';
  if (cmd.includes(`--unit=${RELAY_UNIT}`)) return cmd.includes(`--unit=${HOLD_UNIT}`) ? 'relay+hold' : 'relay';
  if (cmd.includes(HOLD_UNIT)) return 'unhold';
  if (cmd.includes(RELAY_UNIT)) return 'unrelay';
  if (cmd.includes(`--unit=${REJOIN_UNIT}`)) return 'release';
  if (cmd.includes(REJOIN_UNIT)) return 'rejoin';
  return 'other';
}

/** lb1 holds the VIP until its release runs, then lb2 does; every exec is logged as `host kind`. */
function fleet(o: { releaseCode?: number; stuck?: boolean } = {}) {
  let holder = 'lb1';
  const log: string[] = [];
  const ts = new Map<string, FakeTransport>();
  for (const h of hosts)
    ts.set(
      h.name,
      createFakeTransport(h.name, (cmd) => {
        const k = kind(cmd);
        if (k !== 'probe' && k !== 'other') log.push(`${h.name} ${k}`);
        if (k === 'release' && !o.releaseCode) holder = o.stuck ? 'lb1' : 'lb2';
        if (k === 'release') return { code: o.releaseCode ?? 0, stderr: o.releaseCode ? 'nft: not found' : '' };
        if (k !== 'probe') return {};
        const state =
          holder === h.name ? 'holds\nactive\nEntering MASTER STATE' : 'free\nactive\nEntering BACKUP STATE';
        return { stdout: `\n@@ekp-fact 0\n${state}\n@@ekp-fact-rc 0\n` };
      }),
    );
  const conns = { get: (h: { name: string }) => Promise.resolve(ts.get(h.name)!) } as unknown as Connections;
  return { log, ts, conns };
}

describe('the relay around a planned hand-off', () => {
  it('every peer relays to the holder before it releases the VIP; the relay stays through the move', async () => {
    const f = fleet();
    const r = await handOverVipOnFleet(inv, hosts[0]!, f.conns, { timeoutMs: 5000 });
    expect(r).toMatchObject({ kind: 'moved', to: 'lb2' });
    // lb2 is the successor: lb3 sits out of VRRP until the VIP is on lb2, then is let back in
    expect(f.log.slice(0, 2).sort()).toEqual(['lb2 relay', 'lb3 relay+hold']);
    expect(f.log.slice(2, 3)).toEqual(['lb1 release']);
    expect(f.log.slice(3).sort()).toEqual(['lb2 unhold', 'lb3 unhold']);
    // the holder's own address is the target, never the VIP
    for (const peer of ['lb2', 'lb3'])
      expect(f.ts.get(peer)!.commands.find((c) => kind(c).startsWith('relay'))).toContain('dup to 10.0.0.11 drop');
    expect(f.ts.get('lb1')!.commands.some((c) => kind(c).startsWith('relay'))).toBe(false);
  });

  it('a release that fails removes the relays at once', async () => {
    const f = fleet({ releaseCode: 1 });
    const r = await handOverVipOnFleet(inv, hosts[0]!, f.conns, { timeoutMs: 5000 });
    expect(r).toMatchObject({ kind: 'not-released' });
    expect(f.log[2]).toBe('lb1 release');
    expect(f.log.slice(3, 5).sort()).toEqual(['lb2 unrelay', 'lb3 unrelay']);
    expect(f.log.slice(5).sort()).toEqual(['lb2 unhold', 'lb3 unhold']);
  });

  it('the successor is the highest VRRP priority among the ready peers, the first of equals', () => {
    const [a, b, c] = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
    expect(successor([b, c]).name).toBe('lb2');
    expect(successor([a, b, { ...c, vipPriority: 150 }]).name).toBe('lb3');
    expect(successor([{ ...a, vipPriority: 90 }, b]).name).toBe('lb2');
  });

  it('a release no peer follows lets the held peers back in, after the holder rejoined', async () => {
    const f = fleet({ stuck: true });
    await expect(handOverVipOnFleet(inv, hosts[0]!, f.conns, { timeoutMs: 300 })).rejects.toThrow(
      /no ready peer held it/,
    );
    expect(f.log.slice(0, 2).sort()).toEqual(['lb2 relay', 'lb3 relay+hold']);
    expect(f.log.slice(-2).sort()).toEqual(['lb2 unhold', 'lb3 unhold']);
    expect(f.log).toContain('lb1 rejoin');
    expect(f.log.indexOf('lb1 rejoin')).toBeLessThan(f.log.indexOf('lb3 unhold'));
  });

  it('after the restart the peers stop relaying, then the host rejoins', async () => {
    const f = fleet();
    const step = handOverBeforeDrain(inv, f.conns)!;
    const rejoin = await step(f.ts.get('lb1') as Transport, hosts[0]!);
    f.log.length = 0;
    await rejoin!();
    expect(f.log.slice(0, 2).sort()).toEqual(['lb2 unrelay', 'lb3 unrelay']);
    expect(f.log.slice(2)).toEqual(['lb1 rejoin']);
  });
});

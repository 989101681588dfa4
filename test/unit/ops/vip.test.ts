// The VIP as the tool reads it (parse of the probe, the fleet verdict) and the hand-over the
// restart choreography runs before draining a holder, on a scripted fleet with a virtual clock.
import { describe, expect, it } from 'vitest';
import { handOverVip, handOverVipOnFleet, parseVipView, vipVerdict, type VipView } from '../../../src/ops/vip.ts';
import type { Connections } from '../../../src/runner/connections.ts';
import { host, inventory, vipSpec } from '../render/fixtures.ts';

const lb1 = host('lb1', '10.0.0.11');
const lb2 = host('lb2', '10.0.0.12');
const lb3 = host('lb3', '10.0.0.13');
const master: VipView = { holds: true, keepalived: 'active', vrrp: 'MASTER' };
const backup: VipView = { holds: false, keepalived: 'active', vrrp: 'BACKUP' };
const fault: VipView = { holds: false, keepalived: 'active', vrrp: 'FAULT' };

describe('the VIP probe', () => {
  it('parses holder, unit and the last VRRP transition', () => {
    expect(parseVipView('holds\nactive\n(envoy_k8s_proxy) Entering MASTER STATE\n')).toEqual(master);
    expect(parseVipView('free\nactive\nentering FAULT state\n')).toEqual(fault);
    expect(parseVipView('free\ninactive\n')).toEqual({ holds: false, keepalived: 'inactive', vrrp: null });
    expect(parseVipView('')).toEqual({ holds: false, keepalived: 'unknown', vrrp: null });
  });

  it('flags no holder and two holders', () => {
    expect(
      vipVerdict([
        { host: 'lb1', view: master },
        { host: 'lb2', view: backup },
      ]),
    ).toEqual({ holders: ['lb1'] });
    expect(vipVerdict([{ host: 'lb1', view: backup }, { host: 'lb2' }]).problem).toMatch(/^no host holds the VIP/);
    // --limit: the holder may be among the hosts not read
    expect(vipVerdict([{ host: 'lb3', view: backup }], { complete: false })).toEqual({ holders: [] });
    expect(
      vipVerdict([
        { host: 'lb1', view: master },
        { host: 'lb2', view: master },
      ]).problem,
    ).toBe('2 hosts hold the VIP (lb1, lb2): VRRP split brain');
  });
});

/** A fleet whose views change when the holder releases: `after` takes effect `delayMs` later. */
function fleet(before: Record<string, VipView>, after: Record<string, VipView>, delayMs: number) {
  let clock = 0;
  let releasedAt: number | undefined;
  const releases: number[] = [];
  return {
    releases,
    o: {
      observe: async (h: { name: string }) => {
        const moved = releasedAt !== undefined && clock - releasedAt >= delayMs;
        return (moved ? after : before)[h.name]!;
      },
      release: async () => {
        releasedAt = clock;
        releases.push(clock);
      },
      sleep: async (ms: number) => {
        clock += ms;
      },
      now: () => clock,
    },
  };
}

describe('handOverVip', () => {
  it('does nothing on a host that does not hold the VIP', async () => {
    const f = fleet({ lb1: backup, lb2: master, lb3: backup }, {}, 0);
    await expect(handOverVip(lb1, [lb2, lb3], { ...f.o, timeoutMs: 2000 })).resolves.toEqual({ kind: 'not-holder' });
    expect(f.releases).toEqual([]);
  });

  it('releases, then waits until a ready peer holds it', async () => {
    const f = fleet({ lb1: master, lb2: backup, lb3: fault }, { lb1: fault, lb2: master, lb3: fault }, 1200);
    const r = await handOverVip(lb1, [lb2, lb3], { ...f.o, timeoutMs: 5000, intervalMs: 100 });
    expect(r).toEqual({ kind: 'moved', to: 'lb2', ms: 1200 });
    expect(f.releases).toEqual([0]);
  });

  it('refuses to release when no peer is ready (the last ready host)', async () => {
    const f = fleet({ lb1: master, lb2: fault, lb3: { ...backup, keepalived: 'inactive' } }, {}, 0);
    await expect(handOverVip(lb1, [lb2, lb3], { ...f.o, timeoutMs: 2000 })).rejects.toThrow(
      'lb1: holds the VIP and no peer became ready to take it (keepalived BACKUP) within 2000 ms',
    );
    expect(f.releases).toEqual([]);
  });

  it('gives up after the bound when nobody takes it', async () => {
    const f = fleet({ lb1: master, lb2: backup }, { lb1: fault, lb2: backup }, 0);
    await expect(handOverVip(lb1, [lb2], { ...f.o, timeoutMs: 1000, intervalMs: 250 })).rejects.toThrow(
      'lb1: released the VIP but no ready peer held it within 1000 ms (still on no host)',
    );
  });

  it('is not done while the old holder still has the address (two holders)', async () => {
    const f = fleet({ lb1: master, lb2: backup }, { lb1: master, lb2: master }, 0);
    await expect(handOverVip(lb1, [lb2], { ...f.o, timeoutMs: 500, intervalMs: 100 })).rejects.toThrow(/still on lb1/);
  });

  it('waits for a peer coming back (keepalived rise) before releasing', async () => {
    const f = fleet({ lb1: master, lb2: fault }, { lb1: fault, lb2: master }, 0);
    let polls = 0;
    const observe = async (h: { name: string }) =>
      h.name === 'lb2' && f.releases.length === 0 && ++polls > 3 ? backup : f.o.observe(h);
    const r = await handOverVip(lb1, [lb2], { ...f.o, observe, timeoutMs: 5000, intervalMs: 100 });
    expect(r).toEqual({ kind: 'moved', to: 'lb2', ms: 0 });
    expect(f.releases).toEqual([300]);
  });

  it('a failed release is reported, not fatal; one no peer follows is undone', async () => {
    const f = fleet({ lb1: master, lb2: backup }, { lb1: fault, lb2: backup }, 0);
    const release = async () => Promise.reject(new Error('admin did not answer'));
    await expect(handOverVip(lb1, [lb2], { ...f.o, release, timeoutMs: 1000 })).resolves.toEqual({
      kind: 'not-released',
      why: 'admin did not answer',
    });
    let restored = 0;
    const restore = async () => void restored++;
    await expect(handOverVip(lb1, [lb2], { ...f.o, restore, timeoutMs: 1000, intervalMs: 250 })).rejects.toThrow(
      /it takes part in VRRP again/,
    );
    expect(restored).toBe(1);
  });
});

describe('handOverVipOnFleet', () => {
  const vip = vipSpec('10.0.0.100');
  const untouchable = {
    get: () => Promise.reject(new Error('no host may be contacted')),
  } as unknown as Connections;

  it('a fleet of one has no peer to hand the VIP to: nothing is released, the restart goes on', async () => {
    const lb1 = host('lb1', '10.0.0.11');
    const inv = inventory({ hosts: [lb1], vip });
    await expect(handOverVipOnFleet(inv, lb1, untouchable, { timeoutMs: 1000 })).resolves.toEqual({
      kind: 'not-holder',
    });
  });

  it('with a peer, it looks at who holds the VIP first', async () => {
    const [lb1, lb2] = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12')];
    const inv = inventory({ hosts: [lb1, lb2], vip });
    await expect(handOverVipOnFleet(inv, lb1, untouchable, { timeoutMs: 1000 })).rejects.toThrow(
      'no host may be contacted',
    );
  });
});

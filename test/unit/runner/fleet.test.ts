// The one fleet primitive: inventory order whatever the finishing order, a failed connect as that
// host's outcome (host and detail as fields), --forks, and Ctrl-C finishing the hosts in hand only.
import { describe, expect, it } from 'vitest';
import { Connections } from '../../../src/runner/connections.ts';
import { onFleet } from '../../../src/runner/fleet.ts';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { createFakeTransport } from '../../../src/ssh/fake.ts';
import { detailOf, RemoteError, ToolError } from '../../../src/errors.ts';

const hosts = ['lb1', 'lb2', 'lb3', 'lb4'].map((name) => ({ name, address: name }) as HostSpec);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function conns(unreachable: string[] = []) {
  let connects = 0;
  const c = new Connections(async (h) => {
    connects++;
    if (unreachable.includes(h.name))
      throw new ToolError('connect', 'cannot connect to lb:22: connection refused', { host: h.name });
    return createFakeTransport(h.name);
  });
  return { c, connects: () => connects };
}

describe('onFleet', () => {
  it('keeps inventory order whatever order the hosts finish in', async () => {
    const { c } = conns();
    const done: string[] = [];
    const out = await onFleet(hosts, c, { forks: 4, onDone: (o) => void done.push(o.host.name) }, async (_t, h) => {
      await sleep(40 - 10 * hosts.indexOf(h));
      return h.name.toUpperCase();
    });
    expect(done).toEqual(['lb4', 'lb3', 'lb2', 'lb1']);
    expect(out.map((o) => (o.ok ? o.value : o.detail))).toEqual(['LB1', 'LB2', 'LB3', 'LB4']);
  });

  it('a failed connect is that host outcome, unreachable, its detail without the host name', async () => {
    const { c } = conns(['lb2']);
    let ran = 0;
    const out = await onFleet(hosts, c, { forks: 2 }, async (_t, h) => {
      ran++;
      if (h.name === 'lb3') throw new RemoteError('lb3', 'read it', 'cat x', 1, 'no such file');
      return 'ok';
    });
    expect(ran).toBe(3);
    expect(out[1]).toMatchObject({
      ok: false,
      unreachable: true,
      detail: 'cannot connect to lb:22: connection refused',
    });
    expect(out[2]).toMatchObject({ ok: false, unreachable: false, detail: 'unable to read it: no such file' });
    // the printed form still names the host
    expect(out[1]!.ok ? '' : (out[1]!.error as Error).message).toBe('lb2: cannot connect to lb:22: connection refused');
  });

  it('runs at most --forks hosts at a time', async () => {
    const { c } = conns();
    let inFlight = 0;
    let most = 0;
    await onFleet(hosts, c, { forks: 2 }, async () => {
      most = Math.max(most, ++inFlight);
      await sleep(10);
      inFlight--;
    });
    expect(most).toBe(2);
  });

  it('Ctrl-C: the hosts in hand finish, no other starts (not even its connect)', async () => {
    const { c, connects } = conns();
    const ac = new AbortController();
    const out = await onFleet(hosts, c, { forks: 2, signal: ac.signal }, async (_t, h) => {
      if (h.name === 'lb1') ac.abort();
      await sleep(10);
      return h.name;
    });
    expect(out.map((o) => o.host.name)).toEqual(['lb1', 'lb2']);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(connects()).toBe(2);
  });

  it('halt stops scheduling once it says so', async () => {
    const { c } = conns(['lb1']);
    let failed = 0;
    const out = await onFleet(
      hosts,
      c,
      { forks: 1, halt: () => failed > 0, onDone: (o) => void (o.ok || failed++) },
      async () => 'ok',
    );
    expect(out.map((o) => o.host.name)).toEqual(['lb1']);
  });
});

describe('Connections', () => {
  it("one shared connection per host; extra() opens one of the caller's own beside it", async () => {
    const { c, connects } = conns();
    const first = await c.get(hosts[0]!);
    expect(await c.get(hosts[0]!)).toBe(first);
    expect(connects()).toBe(1);
    const own = await c.extra(hosts[0]!);
    expect(own).not.toBe(first);
    expect(await c.get(hosts[0]!)).toBe(first);
    expect(connects()).toBe(2);
  });
});

describe('errors carry host and detail as fields', () => {
  it('message is the printed form; detail is the same without the host', () => {
    const e = new ToolError('remote', 'timed out after 5 ms: true', { host: 'lb1' });
    expect([e.host, e.detail, e.message]).toEqual([
      'lb1',
      'timed out after 5 ms: true',
      'lb1: timed out after 5 ms: true',
    ]);
    expect(new RemoteError('lb2', 'restart x', 'systemctl restart x', 1, 'boom').detail).toBe(
      'unable to restart x: boom',
    );
    // said of another host (a jump host), or a plain error: the whole message
    expect(detailOf(new ToolError('connect', 'refused', { host: 'bastion' }), 'lb1')).toBe('bastion: refused');
    expect(detailOf(new Error('lb1: plain'), 'lb1')).toBe('lb1: plain');
  });
});

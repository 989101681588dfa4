// The steps before a restart stops anything, over the real curl scripts run by sh on this machine:
// peers' health listeners and the admin's listener counters are loopback HTTP servers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { healthOf, healthUrl, parseAcceptedTotal, readyPeers, waitQuiet } from '../../../src/ops/drain.ts';
import { host, prodInventory } from '../render/fixtures.ts';
import { localTransport } from '../runner/local-transport.ts';
import { hasCurl } from '../facts/admin-standin.ts';

const servers: Server[] = [];
afterAll(async () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function serve(handler: (url: string) => [number, string]): Promise<number> {
  const s = createServer((req, res) => {
    const [status, body] = handler(req.url ?? '');
    res.writeHead(status).end(body);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

describe('parseAcceptedTotal', () => {
  it('sums the proxying listeners, not the admin, metrics or health listeners nor per-worker copies', () => {
    const stats = [
      'listener.0.0.0.0_6443.downstream_cx_total: 7',
      'listener.0.0.0.0_6443.worker_0.downstream_cx_total: 7',
      'listener.[__]_6444.downstream_cx_total: 3',
      'listener.admin.downstream_cx_total: 50',
      'listener.metrics.downstream_cx_total: 9',
      'listener.health.downstream_cx_total: 11',
    ].join('\n');
    expect(parseAcceptedTotal(stats)).toBe(10);
    expect(parseAcceptedTotal('listener.admin.downstream_cx_total: 1\n')).toBeUndefined();
  });
});

describe('healthUrl', () => {
  it("is the host's own address unless the health listener binds elsewhere; wildcards use the host", () => {
    const inv = prodInventory();
    expect(healthUrl(inv, host('lb1', '10.0.0.11'))).toBe('http://10.0.0.11:9903/healthz');
    expect(
      healthUrl({ ...inv, healthListener: { enabled: true, port: 8080, address: '::' } }, host('lb1', 'fd00::11')),
    ).toBe('http://[fd00::11]:8080/healthz');
    expect(
      healthUrl(
        { ...inv, healthListener: { enabled: true, port: 8080, address: '10.9.9.9' } },
        host('lb1', '10.0.0.11'),
      ),
    ).toBe('http://10.9.9.9:8080/healthz');
  });
});

describe.skipIf(!hasCurl)('on a stand-in host', () => {
  it('counts as ready only the peers whose health listener answers 200', async () => {
    const ok = await serve(() => [200, '']);
    const failed = await serve(() => [503, '']);
    const inv = { ...prodInventory(), healthListener: { enabled: true, port: ok, address: '127.0.0.1' } };
    const hosts = [host('lb1', '127.0.0.1'), host('lb2', '127.0.0.1'), host('lb3', '127.0.0.1')];
    const t = localTransport('lb1');
    expect(await readyPeers(t, { ...inv, hosts }, hosts[0]!)).toEqual(['lb2', 'lb3']);
    const down = { ...inv, hosts, healthListener: { ...inv.healthListener, port: failed } };
    expect(await readyPeers(t, down, hosts[0]!)).toEqual([]);
    const closed = { ...inv, hosts, healthListener: { ...inv.healthListener, port: 1 } };
    expect(await healthOf(t, closed, hosts)).toEqual([false, false, false]);
  });

  it('waits while connections arrive, and returns once none came for the quiet window', async () => {
    let total = 0;
    let arriving = true;
    const port = await serve((url) => {
      if (!url.startsWith('/stats?filter=')) return [404, ''];
      if (arriving) total += 2;
      return [200, `listener.admin.downstream_cx_total: 99\nlistener.0.0.0.0_6443.downstream_cx_total: ${total}\n`];
    });
    const inv = { ...prodInventory(), admin: { address: '127.0.0.1', port } };
    setTimeout(() => (arriving = false), 800);
    const t0 = Date.now();
    const q = await waitQuiet(localTransport('lb1'), inv, { boundMs: 10_000, quietMs: 500, intervalMs: 50 });
    expect(q.quiet).toBe(true);
    expect(q.arrived).toBeGreaterThan(0);
    // not before the last arrival seen (a poll before 800 ms) plus the quiet window; well before the bound
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(q.waitedMs).toBeLessThan(10_000);
  });

  it('gives up at the bound when connections keep arriving, and says when there are no stats', async () => {
    let total = 0;
    const port = await serve(() => [200, `listener.10.0.0.11_6443.downstream_cx_total: ${(total += 1)}\n`]);
    const inv = { ...prodInventory(), admin: { address: '127.0.0.1', port } };
    const q = await waitQuiet(localTransport('lb1'), inv, { boundMs: 600, quietMs: 400, intervalMs: 50 });
    expect(q).toMatchObject({ quiet: false });
    expect(q.waitedMs).toBeGreaterThanOrEqual(600);
    expect(q.arrived).toBeGreaterThan(0);
    const none = { ...inv, admin: { address: '127.0.0.1', port: 1 } };
    expect(await waitQuiet(localTransport('lb1'), none, { boundMs: 600, quietMs: 400 })).toMatchObject({
      quiet: false,
      why: 'no listener stats',
    });
  });
});

// restartOne's order of steps over the real scripts, run by sh on this machine: systemctl and the
// `current` envoy are stand-ins on disk that log their calls, Envoy's admin and health listeners
// loopback HTTP servers that log theirs. What must never happen: a stop before the config check,
// the last ready host taken down, a refused config leaving the health listener failed.
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldRestartsAtOnce, restartOne, type RollingOptions } from '../../../src/ops/rolling.ts';
import { Semaphore } from '../../../src/ssh/index.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { cluster, host, inventory } from '../render/fixtures.ts';
import { localTransport } from '../runner/local-transport.ts';
import { hasCurl } from '../facts/admin-standin.ts';

const SHOW =
  'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nStateChangeTimestamp=Wed 2026-11-25 12:48:04 UTC\nExecMainStartTimestamp=Wed 2026-11-25 12:48:04 UTC\nNRestarts=0\nMainPID=42\n';

describe.skipIf(!hasCurl)('restartOne on a stand-in host', () => {
  let dir: string;
  let log: string;
  const servers: Server[] = [];
  const ports = { admin: 0, health: 0 };
  const events = (): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

  async function serve(name: string, answer: (url: string) => [number, string]): Promise<number> {
    const s = createServer((req, res) => {
      const [status, body] = answer(req.url ?? '');
      // the drain wait's stats polls vary in number: not logged
      if (!req.url?.startsWith('/stats')) appendFileSync(log, `${name} ${req.method} ${req.url}\n`);
      res.writeHead(status).end(body);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ekp-restart-one-'));
    log = join(dir, 'events.log');
    await writeFile(log, '');
    ports.admin = await serve('admin', (url) => {
      if (url.startsWith('/stats')) return [200, 'listener.0.0.0.0_6443.downstream_cx_total: 5\n'];
      if (url === '/ready') return [200, 'LIVE\n'];
      return [200, 'OK\n'];
    });
    ports.health = await serve('health', () => [200, '']);
    await mkdir(join(dir, 'bin'));
    await writeFile(
      join(dir, 'bin', 'systemctl'),
      `#!/bin/sh\n[ "$1" = show ] && { printf '%s' '${SHOW}'; exit 0; }\necho "systemctl $*" >> ${log}\n`,
      { mode: 0o755 },
    );
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await rm(dir, { recursive: true, force: true });
  });

  /** Two hosts on loopback; `peer` at 127.0.0.2, where no health listener answers, unless shared. */
  async function setup(validateExit: number, peer = '127.0.0.1'): Promise<{ inv: Inventory; opts: RollingOptions }> {
    await writeFile(log, '');
    const install = await mkdtemp(join(dir, 'install-'));
    await mkdir(join(install, 'current'));
    await writeFile(
      join(install, 'current', 'envoy'),
      `#!/bin/sh\necho "envoy $*" >> ${log}\n[ ${validateExit} = 0 ] || echo '[2026][1][critical][main] bogus_field: Cannot find field.'\nexit ${validateExit}\n`,
      { mode: 0o755 },
    );
    const inv = inventory({
      admin: { address: '127.0.0.1', port: ports.admin },
      healthListener: { enabled: true, port: ports.health },
      clusters: [cluster('k8s', 6443, [{ host: '10.0.0.1', port: 6443 }])],
      hosts: [host('lb1', '127.0.0.1'), host('lb2', peer)],
    });
    inv.paths = { ...inv.paths, installDir: install, configDir: '/etc/ekp-test', user: 'ekp-no-such-user' };
    const opts: RollingOptions = {
      serial: { kind: 'count', value: 1 },
      drainMs: 600,
      healthTimeoutMs: 5000,
      minHealthy: 0,
      // like the VIP hand-off: what it returns runs once the restart is over, whatever the outcome
      beforeDrain: async () => {
        appendFileSync(log, 'beforeDrain\n');
        return async () => void appendFileSync(log, 'rejoin\n');
      },
    };
    return { inv, opts };
  }
  const transport = () => localTransport('lb1', { PATH: `${join(dir, 'bin')}:${process.env.PATH}` });

  it('fails health, waits, validates with the current binary, stops listeners, then restarts', async () => {
    const { inv, opts } = await setup(0);
    const out = await restartOne(transport(), inv, inv.hosts[0]!, opts);
    expect(out).toMatch(/^restarted and healthy in .* \(drained in/);
    expect(events()).toEqual([
      'health GET /healthz', // itself
      'health GET /healthz', // its peer: ready
      'beforeDrain',
      'admin POST /healthcheck/fail',
      `envoy --mode validate -c /etc/ekp-test/envoy.yaml`,
      'admin POST /drain_listeners',
      'systemctl restart envoy-k8s-proxy.service',
      'admin GET /ready',
      'health GET /healthz', // 200 again
      'rejoin',
    ]);
  });

  it('a host whose live config this run validated already is not validated again', async () => {
    const { inv, opts } = await setup(0);
    await restartOne(transport(), inv, inv.hosts[0]!, { ...opts, validated: new Set(['lb1']) });
    expect(events()).not.toContain('envoy --mode validate -c /etc/ekp-test/envoy.yaml');
    expect(events()).toContain('systemctl restart envoy-k8s-proxy.service');
  });

  it('a config the binary refuses: nothing stops, the health listener is set back to ok', async () => {
    const { inv, opts } = await setup(1);
    await expect(restartOne(transport(), inv, inv.hosts[0]!, opts)).rejects.toThrow(
      /^lb1: envoy --mode validate refused the live config; not restarted, health listener back to ok: .*bogus_field/,
    );
    expect(events()).toEqual([
      'health GET /healthz',
      'health GET /healthz',
      'beforeDrain',
      'admin POST /healthcheck/fail',
      `envoy --mode validate -c /etc/ekp-test/envoy.yaml`,
      'admin POST /healthcheck/ok',
      'rejoin',
    ]);
  });

  it('a wide batch stops and starts one host at a time: the second waits until the first rejoined', async () => {
    const { inv, opts } = await setup(0);
    const coldSlots = new Semaphore(1);
    const notes: string[] = [];
    const both = { ...opts, coldSlots, log: (h: string, m: string) => void notes.push(`${h}: ${m}`) };
    const outs = await Promise.all([
      restartOne(transport(), inv, inv.hosts[0]!, both),
      restartOne(transport(), inv, inv.hosts[0]!, both),
    ]);
    expect(outs.every((o) => o.startsWith('restarted and healthy'))).toBe(true);
    const e = events();
    // one whole choreography, then the other: never two hosts failed or stopped at once
    const firstRejoin = e.indexOf('rejoin');
    expect(e.lastIndexOf('beforeDrain')).toBeGreaterThan(firstRejoin);
    expect(e.filter((x) => x.startsWith('systemctl restart'))).toHaveLength(2);
    expect(notes).toContain('lb1: waits for its turn: at most 1 stop-and-start restart(s) at once');
    expect(coldSlots.inUse).toBe(0);
  });

  it('how many may stop at once: one with a VIP, else all hosts but one', () => {
    const three = inventory({ hosts: [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')] });
    expect(coldRestartsAtOnce(three)).toBe(2);
    expect(coldRestartsAtOnce({ ...three, vip: { address: '10.0.0.10' } as Inventory['vip'] })).toBe(1);
    expect(coldRestartsAtOnce({ ...three, hosts: three.hosts.slice(0, 1) })).toBe(1);
  });

  it('the last ready host is not touched at all', async () => {
    const { inv, opts } = await setup(0, '127.0.0.2');
    await expect(restartOne(transport(), inv, inv.hosts[0]!, opts)).rejects.toThrow(
      'lb1: not restarted: it is the last ready host',
    );
    // only its own health listener was asked (its peer at 127.0.0.2 refuses): nothing else
    expect(events()).toEqual(['health GET /healthz']);
  });
});

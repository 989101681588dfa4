// The health gate and status over the real fact scripts, run by sh on this machine: systemctl is a
// stand-in on PATH, Envoy's admin listener a loopback HTTP server. Each reads its host in one round trip.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce } from '../../../src/ops/gate.ts';
import { hostStatus } from '../../../src/ops/status.ts';
import { prodInventory } from '../render/fixtures.ts';
import { localTransport } from '../runner/local-transport.ts';
import { adminStandIn, hasCurl } from '../facts/admin-standin.ts';

const SHOW = (active: string, sub: string) =>
  `LoadState=loaded\nActiveState=${active}\nSubState=${sub}\nUnitFileState=enabled\nStateChangeTimestamp=Wed 2026-11-25 12:48:04 UTC\nExecMainStartTimestamp=Wed 2026-11-25 12:48:04 UTC\nNRestarts=0\nMainPID=42\n`;

describe.skipIf(!hasCurl)('gate and status on a stand-in host', () => {
  let dir: string;
  const servers: Server[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ekp-gate-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await rm(dir, { recursive: true, force: true });
  });

  /** A host whose unit is `active`/`sub` and whose admin /ready answers `ready` (or nothing). */
  async function host(active: string, sub: string, ready?: { status: number; body: string }) {
    const bin = await mkdtemp(join(dir, 'bin-'));
    await writeFile(join(bin, 'systemctl'), `#!/bin/sh\n[ "$1" = show ] && printf '%s' '${SHOW(active, sub)}'\n`, {
      mode: 0o755,
    });
    const inv = prodInventory();
    inv.clusters = inv.clusters.map((c) => ({ ...c, name: 'k8s', endpoints: c.endpoints.slice(0, 1) })).slice(0, 1);
    inv.admin = { ...inv.admin, port: 1 };
    if (ready) {
      const s = await adminStandIn(ready);
      servers.push(s);
      inv.admin.port = (s.address() as AddressInfo).port;
    }
    return { inv, t: localTransport('lb1', { PATH: `${bin}:${process.env.PATH}` }) };
  }

  it('passes a live host with healthy endpoints, in one round trip', async () => {
    const { inv, t } = await host('active', 'running', { status: 200, body: 'LIVE\n' });
    expect(await checkOnce(t, inv, 1)).toEqual({ ok: true, reason: 'active, LIVE, endpoints healthy' });
    expect(t.stats.roundTrips).toBe(1);
  });

  it('names what failed: the unit, /ready draining, the admin listener not answering', async () => {
    const down = await host('inactive', 'dead', { status: 200, body: 'LIVE\n' });
    expect(await checkOnce(down.t, down.inv, 1)).toEqual({ ok: false, reason: 'unit is inactive (dead)' });
    const draining = await host('active', 'running', { status: 503, body: 'DRAINING\n' });
    expect(await checkOnce(draining.t, draining.inv, 1)).toEqual({
      ok: false,
      reason: 'admin /ready answered 503: DRAINING',
    });
    const deaf = await host('active', 'running');
    expect((await checkOnce(deaf.t, deaf.inv, 1)).reason).toMatch(/^admin \/ready answered nothing: curl: \(7\) /);
  });

  it('status reads unit, binary, admin, hashes and the container in one round trip', async () => {
    const { inv, t } = await host('active', 'running', { status: 200, body: 'LIVE\n' });
    const s = await hostStatus(t, inv, inv.hosts[0]!);
    expect(t.stats.roundTrips).toBe(1);
    expect(s.unit).toMatchObject({ activeState: 'active', since: 'Wed 2026-11-25 12:48:04 UTC', mainPid: 42 });
    expect(s.ready).toBe('LIVE');
    expect(s.clusters).toEqual([{ name: 'k8s', healthy: 1, total: 1 }]);
    expect(s.drift?.state).toBe('missing');
  });
});

// --reject-unknown-dynamic-fields, as Envoy documents it (docs: "Command line options"; source:
// ProtobufMessage::ValidationVisitor, strict for dynamic resources only with this flag): an
// lds/cds/eds update with an unknown field is rejected, the previous config stays, and the
// subscription counts update_rejected instead of update_success. Without the flag the same
// update is accepted with a warning and server.dynamic_unknown_fields counts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../support/net.ts';
import {
  PY,
  SCRIPT,
  atomicWrite,
  bootstrap,
  cluster,
  eds,
  echoServer,
  exchange,
  listener,
  sleep,
  type Echo,
} from './support.ts';

/** eds() with an unknown field inside the ClusterLoadAssignment's endpoint. */
function edsWithTypo(name: string, port: number): Record<string, any> {
  const e = eds(name, [port]) as Record<string, any>;
  e.resources[0].endpoints[0].lb_endpoints[0].endpoint.adress =
    e.resources[0].endpoints[0].lb_endpoints[0].endpoint.address;
  return e;
}

for (const reject of [true, false]) {
  describe(`stand-in ${reject ? 'with' : 'without'} --reject-unknown-dynamic-fields`, () => {
    let dir: string;
    let adminPort: number;
    let port: number;
    let a: Echo;
    let b: Echo;
    let envoy: ChildProcess;
    let stderr = '';
    const stats = async (): Promise<Record<string, number>> => {
      const r = (await (await fetch(`http://127.0.0.1:${adminPort}/stats?format=json`)).json()) as {
        stats: { name: string; value: number }[];
      };
      return Object.fromEntries(r.stats.map((s) => [s.name, s.value]));
    };
    const until = async (what: string, fn: () => Promise<boolean>) => {
      for (let i = 0; i < 100; i++)
        if (await fn().catch(() => false)) return;
        else await sleep(100);
      throw new Error(`timed out waiting for ${what}\n${stderr}`);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'standin-dyn-'));
      [adminPort, port] = [await freePort(), await freePort()];
      [a, b] = [await echoServer(), await echoServer()];
      atomicWrite(join(dir, 'eds.yaml'), eds('k8s', [a.port]));
      atomicWrite(join(dir, 'cds.yaml'), { resources: [cluster('k8s', join(dir, 'eds.yaml'), false)] });
      atomicWrite(join(dir, 'lds.yaml'), { resources: [listener('l', port, 'k8s')] });
      atomicWrite(join(dir, 'envoy.yaml'), bootstrap(dir, adminPort));
      const flags = reject ? ['--reject-unknown-dynamic-fields'] : [];
      envoy = spawn(PY, [SCRIPT, '--disable-hot-restart', '-c', join(dir, 'envoy.yaml'), ...flags], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      envoy.stderr!.on('data', (d) => (stderr += String(d)));
      await until('/ready', async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status === 200);
      await until('first endpoint', async () => (await exchange(port)) === `${a.port}:ping`);
    });
    afterAll(async () => {
      envoy.kill('SIGKILL');
      await Promise.all([a.close(), b.close()]);
      rmSync(dir, { recursive: true, force: true });
    });

    it(
      reject ? 'rejects an EDS update with an unknown field and keeps the old endpoints' : 'accepts it with a warning',
      async () => {
        const before = await stats();
        atomicWrite(join(dir, 'eds.yaml'), edsWithTypo('k8s', b.port));
        const key = reject ? 'cluster.k8s.update_rejected' : 'cluster.k8s.update_success';
        await until(key, async () => (await stats())[key]! > (before[key] ?? 0));
        const after = await stats();
        expect(await exchange(port)).toBe(`${reject ? a.port : b.port}:ping`);
        if (reject) {
          expect(after['cluster.k8s.update_success']).toBe(before['cluster.k8s.update_success']);
          expect(stderr).toMatch(/Filesystem config update rejected: .*adress: Cannot find field/);
        } else {
          expect(after['server.dynamic_unknown_fields']).toBeGreaterThan(before['server.dynamic_unknown_fields'] ?? 0);
          expect(stderr).toMatch(/Unknown field: .*adress/);
        }
      },
    );

    // FilesystemSubscriptionImpl::refresh(): success sets version_text to the file's version_info;
    // a file that does not even parse counts update_failure (not update_rejected) and keeps it
    it('reports the accepted version as version_text and an unparseable file as update_failure', async () => {
      const text = async () =>
        ((await (await fetch(`http://127.0.0.1:${adminPort}/stats?filter=cluster\\.k8s\\.`)).text()) as string)
          .split('\n')
          .find((l) => l.startsWith('cluster.k8s.version_text: '));
      atomicWrite(join(dir, 'eds.yaml'), { ...eds('k8s', [a.port]), version_info: 'v-accepted' });
      await until('version_text', async () => (await text()) === 'cluster.k8s.version_text: "v-accepted"');
      const before = await stats();
      writeFileSync(join(dir, 'eds.yaml.tmp'), 'resources: [unclosed\n');
      renameSync(join(dir, 'eds.yaml.tmp'), join(dir, 'eds.yaml'));
      const key = 'cluster.k8s.update_failure';
      await until(key, async () => (await stats())[key]! > (before[key] ?? 0));
      expect((await stats())['cluster.k8s.update_rejected']).toBe(before['cluster.k8s.update_rejected']);
      expect(await text()).toBe('cluster.k8s.version_text: "v-accepted"');
      expect(await exchange(port)).toBe(`${a.port}:ping`);
      atomicWrite(join(dir, 'eds.yaml'), eds('k8s', [a.port]));
    });

    it(
      reject
        ? 'rejects a CDS update with an unknown field (cds.update_rejected)'
        : 'accepts a CDS update with an unknown field',
      async () => {
        const before = await stats();
        const c = cluster('k8s', join(dir, 'eds.yaml'), false) as Record<string, unknown>;
        c.conect_timeout = '1s';
        atomicWrite(join(dir, 'cds.yaml'), { resources: [c] });
        const key = reject ? 'cluster_manager.cds.update_rejected' : 'cluster_manager.cds.update_success';
        await until(key, async () => (await stats())[key]! > (before[key] ?? 0));
        if (reject)
          expect((await stats())['cluster_manager.cds.update_success']).toBe(
            before['cluster_manager.cds.update_success'],
          );
      },
    );
  });
}

// run: the Envoy stand-in in the foreground with a loopback inventory; a TCP connection through
// its listener reaches a test server; SIGINT stops it cleanly and removes the temp config dir.
// Needs no lab: everything is on 127.0.0.1. The same test runs a real Envoy given in ENVOY_BIN.
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, runCli, spawnCli, waitForOutput } from '../support/cli.ts';
import { freePort } from '../../support/net.ts';
import { writeStandin } from '../../lab/release.ts';

// the stand-in as the lab publishes it (Envoy's proto schema embedded)
const ENVOY = process.env.ENVOY_BIN ?? writeStandin(join(mkdtempSync(join(tmpdir(), 'ekp-standin-')), 'envoy'));
// the stand-in's shebang is `env python3`: Debian's python3 has PyYAML, a pyenv one may not
const PATH = `/usr/bin:${process.env.PATH ?? ''}`;
const usable = existsSync(ENVOY) && (process.env.ENVOY_BIN !== undefined || existsSync('/usr/bin/python3'));

/** Connect through the listener and read the upstream's greeting ('' when nothing came). */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect(port, '127.0.0.1');
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\n')) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
}

describe.skipIf(!usable)('run: Envoy in the foreground on this machine', () => {
  let dir: string;
  let upstream: Server;
  let listenPort: number;
  let metricsPort: number;
  let inventory: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ekp-run-test-'));
    upstream = createServer((s) => {
      s.on('error', () => undefined); // Envoy may reset the upstream side when the client leaves
      s.end('hello from upstream\n');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as { port: number }).port;
    listenPort = await freePort();
    metricsPort = await freePort();
    inventory = join(dir, 'local.yaml');
    await writeFile(
      inventory,
      [
        'envoy: {version: 1.35.0}',
        `admin: {address: 127.0.0.1, port: ${await freePort()}}`,
        `metrics: {port: ${metricsPort}}`,
        'clusters:',
        `  - name: local`,
        `    listenAddress: 127.0.0.1`,
        `    listenPort: ${listenPort}`,
        `    endpoints: [127.0.0.1:${upstreamPort}]`,
        '    healthCheck: {type: tcp, interval: 1s}',
        'hosts:',
        '  - {name: dev1, address: 192.0.2.10}',
        '  - {name: dev2, address: 192.0.2.11}',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('proxies a TCP connection to the endpoint, stops on SIGINT with exit 0, removes its temp dir', async () => {
    const child = spawnCli(['run', '--hosts', inventory, '--host', 'dev2', '--envoy', ENVOY], { env: { PATH } });
    try {
      const m = await waitForOutput(child, /config of dev2 from .* rendered into (\S+) \(removed on exit\)/);
      const tmp = m[1]!;
      expect(existsSync(join(tmp, 'envoy.yaml'))).toBe(true);
      await waitForOutput(child, /starting workers|starting main dispatch loop/);
      // the endpoint is healthy after its first TCP check; until then Envoy has no host to pick
      let got = '';
      for (let i = 0; i < 40 && !got; i++) {
        got = await greeting(listenPort);
        if (!got) await new Promise((r) => setTimeout(r, 250));
      }
      expect(got).toBe('hello from upstream\n');
      // the host's address (192.0.2.11) is not on this machine: the metrics listener binds loopback
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/stats/prometheus`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('envoy_cluster_membership_healthy{envoy_cluster_name="local"} 1');
      child.kill('SIGINT');
      expect(await exited(child)).toBe(0);
      expect(existsSync(tmp)).toBe(false);
      expect(child.out().stderr).toContain(`-c ${tmp}/envoy.yaml --log-level info`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('an unknown --host or a missing envoy is a usage error (exit 2)', async () => {
    const r = await runCli(['run', '--hosts', inventory, '--host', 'nope', '--envoy', ENVOY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no host "nope"');
    const none = await runCli(['run', '--hosts', inventory], { env: { PATH: '/nonexistent' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no `envoy` on PATH');
  });

  it("Envoy's own exit code comes back: it refuses --log-level bogus", async () => {
    const r = await runCli(['run', '--hosts', inventory, '--envoy', ENVOY, '--log-level', 'bogus'], { env: { PATH } });
    expect(r.code).toBe(1);
  });
});

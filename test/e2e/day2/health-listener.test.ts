// The health listener from where keepalived, a cloud NLB or an F5 sits: the control machine polls
// http://<host>:9903/healthz on every LB host — 200 while ready, 503 after the admin's
// POST /healthcheck/fail (200 again after /healthcheck/ok) — and admin paths answer 404 there.
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, onHost } from '../support/cli.ts';

const lab = labOrSkip();
const PORT = 9903;

async function status(address: string, path = '/healthz', method = 'GET'): Promise<number> {
  const r = await fetch(`http://${address}:${PORT}${path}`, { method, signal: AbortSignal.timeout(5000) });
  await r.arrayBuffer();
  return r.status;
}

/** Polls until `path` answers `want` (health checks settle after a deploy); the last status otherwise. */
async function until(address: string, want: number, ms = 20_000): Promise<number> {
  const end = Date.now() + ms;
  let last = 0;
  while (Date.now() < end) {
    last = await status(address).catch(() => 0);
    if (last === want) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe.skipIf(!lab)('health listener', () => {
  beforeAll(async () => deploy(lab!.inventoryPath));

  it('each host answers 200 on its own address, 503 after /healthcheck/fail, 200 after /healthcheck/ok', async () => {
    for (const h of lab!.hosts) {
      expect(await until(h.address, 200), h.name).toBe(200);
      const listen = await onHost(lab!, h.name, 'ss -ltnH');
      expect(listen).toContain(`${h.address}:${PORT} `);
      expect(await onHost(lab!, h.name, 'curl -s -X POST 127.0.0.1:10000/healthcheck/fail')).toBe('OK\n');
      expect(await status(h.address), h.name).toBe(503);
      // Only this host: the others still answer 200.
      for (const o of lab!.hosts.filter((x) => x !== h)) expect(await status(o.address), o.name).toBe(200);
      expect(await onHost(lab!, h.name, 'curl -s -X POST 127.0.0.1:10000/healthcheck/ok')).toBe('OK\n');
      expect(await status(h.address), h.name).toBe(200);
    }
  });

  it('admin paths and anything but /healthz get 404 on the health port; Envoy keeps serving', async () => {
    const h = lab!.hosts[0]!;
    for (const [method, path] of [
      ['POST', '/healthcheck/fail'],
      ['POST', '/quitquitquit'],
      ['POST', '/drain_listeners'],
      ['GET', '/ready'],
      ['GET', '/stats'],
      ['GET', '/stats/prometheus'],
      ['GET', '/healthz/x'],
    ] as const) {
      expect(await status(h.address, path, method), `${method} ${path}`).toBe(404);
    }
    expect(await status(h.address)).toBe(200);
    expect((await onHost(lab!, h.name, 'systemctl is-active envoy-k8s-proxy')).trim()).toBe('active');
  });
});

// rolling-restart against the lab while a probe opens TLS connections through every LB's 6443:
// at every moment at least 2 of the 3 hosts serve.
import { connect as tlsConnect } from 'node:tls';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();

/** One TLS handshake through the LB to an apiserver: the data path works end to end. */
function serves(address: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect(
      { host: address, port: 6443, rejectUnauthorized: false, timeout: timeoutMs },
      () => (s.destroy(), resolve(true)),
    );
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

describe.skipIf(!lab)('rolling-restart', () => {
  const inv = lab!.inventoryPath;
  beforeAll(async () => deploy(lab!.inventoryPath));

  it('restarts every host one at a time; the fleet keeps serving throughout', async () => {
    const before = await Promise.all(lab!.hosts.map((h) => unitStart(lab!, h.name)));
    let running = true;
    const rounds: number[] = [];
    const probe = (async () => {
      // Bounded: stops when the restart ends, or after 3 minutes whatever happens.
      const end = Date.now() + 180_000;
      while (running && Date.now() < end) {
        const ok = await Promise.all(lab!.hosts.map((h) => serves(h.address)));
        rounds.push(ok.filter(Boolean).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const cache = await mkdtemp(join(tmpdir(), 'ekp-rolling-e2e-'));
    const r = await runCli(['rolling-restart', '--hosts', inv, '--drain', '1s'], { env: { EKP_CACHE_DIR: cache } });
    running = false;
    await probe;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 host\(s\): 3 restarted in /);
    const after = await Promise.all(lab!.hosts.map((h) => unitStart(lab!, h.name)));
    after.forEach((a, i) => expect(a, lab!.hosts[i]!.name).not.toBe(before[i]));
    expect(rounds.length).toBeGreaterThan(10);
    expect(Math.min(...rounds), `serving hosts per probe round: ${rounds.join(',')}`).toBeGreaterThanOrEqual(2);
    expect(rounds.filter((n) => n === 2).length, 'the probe saw the restarts').toBeGreaterThan(0);
  });
});

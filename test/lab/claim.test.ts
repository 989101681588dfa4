// Lab claims (worker-lab.ts): one e2e file per lab at a time, also when files start together, and
// a claim whose process died is free at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseClaim, tryClaim } from './claim.ts';

const key = () => path.join(mkdtempSync(path.join(tmpdir(), 'ekp-claim-')), 'claim');
const CLAIM = path.resolve('test/lab/claim.ts');

/** A node process running `body` with tryClaim/releaseClaim imported; resolves with its exit code. */
function child(body: string, args: string[] = []) {
  const script = `import { tryClaim, releaseClaim } from ${JSON.stringify(CLAIM)};\n${body}`;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  p.stdout!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  return { p, exited, out: () => out };
}

describe('lab claim', () => {
  it('is exclusive while held, and free again once released', async () => {
    const k = key();
    const a = await tryClaim(k);
    expect(a).toBeDefined();
    expect(await tryClaim(k)).toBeUndefined();
    expect(await tryClaim(`${k}-other-lab`)).toBeDefined();
    await releaseClaim(a!);
    const b = await tryClaim(k);
    expect(b).toBeDefined();
    await releaseClaim(b!);
  });

  it('a claim whose process was killed is free at once', async () => {
    const k = key();
    const holder = child(
      `const c = await tryClaim(${JSON.stringify(k)}); console.log(c ? 'held' : 'busy'); c.ref(); setInterval(() => {}, 1000);`,
    );
    for (let i = 0; i < 200 && !holder.out().includes('held'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(holder.out()).toContain('held');
    expect(await tryClaim(k)).toBeUndefined();
    holder.p.kill('SIGKILL');
    await holder.exited;
    const mine = await tryClaim(k);
    expect(mine).toBeDefined();
    await releaseClaim(mine!);
  }, 30_000);

  it('processes that claim at the same moment never hold the lab together', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ekp-claim-'));
    const k = path.join(d, 'claim');
    const log = path.join(d, 'log');
    const start = Date.now() + 1500; // every child loaded by then: they start together
    const kids = Array.from({ length: 6 }, () =>
      child(
        `import { appendFileSync } from 'node:fs';
        const start = Number(process.argv[1]);
        while (Date.now() < start);
        for (let i = 0; i < 8; i++) {
          let c;
          while (!(c = await tryClaim(${JSON.stringify(k)})));
          appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
          for (const end = Date.now() + 5; Date.now() < end;);
          appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
          await releaseClaim(c);
        }`,
        [String(start)],
      ),
    );
    expect(await Promise.all(kids.map((c) => c.exited))).toEqual(Array(6).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6 * 8 * 2);
    // strictly in, out, in, out…, each out by the process that went in
    for (let i = 0; i < lines.length; i += 2) {
      const [inn, out] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
      expect([inn[0], out[0], out[1]]).toEqual(['in', 'out', inn[1]]);
    }
  }, 60_000);
});

// Lab claims (worker-lab.ts): one e2e file per lab at a time, also when files start together.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseClaim, tryClaim } from './claim.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'ekp-claim-'));
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('lab claim', () => {
  it('is exclusive while its holder lives, and free again once released', () => {
    const file = path.join(dir(), 'claim');
    expect(tryClaim(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    // another live process (this one's parent) cannot take it
    expect(tryClaim(file, process.ppid)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    releaseClaim(file);
    expect(tryClaim(file, process.ppid)).toBe(true);
  });

  it("a dead holder's claim is cleared in one round and taken in the next", () => {
    const file = path.join(dir(), 'claim');
    writeFileSync(file, String(deadPid()));
    expect(tryClaim(file)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(tryClaim(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  it('processes that claim at the same moment never hold the lab together', async () => {
    const d = dir();
    const file = path.join(d, 'claim');
    const log = path.join(d, 'log');
    writeFileSync(file, String(deadPid())); // a killed run's claim, taken over in the scramble
    const script = `
      import { appendFileSync } from 'node:fs';
      import { tryClaim, releaseClaim } from ${JSON.stringify(path.resolve('test/lab/claim.ts'))};
      const start = Number(process.argv[1]);
      while (Date.now() < start);
      for (let i = 0; i < 8; i++) {
        while (!tryClaim(${JSON.stringify(file)}));
        appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
        for (const end = Date.now() + 5; Date.now() < end;);
        appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
        releaseClaim(${JSON.stringify(file)});
      }`;
    const start = Date.now() + 1500; // every child loaded by then: they start together
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, String(start)], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    const codes = await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
    expect(codes).toEqual(Array(6).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6 * 8 * 2);
    // strictly in, out, in, out…, each out by the process that went in
    for (let i = 0; i < lines.length; i += 2) {
      const [inn, out] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
      expect([inn[0], out[0], out[1]]).toEqual(['in', 'out', inn[1]]);
    }
  }, 30_000);
});

// The lab's real-size release: the stand-in padded to the asked size, still the same program.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseBytes, standinBytes } from './release.ts';
import { PYTHON } from './standin-build.ts';

describe('releaseBytes', () => {
  it('pads the stand-in to about the asked MiB, and it still answers --version', () => {
    const plain = standinBytes('1.35.0');
    const big = releaseBytes('1.35.0', 2);
    expect(Math.abs(big.length - 2 * 2 ** 20)).toBeLessThan(1024);
    expect(releaseBytes('1.35.0')).toBe(plain);
    const dir = mkdtempSync(join(tmpdir(), 'ekp-release-mib-'));
    try {
      writeFileSync(join(dir, 'envoy'), big, { mode: 0o755 });
      const r = spawnSync(PYTHON, [join(dir, 'envoy'), '--version'], { encoding: 'utf8' });
      expect(r.stdout).toContain('/1.35.0/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

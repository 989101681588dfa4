// --command-timeout: parsed like the inventory's durations, and it overrides every selected host's
// ssh.commandTimeout (offline: hosts/prod.yaml is only loaded).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectHosts } from '../../../src/cli/hosts.ts';
import { positiveDuration } from '../../../src/cli/options.ts';

const PROD = join(import.meta.dirname, '../../../hosts/prod.yaml');

describe('--command-timeout', () => {
  it('takes a duration above zero', () => {
    expect(positiveDuration('90s')).toBe(90_000);
    expect(positiveDuration(' 2m ')).toBe(120_000);
    for (const bad of ['0s', '60', 'soon', '-5s', ''])
      expect(() => positiveDuration(bad), bad).toThrow(
        `expected a duration above zero such as 30s or 2m, found "${bad}"`,
      );
  });

  it("overrides every selected host's ssh.commandTimeout; without it the inventory's (default 60s) holds", async () => {
    const plain = await selectHosts({ hosts: PROD });
    expect(plain.hosts.map((h) => h.ssh.commandTimeoutMs)).toEqual(plain.hosts.map(() => 60_000));
    const short = await selectHosts({ hosts: PROD, commandTimeout: 5000 });
    expect(short.hosts.length).toBeGreaterThan(1);
    expect(short.hosts.map((h) => h.ssh.commandTimeoutMs)).toEqual(short.hosts.map(() => 5000));
    expect(short.inv.hosts.map((h) => h.ssh.commandTimeoutMs)).toEqual(plain.hosts.map(() => 60_000)); // the inventory itself is untouched
  });
});

// The VIP release run on a holder before its restart: new SYNs to the VIP dropped by an nftables
// table, a pause for handshakes in flight, then keepalived's track file; and its undo.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropSynTable, rejoinScript, releaseScript } from '../../../src/ops/vip-release.ts';
import { RELEASE_FILE } from '../../../src/render/keepalived.ts';

describe('VIP release', () => {
  it('drops only new connections (SYN without ACK) to the VIP, in its address family', () => {
    expect(dropSynTable('10.0.0.100')).toContain('ip daddr 10.0.0.100 tcp flags & (syn | ack) == syn drop');
    expect(dropSynTable('10.0.0.100')).toMatch(/^table ip envoy_k8s_proxy_handoff \{/);
    expect(dropSynTable('fd00::100')).toContain('ip6 daddr fd00::100 tcp flags');
  });

  it('loads the table, waits, then writes 1 to the track file; stops at the first failure', () => {
    const s = releaseScript('10.0.0.100');
    expect(s.split('\n')[0]).toBe('set -e');
    expect(s.split('\n').at(-2)).toBe('sleep 0.2');
    // run it against a stand-in nft (records what it reads) and a temp track file
    const dir = mkdtempSync(join(tmpdir(), 'ekp-release-'));
    writeFileSync(join(dir, 'nft'), `#!/bin/sh\ncat > ${dir}/nft.in\nexit \${NFT_EXIT:-0}\n`, { mode: 0o755 });
    const run = (exit: number) =>
      spawnSync('sh', ['-c', s.replaceAll(RELEASE_FILE, join(dir, 'release'))], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, NFT_EXIT: String(exit) },
      }).status;
    expect(run(1)).not.toBe(0);
    expect(existsSync(join(dir, 'release'))).toBe(false); // nft refused: VRRP is not left
    expect(run(0)).toBe(0);
    expect(readFileSync(join(dir, 'nft.in'), 'utf8')).toBe(`${dropSynTable('10.0.0.100')}\n`);
    expect(readFileSync(join(dir, 'release'), 'utf8')).toBe('1\n');
  });

  it('rejoin writes 0 and removes the table, and is a no-op where neither exists', () => {
    const s = rejoinScript('10.0.0.100');
    expect(s).toContain(`echo 0 > ${RELEASE_FILE}`);
    expect(s).toContain('nft delete table ip envoy_k8s_proxy_handoff');
    expect(execFileSync('sh', ['-c', s.replaceAll(RELEASE_FILE, '/nonexistent/ekp-release')]).toString()).toBe('');
  });
});

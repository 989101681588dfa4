// The VIP release run on a holder before its restart: new SYNs to the VIP dropped by an nftables
// table, a pause for handshakes in flight, then keepalived's track file; and its undo. The peers'
// relay of the holder's connections, armed under a dead-man timer, and its removal.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dropSynTable,
  HOLD_UNIT,
  holdScript,
  REJOIN_UNIT,
  rejoinScript,
  RELAY_TABLE,
  RELAY_UNIT,
  relayScript,
  relayTable,
  releaseScript,
  unholdScript,
  unrelayScript,
} from '../../../src/ops/vip-release.ts';
import { RELEASE_FILE } from '../../../src/render/keepalived.ts';

describe('VIP release', () => {
  it('drops only new connections (SYN without ACK) to the VIP, in its address family', () => {
    expect(dropSynTable('10.0.0.100')).toContain('ip daddr 10.0.0.100 tcp flags & (syn | ack) == syn drop');
    expect(dropSynTable('10.0.0.100')).toMatch(/^table ip envoy_k8s_proxy_handoff \{/);
    expect(dropSynTable('fd00::100')).toContain('ip6 daddr fd00::100 tcp flags');
  });

  it('arms the dead-man rejoin, loads the table, waits, then writes 1 to the track file; stops at the first failure', () => {
    const s = releaseScript('10.0.0.100', 125.5);
    expect(s.split('\n')[0]).toBe('set -e');
    expect(s.split('\n').at(-2)).toBe('sleep 0.2');
    // run it against stand-ins for nft and systemd-run (each records what it got) and a temp track file
    const dir = mkdtempSync(join(tmpdir(), 'ekp-release-'));
    writeFileSync(join(dir, 'nft'), `#!/bin/sh\ncat > ${dir}/nft.in\nexit \${NFT_EXIT:-0}\n`, { mode: 0o755 });
    writeFileSync(
      join(dir, 'systemd-run'),
      `#!/bin/sh\nprintf '%s\\0' "$@" > ${dir}/run.args\nexit \${RUN_EXIT:-0}\n`,
      {
        mode: 0o755,
      },
    );
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const run = (nft: number, systemdRun = 0) =>
      spawnSync('sh', ['-c', s.replaceAll(RELEASE_FILE, join(dir, 'release'))], {
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          NFT_EXIT: String(nft),
          RUN_EXIT: String(systemdRun),
        },
      }).status;
    // no dead-man: nothing is changed at all
    expect(run(0, 1)).not.toBe(0);
    expect(existsSync(join(dir, 'nft.in'))).toBe(false);
    expect(run(1)).not.toBe(0);
    expect(existsSync(join(dir, 'release'))).toBe(false); // nft refused: VRRP is not left
    expect(run(0)).toBe(0);
    expect(readFileSync(join(dir, 'nft.in'), 'utf8')).toBe(`${dropSynTable('10.0.0.100')}\n`);
    expect(readFileSync(join(dir, 'release'), 'utf8')).toBe('1\n');
    const args = readFileSync(join(dir, 'run.args'), 'utf8').split('\0');
    expect(args.slice(0, 5)).toEqual(['--quiet', '--collect', `--unit=${REJOIN_UNIT}`, '--on-active=126s', '/bin/sh']);
    // the timer's command is the rejoin itself: run it, the track file says 0 again
    execFileSync('sh', ['-c', args[6]!.replaceAll(RELEASE_FILE, join(dir, 'release'))], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    expect(readFileSync(join(dir, 'release'), 'utf8')).toBe('0\n');
  });

  it('rejoin stops the timer, removes the table before writing 0, and is a no-op where neither exists', () => {
    const s = rejoinScript('10.0.0.100');
    expect(s.split('\n')[0]).toBe(`systemctl stop ${REJOIN_UNIT}.timer 2>/dev/null || true`);
    // never eligible for MASTER while the table still drops SYNs
    expect(s.indexOf('nft delete table ip envoy_k8s_proxy_handoff')).toBeLessThan(
      s.indexOf(`echo 0 > ${RELEASE_FILE}`),
    );
    const dir = mkdtempSync(join(tmpdir(), 'ekp-rejoin-'));
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\nexit 5\n', { mode: 0o755 });
    const out = execFileSync('sh', ['-c', s.replaceAll(RELEASE_FILE, '/nonexistent/ekp-release')], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    expect(out.toString()).toBe('');
  });

  it("a peer relays to the old holder only what would find no connection of its own: a listener's, or none", () => {
    const rules = relayTable('10.0.0.100', '10.0.0.11')
      .split('\n')
      .slice(3, -2)
      .map((l) => l.trim());
    const stray = 'ip daddr 10.0.0.100 tcp flags & (syn | ack) != syn';
    // order matters: the wildcard test first (a listener), then any other socket is TCP's, then none at all
    expect(rules).toEqual([
      `${stray} socket wildcard 1 dup to 10.0.0.11 drop`,
      `${stray} socket transparent 0 accept`,
      `${stray} socket transparent 1 accept`,
      `${stray} dup to 10.0.0.11 drop`,
    ]);
    expect(relayTable('fd00::100', 'fd00::11')).toMatch(/^table ip6 envoy_k8s_proxy_handoff_relay \{/);
    expect(relayTable('fd00::100', 'fd00::11')).toContain(
      'ip6 daddr fd00::100 tcp flags & (syn | ack) != syn dup to fd00::11 drop',
    );
  });

  it('the relay is loaded only under its dead-man timer, replaces an earlier one, and the timer removes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-relay-'));
    writeFileSync(join(dir, 'nft'), `#!/bin/sh\nprintf '%s ' "$@" >> ${dir}/nft.args\ncat > ${dir}/nft.in\n`, {
      mode: 0o755,
    });
    writeFileSync(
      join(dir, 'systemd-run'),
      `#!/bin/sh\nprintf '%s\\0' "$@" > ${dir}/run.args\nexit \${RUN_EXIT:-0}\n`,
      {
        mode: 0o755,
      },
    );
    writeFileSync(join(dir, 'systemctl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/systemctl.args\nexit 5\n`, {
      mode: 0o755,
    });
    const env = (runExit: number) => ({
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      RUN_EXIT: String(runExit),
    });
    const s = relayScript('10.0.0.100', '10.0.0.11', 70.2);
    expect(spawnSync('sh', ['-c', s], { env: env(1) }).status).not.toBe(0);
    expect(existsSync(join(dir, 'nft.in'))).toBe(false); // no timer, no relay
    expect(spawnSync('sh', ['-c', s], { env: env(0) }).status).toBe(0);
    // one transaction: whatever table an earlier hand-off left (another target) is replaced, not appended to
    expect(readFileSync(join(dir, 'nft.in'), 'utf8')).toBe(
      `add table ip ${RELAY_TABLE}\ndelete table ip ${RELAY_TABLE}\n${relayTable('10.0.0.100', '10.0.0.11')}\n`,
    );
    expect(readFileSync(join(dir, 'systemctl.args'), 'utf8')).toBe(`stop ${RELAY_UNIT}.timer\n`.repeat(2));
    const args = readFileSync(join(dir, 'run.args'), 'utf8').split('\0');
    expect(args.slice(0, 5)).toEqual(['--quiet', '--collect', `--unit=${RELAY_UNIT}`, '--on-active=71s', '/bin/sh']);
    execFileSync('sh', ['-c', args[6]!], { env: env(0) }); // the timer fires
    expect(readFileSync(join(dir, 'nft.args'), 'utf8')).toBe(`-f - delete table ip ${RELAY_TABLE} `);
  });

  it('unrelay stops the timer and removes the table; a no-op where neither exists', () => {
    const s = unrelayScript('10.0.0.100');
    expect(s.split('\n')[0]).toBe(`systemctl stop ${RELAY_UNIT}.timer 2>/dev/null || true`);
    expect(s).toContain(`nft delete table ip ${RELAY_TABLE} 2>/dev/null || true`);
    const dir = mkdtempSync(join(tmpdir(), 'ekp-unrelay-'));
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\nexit 5\n', { mode: 0o755 });
    writeFileSync(join(dir, 'nft'), '#!/bin/sh\necho "Error: No such file or directory" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const r = spawnSync('sh', ['-c', s], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect([r.status, r.stdout.toString(), r.stderr.toString()]).toEqual([0, '', '']);
  });
  it('a hold takes a peer out of VRRP under its dead-man; only a hold of its own is lifted; a releasing peer is left alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-hold-'));
    const track = join(dir, 'release');
    // systemctl says "active" for the timers named in $ACTIVE, records every call
    writeFileSync(
      join(dir, 'systemctl'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/systemctl.args\ncase "$*" in "is-active --quiet "*) case " $ACTIVE " in *" $3 "*) exit 0;; esac; exit 3;; esac\nexit 0\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'systemd-run'), `#!/bin/sh\nprintf '%s\\0' "$@" > ${dir}/run.args\n`, { mode: 0o755 });
    const run = (script: string, active = '') =>
      spawnSync('sh', ['-c', script.replaceAll(RELEASE_FILE, track)], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ACTIVE: active },
      }).status;
    // in its own release (rejoin timer armed): its track file is not ours to touch
    writeFileSync(track, '1\n');
    expect(run(holdScript(40), `${REJOIN_UNIT}.timer`)).toBe(0);
    expect(existsSync(join(dir, 'run.args'))).toBe(false);
    expect(run(unholdScript(), `${REJOIN_UNIT}.timer`)).toBe(0);
    expect(readFileSync(track, 'utf8')).toBe('1\n');
    // an ordinary peer: the dead-man first, then out of VRRP
    writeFileSync(track, '0\n');
    expect(run(holdScript(40))).toBe(0);
    expect(readFileSync(track, 'utf8')).toBe('1\n');
    const args = readFileSync(join(dir, 'run.args'), 'utf8').split('\0');
    expect(args.slice(0, 5)).toEqual(['--quiet', '--collect', `--unit=${HOLD_UNIT}`, '--on-active=40s', '/bin/sh']);
    // lifted while its timer is armed; the timer is stopped
    expect(run(unholdScript(), `${HOLD_UNIT}.timer`)).toBe(0);
    expect(readFileSync(track, 'utf8')).toBe('0\n');
    expect(readFileSync(join(dir, 'systemctl.args'), 'utf8')).toContain(`stop ${HOLD_UNIT}.timer`);
    // the timer fires when the run never comes back
    writeFileSync(track, '1\n');
    execFileSync('sh', ['-c', args[6]!.replaceAll(RELEASE_FILE, track)]);
    expect(readFileSync(track, 'utf8')).toBe('0\n');
  });
});

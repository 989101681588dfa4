// The unit under rolling.hotRestart, and its restarter run for real by /bin/sh against a fake
// Envoy: epochs on SIGHUP with --restart-epoch N, the epoch file, a clean exit of an old epoch
// kept quiet, an abnormal exit taking every epoch down (exit 1), SIGTERM passed to every epoch.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUnit } from '../../../src/render/index.ts';
import { HOT_RESTARTER_SCRIPT, RESTARTER_NAME } from '../../../src/render/hot-restarter.ts';
import { cluster, host, inventory } from './fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hotUnit(): string {
  const base = inventory();
  const inv = inventory({
    clusters: [cluster('c0', 6443, [{ host: '10.0.0.1', port: 6443 }])],
    hosts: [host('lb1', '10.0.0.100')],
    rolling: { ...base.rolling, hotRestart: true },
  });
  return renderUnit(inv, inv.hosts[0]!, 'full').content;
}

describe('the unit with hot restart', () => {
  it('runs Envoy under the restarter, hot restart on, reloads with SIGHUP, gets a runtime directory', () => {
    const text = hotUnit();
    const start = /^ExecStart=(.*)$/m.exec(text)![1]!;
    expect(start.startsWith('/bin/sh -c "set -u; ')).toBe(true);
    expect(start).toContain(
      `" ${RESTARTER_NAME} /opt/envoy-k8s-proxy/current/envoy -c /etc/envoy-k8s-proxy/envoy.yaml --log-level info --drain-time-s 5 --parent-shutdown-time-s 6 --reject-unknown-dynamic-fields`,
    );
    expect(start).not.toContain('--disable-hot-restart');
    // systemd would expand $x itself: every $ of the script is doubled
    expect(start).not.toMatch(/(^|[^$])\$[a-z{(#!]/);
    expect(text).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(text).toMatch(/^RuntimeDirectory=envoy-k8s-proxy-envoy$/m);
    // validation before each start is the same
    expect(text).toMatch(/^ExecStartPre=\/opt\/envoy-k8s-proxy\/current\/envoy --mode validate /m);
  });
});

describe('the hot restarter', () => {
  /** Starts the restarter over a fake envoy that logs its argv and exits as told by files. */
  function start() {
    const dir = mkdtempSync(join(tmpdir(), 'hot-restarter-'));
    const fake = join(dir, 'fake-envoy');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `echo "$$ $*" >> ${dir}/started`,
        `trap 'echo "$$ term" >> ${dir}/events; exit 0' TERM`,
        // an epoch exits with the code written to exit-<pid>, when such a file appears
        `while :; do if [ -e ${dir}/exit-$$ ]; then exit "$(cat ${dir}/exit-$$)"; fi; sleep 0.05; done`,
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    const p = spawn('/bin/sh', ['-c', HOT_RESTARTER_SCRIPT, RESTARTER_NAME, fake, '-c', 'envoy.yaml'], {
      env: { ...process.env, RUNTIME_DIRECTORY: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    const started = () =>
      readFileSync(join(dir, 'started'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
    const until = async (f: () => boolean) => {
      for (let i = 0; i < 100 && !f(); i++) await sleep(50);
      return f();
    };
    const epochs = () => {
      try {
        return started();
      } catch {
        return [];
      }
    };
    return { dir, p, exited, epochs, until, out: () => out };
  }

  it('starts epoch 0, the next on SIGHUP with --restart-epoch, and keeps going when an old one leaves with 0', async () => {
    const r = start();
    expect(await r.until(() => r.epochs().length === 1)).toBe(true);
    expect(r.epochs()[0]!.slice(1)).toEqual(['-c', 'envoy.yaml', '--restart-epoch', '0']);
    expect(readFileSync(join(r.dir, 'epoch'), 'utf8').trim()).toBe('0');
    r.p.kill('SIGHUP');
    expect(await r.until(() => r.epochs().length === 2)).toBe(true);
    expect(r.epochs()[1]!.slice(1)).toEqual(['-c', 'envoy.yaml', '--restart-epoch', '1']);
    expect(readFileSync(join(r.dir, 'epoch'), 'utf8').trim()).toBe('1');
    // the parent is terminated by its child: exit 0
    writeFileSync(join(r.dir, `exit-${r.epochs()[0]![0]}`), '0');
    expect(await r.until(() => r.out().includes('exited cleanly'))).toBe(true);
    // SIGTERM (systemctl stop) goes to every epoch still running; the restarter exits 0
    r.p.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(readFileSync(join(r.dir, 'events'), 'utf8')).toContain(`${r.epochs()[1]![0]} term`);
  });

  it('an epoch that exits otherwise takes every epoch down and the restarter exits 1', async () => {
    const r = start();
    expect(await r.until(() => r.epochs().length === 1)).toBe(true);
    r.p.kill('SIGHUP');
    expect(await r.until(() => r.epochs().length === 2)).toBe(true);
    const [oldPid, newPid] = r.epochs().map((e) => Number(e[0]));
    writeFileSync(join(r.dir, `exit-${newPid}`), '1');
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain(`pid ${newPid} exited with status 1: stopping every epoch`);
    // gone, or a zombie waiting for whoever inherited it
    const gone = () => {
      try {
        return /^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${oldPid}/stat`, 'utf8'));
      } catch {
        return true;
      }
    };
    for (let i = 0; i < 40 && !gone(); i++) await sleep(50);
    expect(gone()).toBe(true);
  });
});

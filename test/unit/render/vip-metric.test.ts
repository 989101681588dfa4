// keepalived's notify script for the VIP state, run for real by sh against a temp directory: each
// state writes the text Prometheus' parser accepts, atomically (no temp file left), and without the
// directory it does nothing and succeeds (keepalived would log a failed notify otherwise).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.ts';
import { renderKeepalived } from '../../../src/render/keepalived.ts';
import { VIP_METRIC_FILE, renderVipNotify, renderVipStopHook, vipMetricText } from '../../../src/render/vip-metric.ts';
import { parsePrometheusText, select } from '../../support/prom-text.ts';
import { host, prodInventory } from './fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ekp-vip-metric-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function withVip(textfileDir: string): Inventory {
  const inv = prodInventory();
  return {
    ...inv,
    hosts: [inv.hosts[0]!, host('lb2', '192.168.1.12'), host('lb3', '192.168.1.13')],
    vip: { address: '192.168.1.100', prefix: 24, routerId: 51, advertIntervalMs: 200, preempt: false, textfileDir },
  };
}

/** Runs the notify script with a stand-in `ip`: the VIP on eth0 when `holds`, else on lo only. */
function notify(inv: Inventory, state: string, holds = state === 'MASTER') {
  const script = join(tmp, 'vip-notify.sh');
  writeFileSync(script, renderVipNotify(inv, inv.hosts[0]!).content);
  const bin = mkdtempSync(join(tmp, 'bin-'));
  writeFileSync(
    join(bin, 'ip'),
    '#!/bin/sh\necho "1: lo    inet 192.168.1.100/32 scope global lo"\n' +
      '[ "$HOLDS" = 1 ] && echo "2: eth0    inet 192.168.1.100/24 scope global secondary eth0"\ntrue\n',
    { mode: 0o755 },
  );
  return spawnSync('sh', [script, 'INSTANCE', 'envoy_k8s_proxy', state, '100'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOLDS: holds ? '1' : '0' },
  });
}

describe('the VIP state file written by keepalived notify', () => {
  it('says 1 on MASTER and 0 on every other state, in a file Prometheus can parse', () => {
    const dir = mkdtempSync(join(tmp, 'textfile-'));
    const inv = withVip(dir);
    // the state named is not trusted: a late notify of an older transition writes what holds now
    for (const [state, holds, value] of [
      ['MASTER', true, 1],
      ['BACKUP', false, 0],
      ['MASTER', true, 1],
      ['FAULT', false, 0],
      ['MASTER', false, 0],
      ['BACKUP', true, 1],
      ['STOP', true, 0],
      // the stop hook, after keepalived is gone: what the interfaces say (a SIGKILLed one left it on)
      ['STOPPED', true, 1],
      ['STOPPED', false, 0],
    ] as const) {
      const r = notify(inv, state, holds);
      expect(r.status, r.stderr).toBe(0);
      const text = readFileSync(join(dir, VIP_METRIC_FILE), 'utf8');
      expect(text).toBe(vipMetricText(inv, inv.hosts[0]!, value === 1));
      const e = parsePrometheusText(text);
      expect(select(e, 'envoy_k8s_proxy_vip_master').map((s) => [s.labels, s.value])).toEqual([
        [{ address: '192.168.1.100', host: 'lb1' }, value],
      ]);
      expect(select(e, 'envoy_k8s_proxy_vip_hosts')[0]?.value).toBe(3);
      expect(readdirSync(dir)).toEqual([VIP_METRIC_FILE]);
    }
  });

  it('does nothing, successfully, without the directory', () => {
    const dir = join(tmp, 'no-node-exporter');
    const r = notify(withVip(dir), 'MASTER');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('is what keepalived.conf runs, as root, on every transition', () => {
    const inv = withVip('/var/lib/prometheus/node-exporter');
    const conf = renderKeepalived(inv, inv.hosts[0]!, { interface: 'eth0', healthUrl: 'http://x/healthz' }).content;
    expect(conf).toContain('  notify "/bin/sh /etc/envoy-k8s-proxy/vip-notify.sh" root\n');
    expect(renderVipNotify(inv, inv.hosts[0]!).content).toMatch(/^# Rendered by envoy-k8s-proxy for lb1/);
  });

  it("runs once more from keepalived's unit after it stopped, whichever way it stopped", () => {
    const inv = withVip('/var/lib/prometheus/node-exporter');
    const hook = renderVipStopHook(inv, inv.hosts[0]!);
    expect(hook.content.split('\n').slice(1)).toEqual([
      '# The VIP state for node_exporter, written once keepalived has stopped (its STOP notify may be killed with it).',
      '[Service]',
      'ExecStopPost=/bin/sh /etc/envoy-k8s-proxy/vip-notify.sh INSTANCE envoy_k8s_proxy STOPPED 0',
      '',
    ]);
    expect(hook.content).toMatch(/^# Rendered by envoy-k8s-proxy for lb1/);
  });
});

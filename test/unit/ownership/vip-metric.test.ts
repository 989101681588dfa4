// The VIP state file for node_exporter (vipMetric in the manifest): claimed by deploy only with a
// VIP and a textfile directory, removed by uninstall, read from the host with the files the
// manifest records.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimForDeploy } from '../../../src/ownership/claims.ts';
import { vipMetricFact, type HostState } from '../../../src/ownership/facts.ts';
import { MANIFEST_PATH, parseManifest, serializeManifest, type Manifest } from '../../../src/ownership/manifest.ts';
import { decideUninstall } from '../../../src/ownership/uninstall.ts';
import { deployed, fresh, inv, ours } from './fixtures.ts';

describe('the VIP state file for node_exporter', () => {
  const vip = { address: '10.0.0.100', prefix: 24, routerId: 51, advertIntervalMs: 200, preempt: false };
  const withVip = { ...inv, vip: { ...vip, textfileDir: '/var/lib/prometheus/node-exporter' } };
  const metric = '/var/lib/prometheus/node-exporter/envoy_k8s_proxy_vip.prom';
  const claimed = (s: HostState) => claimForDeploy(withVip, s) as { next: Manifest; refusals: string[] };

  it("is claimed with a VIP only; an earlier deploy's file is taken over, a foreign one refused", () => {
    expect((claimForDeploy(inv, fresh()) as { next: Manifest }).next.paths.map((e) => e.role)).not.toContain(
      'vipMetric',
    );
    expect(claimed(fresh()).next.paths).toContainEqual({ role: 'vipMetric', path: metric, origin: 'created' });
    const s = fresh();
    s.vipMetrics = new Map([[metric, 'nodir']]);
    expect(claimed(s).next.paths.map((e) => e.role)).not.toContain('vipMetric');
    s.vipMetrics = new Map([[metric, 'ours']]);
    expect(claimed(s).next.paths).toContainEqual({ role: 'vipMetric', path: metric, origin: 'migrated' });
    s.vipMetrics = new Map([[metric, 'foreign']]);
    expect(claimed(s).refusals).toEqual([`${metric} already exists and was not written by envoy-k8s-proxy`]);
  });

  it('is removed by uninstall with its temp files, unless it became something else', () => {
    const recorded: Manifest = {
      ...ours,
      paths: [...ours.paths, { role: 'vipMetric', path: metric, origin: 'created' }],
    };
    const s = deployed({ state: 'present', manifest: recorded, text: serializeManifest(recorded) });
    s.vipMetrics = new Map([[metric, 'ours']]);
    const d = decideUninstall(inv, s, false);
    expect('parts' in d && d.parts.vipMetric.steps.map((x) => (x.kind === 'exec' ? x.command : ''))).toEqual([
      `if [ -f ${metric} ] && [ ! -L ${metric} ]; then rm -f -- ${metric}; fi; rm -f -- /var/lib/prometheus/node-exporter/.envoy_k8s_proxy_vip.prom.??????`,
    ]);
    s.vipMetrics = new Map([[metric, 'absent']]);
    const gone = decideUninstall(inv, s, false);
    expect('parts' in gone && gone.parts.vipMetric).toEqual({ steps: [], kept: [] });
    s.vipMetrics = new Map([[metric, 'foreign']]);
    const kept = decideUninstall(inv, s, false);
    expect('parts' in kept && kept.parts.vipMetric.kept).toEqual([
      `${metric}: no longer the tool's VIP state file: left alone`,
    ]);
  });

  it('a manifest may record it only under its own file name', () => {
    const text = (path: string) =>
      JSON.stringify({ tool: 'envoy-k8s-proxy', version: 1, paths: [{ role: 'vipMetric', path, origin: 'created' }] });
    expect(parseManifest(text(metric))).toEqual({
      paths: [{ role: 'vipMetric', path: metric, origin: 'created' }],
      users: [],
      groups: [],
    });
    expect(parseManifest(text('/etc/passwd'))).toEqual({
      error: 'paths[0] "/etc/passwd" is not a file named envoy_k8s_proxy_vip.prom',
    });
  });

  it("reads the inventory's file and every one the manifest records", () => {
    const f = vipMetricFact(withVip);
    expect(f.key).toBe(`ownership:vip-metric:${metric}`);
    expect(f.script).toMatch(new RegExp(`^set -- ${metric};`));
    // the manifest is scanned by builtins; only a state file that is there is read by a process
    expect(f.script).not.toMatch(/\b(cut|sort|sed|awk|head)\b/);
    // run for real, over a manifest in a temp directory that records an earlier directory's file;
    // the inventory's directory (in the temp directory too) does not exist, then does
    const tmp = mkdtempSync(join(tmpdir(), 'ekp-vip-metric-fact-'));
    const old = join(tmp, 'envoy_k8s_proxy_vip.prom');
    writeFileSync(old, 'envoy_k8s_proxy_vip_master{address="10.0.0.100",host="lb1"} 1\n');
    const recorded: Manifest = { ...ours, paths: [...ours.paths, { role: 'vipMetric', path: old, origin: 'created' }] };
    writeFileSync(join(tmp, 'manifest.json'), serializeManifest(recorded));
    const here = vipMetricFact({ ...inv, vip: { ...vip, textfileDir: join(tmp, 'textfile') } });
    const want = join(tmp, 'textfile', 'envoy_k8s_proxy_vip.prom');
    const read = () => {
      const r = spawnSync('sh', ['-c', here.script.replaceAll(MANIFEST_PATH, join(tmp, 'manifest.json'))], {
        encoding: 'utf8',
      });
      return here.parse(r.stdout, r.status ?? 1);
    };
    const before = read();
    mkdirSync(join(tmp, 'textfile'));
    const after = read();
    rmSync(tmp, { recursive: true, force: true });
    expect(before).toEqual(
      new Map([
        [want, 'nodir'],
        [old, 'ours'],
      ]),
    );
    expect(after.get(want)).toBe('absent');
    expect(f.parse(`ours ${metric}\nabsent /srv/old/envoy_k8s_proxy_vip.prom\n`, 0)).toEqual(
      new Map([
        [metric, 'ours'],
        ['/srv/old/envoy_k8s_proxy_vip.prom', 'absent'],
      ]),
    );
  });
  it('tells our file (its metric on any line, the last one without a newline) from a foreign one, a link, a directory', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ekp-vip-metric-kinds-'));
    const dir = join(tmp, 'textfile');
    mkdirSync(dir);
    const f = vipMetricFact({ ...inv, vip: { ...vip, textfileDir: dir } });
    const want = join(dir, 'envoy_k8s_proxy_vip.prom');
    const state = () => {
      const r = spawnSync('sh', ['-c', f.script.replaceAll(MANIFEST_PATH, join(tmp, 'none.json'))], {
        encoding: 'utf8',
      });
      return f.parse(r.stdout, r.status ?? 1).get(want);
    };
    writeFileSync(want, '# HELP x\nenvoy_k8s_proxy_vip_master{address="10.0.0.100",host="lb1"} 0');
    expect(state()).toBe('ours');
    writeFileSync(want, 'node_something 1\n# envoy_k8s_proxy_vip_master{ in a comment\n');
    expect(state()).toBe('foreign');
    rmSync(want);
    mkdirSync(want);
    expect(state()).toBe('other');
    rmSync(want, { recursive: true });
    symlinkSync('/etc/passwd', want);
    expect(state()).toBe('link');
    rmSync(tmp, { recursive: true, force: true });
  });
});

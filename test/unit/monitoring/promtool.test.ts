// monitoring/alerts.yaml through Prometheus' own tool: the rules load (`promtool check rules`) and
// fire as their unit tests say (`promtool test rules`), and a changed rule makes those tests fail.
// Without promtool (Debian's `prometheus` package, installed by scripts/setup.sh) the tests skip,
// except in CI, where a skip would pass the run silently.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mustRunE2e } from '../../lab/info.ts';

const DIR = join(import.meta.dirname, '../../../monitoring');
const which = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
const promtool = which.status === 0 ? which.stdout.trim() : undefined;
if (!promtool && mustRunE2e())
  throw new Error("CI: promtool is missing (install Debian's prometheus package: scripts/setup.sh)");
if (!promtool)
  console.warn("promtool tests skipped: no promtool on PATH (scripts/setup.sh installs Debian's prometheus package)");

const run = (args: string[], cwd: string) => {
  const r = spawnSync(promtool!, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe.skipIf(!promtool)('monitoring/alerts.yaml with promtool', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ekp-promtool-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('promtool check rules accepts every rule', () => {
    const r = run(['check', 'rules', 'alerts.yaml'], DIR);
    expect(r.out).toContain('SUCCESS: 9 rules found');
    expect(r.code).toBe(0);
  });

  it('promtool test rules passes alerts.test.yaml and alerts-vip.test.yaml', () => {
    const r = run(['test', 'rules', 'alerts.test.yaml', 'alerts-vip.test.yaml'], DIR);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('the unit tests catch a changed rule', () => {
    copyFileSync(join(DIR, 'alerts.test.yaml'), join(tmp, 'alerts.test.yaml'));
    const rules = readFileSync(join(DIR, 'alerts.yaml'), 'utf8');
    const slower = rules.replace(/(alert: EnvoyClusterAllEndpointsDown[\s\S]*?for: )30s/, '$110m');
    expect(slower).not.toBe(rules);
    writeFileSync(join(tmp, 'alerts.yaml'), slower);
    const r = run(['test', 'rules', 'alerts.test.yaml'], tmp);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('EnvoyClusterAllEndpointsDown');
  });

  it('the unit tests catch a VIP rule that no longer sees two holders', () => {
    copyFileSync(join(DIR, 'alerts-vip.test.yaml'), join(tmp, 'alerts-vip.test.yaml'));
    const rules = readFileSync(join(DIR, 'alerts.yaml'), 'utf8');
    const blind = rules.replace(
      'sum by (address) (envoy_k8s_proxy_vip_master) > 1',
      'sum by (address) (envoy_k8s_proxy_vip_master) > 2',
    );
    expect(blind).not.toBe(rules);
    writeFileSync(join(tmp, 'alerts.yaml'), blind);
    const r = run(['test', 'rules', 'alerts-vip.test.yaml'], tmp);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('EnvoyVipTwoHolders');
  });
});

// rolling-restart failures against the lab: lb2 cannot start (a drop-in whose ExecStartPre fails),
// the run stops there with lb3 untouched, and --resume finishes after the fix. A host that is down
// before the start counts against --max-fail.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, onHost, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();
const DROPIN = '/run/systemd/system/envoy-k8s-proxy.service.d';

describe.skipIf(!lab)('rolling-restart: failure, resume, max-fail', () => {
  const inv = lab!.inventoryPath;
  let cache = '';
  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
    cache = await mkdtemp(join(tmpdir(), 'ekp-rolling-fail-'));
  });
  const roll = (...args: string[]) =>
    runCli(['rolling-restart', '--hosts', inv, '--drain', '500ms', '--health-timeout', '10s', ...args], {
      env: { EKP_CACHE_DIR: cache },
    });
  const stateFile = () => join(cache, 'rolling-lab.json');

  it('stops at the host that fails its gate, leaves the rest untouched, resumes after the fix', async () => {
    await onHost(
      lab!,
      'lb2',
      `mkdir -p ${DROPIN} && printf '[Service]\\nExecStartPre=/bin/sh -c "echo injected failure >&2; exit 1"\\n' > ${DROPIN}/break.conf && systemctl daemon-reload`,
    );
    const lb3 = await unitStart(lab!, 'lb3');
    try {
      const r = await roll();
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/^lb1 +restarted +restarted and healthy/m);
      expect(r.stdout).toMatch(/^lb2 +failed +unable to restart envoy-k8s-proxy\.service: .*injected failure/m);
      expect(r.stdout).toMatch(/^lb3 +not-reached +left untouched/m);
      expect(r.stdout).toContain('first failure: lb2');
      expect(await unitStart(lab!, 'lb3')).toBe(lb3);
      expect(JSON.parse(readFileSync(stateFile(), 'utf8'))).toMatchObject({ done: ['lb1'], failed: { host: 'lb2' } });

      // Still broken: --resume fails at lb2 again, lb3 still untouched, lb1 not restarted twice.
      const lb1 = await unitStart(lab!, 'lb1');
      const again = await roll('--resume');
      expect(again.code).toBe(1);
      expect(again.stdout).toMatch(/^lb1 +done-earlier/m);
      expect(await unitStart(lab!, 'lb1')).toBe(lb1);
      expect(await unitStart(lab!, 'lb3')).toBe(lb3);
    } finally {
      await onHost(lab!, 'lb2', `rm -rf ${DROPIN} && systemctl daemon-reload`);
    }
    const lb1 = await unitStart(lab!, 'lb1');
    const fixed = await roll('--resume');
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.stdout).toMatch(/^lb1 +done-earlier/m);
    expect(fixed.stdout).toMatch(/^lb2 +restarted/m);
    expect(fixed.stdout).toMatch(/^lb3 +restarted/m);
    expect(await unitStart(lab!, 'lb1')).toBe(lb1);
    expect(await unitStart(lab!, 'lb3')).not.toBe(lb3);
    expect(existsSync(stateFile())).toBe(false);

    const nothing = await roll('--resume');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to resume/);
  });

  it('a host already down counts against --max-fail: refused at 0%, allowed (and started) at 34%', async () => {
    await onHost(lab!, 'lb3', 'systemctl stop envoy-k8s-proxy');
    const lb1 = await unitStart(lab!, 'lb1');
    const refused = await roll('--max-fail', '0');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^lb3 +down-before-start +unit is inactive/m);
    expect(refused.stdout).toMatch(/nothing restarted: lb3 is down before the start/);
    expect(await unitStart(lab!, 'lb1')).toBe(lb1);

    const allowed = await roll('--max-fail', '34');
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.stdout).toMatch(/^lb3 +restarted/m);
    expect((await onHost(lab!, 'lb3', 'systemctl is-active envoy-k8s-proxy')).trim()).toBe('active');
  });
});

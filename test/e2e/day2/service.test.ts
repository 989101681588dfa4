// start / stop / restart against the lab: parallel, ok vs changed like Ansible, each awaited.
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, onHost, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();

describe.skipIf(!lab)('start, stop, restart', () => {
  const inv = lab!.inventoryPath;
  beforeAll(async () => deploy(lab!.inventoryPath));
  const state = (host: string) =>
    onHost(lab!, host, 'systemctl is-active envoy-k8s-proxy || true').then((s) => s.trim());

  it('stop: changed, then inactive; a second stop is ok', async () => {
    const r = await runCli(['stop', '--hosts', inv, '--limit', 'lb2']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^lb2 +changed +envoy_control : service stopped/m);
    expect(r.stdout).toContain('1 host: 1 changed, 0 failed');
    expect(await state('lb2')).toBe('inactive');
    const again = await runCli(['stop', '--hosts', inv, '--limit', 'lb2']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('1 host: 0 changed, 0 failed');
  });

  it('start: only the stopped host changes, and it is ready (LIVE) when the command returns', async () => {
    const before = await unitStart(lab!, 'lb1');
    const r = await runCli(['start', '--hosts', inv, '--json']);
    expect(r.code, r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { recap: { host: string; changed: number; failed: number }[] };
    expect(doc.recap.map((h) => [h.host, h.changed, h.failed])).toEqual([
      ['lb1', 0, 0],
      ['lb2', 1, 0],
      ['lb3', 0, 0],
    ]);
    expect(await onHost(lab!, 'lb2', 'curl -s 127.0.0.1:10000/ready')).toBe('LIVE\n');
    expect(await unitStart(lab!, 'lb1')).toBe(before);
  });

  it('restart of one host restarts it in place; --all-at-once restarts every host', async () => {
    const lb3 = await unitStart(lab!, 'lb3');
    const lb1 = await unitStart(lab!, 'lb1');
    const one = await runCli(['restart', '--hosts', inv, '--limit', 'lb3']);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(/^lb3 +changed +envoy_control : service restarted/m);
    expect(await unitStart(lab!, 'lb3')).not.toBe(lb3);
    expect(await unitStart(lab!, 'lb1')).toBe(lb1);

    const all = await runCli(['restart', '--hosts', inv, '--all-at-once']);
    expect(all.code, all.stdout).toBe(0);
    expect(all.stdout).toContain('3 hosts: 3 changed, 0 failed');
    expect(await unitStart(lab!, 'lb1')).not.toBe(lb1);
  });

  it('restart of several hosts rolls through them', async () => {
    const r = await runCli(['restart', '--hosts', inv, '--drain', '200ms']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('ROLLING RESTART');
    expect(r.stdout).toMatch(/3 host\(s\): 3 restarted in /);
  });
});

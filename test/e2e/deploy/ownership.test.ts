// What the tool owns on a host (issue 11): it never takes over an account, a directory or a
// logrotate rule it did not create, uninstall --purge leaves such things alone, a host deployed
// before the manifest existed (or before the manifest recorded the logrotate rule) is migrated on
// its next deploy, and a manifest others could write is not trusted. On lb3 only; lb3 is left
// deployed or not, as it was found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../../src/ssh/quote.ts';
import { labOrSkip } from '../../lab/index.ts';
import { onHost, runCli, TRACE } from '../support/cli.ts';

const lab = labOrSkip();
const HOST = 'lb3';
const on = (command: string) => onHost(lab!, HOST, command);
const run = (...args: string[]) => runCli([...args, '--hosts', lab!.inventoryPath, '--limit', HOST, '--json']);
type Out = { results: { task: string; role: string; status: string; message?: string; error?: string }[] };
const results = (stdout: string) => (JSON.parse(stdout) as Out).results;
/** Exactly what a careful admin (or another package) might have made before the tool came. */
const FOREIGN =
  'useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin envoy && install -d -m 755 /opt/envoy-k8s-proxy && echo precious > /opt/envoy-k8s-proxy/data';
const REMOVE_FOREIGN = 'userdel envoy 2>/dev/null; groupdel envoy 2>/dev/null; rm -rf /opt/envoy-k8s-proxy; true';
const LOGROTATE = '/etc/logrotate.d/envoy-k8s-proxy';
/** An admin's own rule at the tool's path, as written before the tool came. */
const RULE =
  '# rotated weekly by the ops team\n/var/log/envoy-k8s-proxy/*.log {\n\tweekly\n\trotate 4\n\tcopytruncate\n}\n';
const REMOVE_RULE = `grep -qx ${quote('# rotated weekly by the ops team')} ${LOGROTATE} 2>/dev/null && rm -f ${LOGROTATE}; true`;

describe.skipIf(!lab)('ownership on the lab', () => {
  let wasDeployed = false;
  let clean = '';

  beforeAll(async () => {
    wasDeployed = (await on('systemctl is-active envoy-k8s-proxy || true')).trim() === 'active';
    const u = await run('uninstall', '--purge');
    expect(u.code, u.stderr).toBe(0);
    clean = await on(TRACE);
  });

  afterAll(async () => {
    if (!lab) return;
    await on(`chmod 700 /var/lib/envoy-k8s-proxy 2>/dev/null; ${REMOVE_FOREIGN}; ${REMOVE_RULE}`);
    await run('uninstall', '--purge');
    if (wasDeployed) expect((await run('deploy')).code).toBe(0);
  });

  it('deploy refuses a pre-existing envoy user and default directory, and changes nothing on the host', async () => {
    await on(FOREIGN);
    const before = await on(TRACE);
    const uid = await on('id -u envoy');
    const r = await run('deploy');
    expect(r.code, r.stderr).toBe(1);
    const failed = results(r.stdout).filter((x) => x.status === 'failed');
    expect(failed.map((x) => `${x.role}: ${x.task}`)).toEqual(['ownership: manifest']);
    expect(failed[0]!.error).toContain('nothing was changed');
    expect(failed[0]!.error).toContain('user envoy already exists');
    expect(failed[0]!.error).toContain('/opt/envoy-k8s-proxy already exists');
    expect(results(r.stdout).filter((x) => x.status === 'changed')).toEqual([]);
    expect(await on(TRACE)).toEqual(before);
    expect(await on('id -u envoy')).toBe(uid);
  });

  it('uninstall --purge leaves the pre-existing user and directory alone, and says so', async () => {
    const before = await on(TRACE);
    const r = await run('uninstall', '--purge');
    expect(r.code, r.stderr).toBe(0);
    const skipped = results(r.stdout)
      .filter((x) => x.status === 'skipped')
      .map((x) => `${x.task}: ${x.message}`);
    expect(skipped).toEqual([
      'releases: /opt/envoy-k8s-proxy: not created by envoy-k8s-proxy: left alone',
      'system user envoy: user envoy: not created by envoy-k8s-proxy: left alone; group envoy: not created by envoy-k8s-proxy: left alone',
    ]);
    expect(await on(TRACE)).toEqual(before);
    expect(await on('cat /opt/envoy-k8s-proxy/data && getent passwd envoy | cut -d: -f7')).toBe(
      'precious\n/usr/sbin/nologin\n',
    );
    await on(REMOVE_FOREIGN);
    expect(await on(TRACE)).toEqual(clean);
  });

  it('deploy refuses a logrotate rule it did not write; uninstall --purge leaves it and says so', async () => {
    await on(`printf %s ${quote(RULE)} > ${LOGROTATE}`);
    const before = await on(TRACE);
    const r = await run('deploy');
    expect(r.code, r.stderr).toBe(1);
    const failed = results(r.stdout).filter((x) => x.status === 'failed');
    expect(failed.map((x) => `${x.role}: ${x.task}`)).toEqual(['ownership: manifest']);
    expect(failed[0]!.error).toContain(
      `nothing was changed: ${LOGROTATE} already exists and was not rendered by envoy-k8s-proxy`,
    );
    expect(results(r.stdout).filter((x) => x.status === 'changed')).toEqual([]);
    expect(await on(TRACE)).toEqual(before);
    const u = await run('uninstall', '--purge');
    expect(u.code, u.stderr).toBe(0);
    const skipped = results(u.stdout)
      .filter((x) => x.status === 'skipped')
      .map((x) => `${x.task}: ${x.message}`);
    expect(skipped).toEqual([`log rotation: ${LOGROTATE}: not created by envoy-k8s-proxy: left alone`]);
    expect(await on(TRACE)).toEqual(before);
    expect(await on(`cat ${LOGROTATE}`)).toBe(RULE);
    await on(REMOVE_RULE);
    expect(await on(TRACE)).toEqual(clean);
  });

  it('a host deployed before the manifest is migrated on its next deploy, then uninstalled completely', async () => {
    expect((await run('deploy')).code).toBe(0);
    await on('rm -rf /var/lib/envoy-k8s-proxy'); // as a tool version without the manifest left it
    const r = await run('deploy');
    expect(r.code, r.stderr).toBe(0);
    const changed = results(r.stdout).filter((x) => x.status === 'changed');
    expect(changed.map((x) => x.task)).toEqual(['manifest']);
    expect(changed[0]!.message).toMatch(/^recorded from a deploy before the manifest: /);
    const manifest = JSON.parse(await on('cat /var/lib/envoy-k8s-proxy/manifest.json')) as {
      paths: { role: string; origin: string }[];
      users: { name: string }[];
    };
    // the lab has a VIP: keepalived.conf, its stop hook and the ARP sysctl file the tool rendered (their header says so) are the tool's too
    expect(manifest.paths.map((p) => `${p.role} ${p.origin}`)).toEqual([
      'installDir migrated',
      'configDir migrated',
      'logDir migrated',
      'unit migrated',
      'logrotate migrated',
      'keepalived migrated',
      'vipStopHook migrated',
      'vipArp migrated',
    ]);
    expect(manifest.users.map((u) => u.name)).toEqual(['envoy']);
    expect(await on('stat -c "%U %a" /var/lib/envoy-k8s-proxy /var/lib/envoy-k8s-proxy/manifest.json')).toBe(
      'root 700\nroot 600\n',
    );
    const again = await run('deploy');
    expect(results(again.stdout).filter((x) => x.status === 'changed')).toEqual([]);
    const u = await run('uninstall', '--purge');
    expect(u.code, u.stderr).toBe(0);
    expect(await on(TRACE)).toEqual(clean);
  });

  it('a manifest written before the logrotate rule was recorded takes the rendered rule over; uninstall removes it', async () => {
    expect((await run('deploy')).code).toBe(0);
    const path = '/var/lib/envoy-k8s-proxy/manifest.json';
    type Doc = { paths: { role: string; origin: string }[] };
    const doc = JSON.parse(await on(`cat ${path}`)) as Doc;
    expect(doc.paths.find((p) => p.role === 'logrotate')?.origin).toBe('created');
    // as the tool's previous version wrote it: without the rule
    const older = `${JSON.stringify({ ...doc, paths: doc.paths.filter((p) => p.role !== 'logrotate') }, null, 2)}\n`;
    await on(`printf %s ${quote(older)} > ${path}`);
    const r = await run('deploy');
    expect(r.code, r.stderr).toBe(0);
    expect(
      results(r.stdout)
        .filter((x) => x.status === 'changed')
        .map((x) => x.task),
    ).toEqual(['manifest']);
    expect((JSON.parse(await on(`cat ${path}`)) as Doc).paths.find((p) => p.role === 'logrotate')?.origin).toBe(
      'migrated',
    );
    const u = await run('uninstall', '--purge');
    expect(u.code, u.stderr).toBe(0);
    expect(await on(TRACE)).toEqual(clean);
  });

  it('a manifest that others could write is not trusted: deploy and uninstall refuse, nothing is removed', async () => {
    expect((await run('deploy')).code).toBe(0);
    await on('chmod 777 /var/lib/envoy-k8s-proxy');
    const before = await on(TRACE);
    const d = await run('deploy');
    expect(d.code).toBe(1);
    expect(results(d.stdout).find((x) => x.status === 'failed')?.error).toMatch(
      /refusing to trust the manifest.*not root-only/,
    );
    const u = await run('uninstall', '--purge');
    expect(u.code).toBe(1);
    expect(await on(TRACE)).toEqual(before);
    await on('chmod 700 /var/lib/envoy-k8s-proxy');
  });
});

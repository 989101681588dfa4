// Ownership decisions from host facts (src/ownership/): what deploy claims or refuses, what
// uninstall removes or leaves alone, and which manifests are trusted.
import { describe, expect, it } from 'vitest';
import { claimForDeploy } from '../../../src/ownership/claims.ts';
import { dirFact, fileFact, manifestFact } from '../../../src/ownership/facts.ts';
import { UNIT_FILE, parseManifest, serializeManifest, type Manifest } from '../../../src/ownership/manifest.ts';
import { LOGROTATE_PATH } from '../../../src/render/index.ts';
import { decideUninstall } from '../../../src/ownership/uninstall.ts';
import { HEADER, deployed, dir, fresh, inv, ours } from './fixtures.ts';
import { vipSpec } from '../render/fixtures.ts';
import { VIP_ARP_PATH, VIP_ARP_RESET } from '../../../src/render/vip-arp.ts';
import { VIP_STOP_HOOK_PATH } from '../../../src/render/vip-metric.ts';

describe('deploy claims', () => {
  it('claims everything on a fresh host', () => {
    const c = claimForDeploy(inv, fresh());
    expect(c).toMatchObject({ refusals: [], migrated: false });
    expect(serializeManifest((c as { next: Manifest }).next)).toBe(serializeManifest(ours));
  });

  it('changes nothing on a host it deployed', () => {
    const c = claimForDeploy(inv, deployed());
    expect(c).toMatchObject({ refusals: [] });
    expect(serializeManifest((c as { next: Manifest }).next)).toBe(serializeManifest(ours));
  });

  it('claims keepalived.conf only with a VIP, and refuses one it did not render', () => {
    const withVip = {
      ...inv,
      vip: vipSpec('10.0.0.100'),
    };
    const paths = (c: unknown) => (c as { next: Manifest }).next.paths.map((e) => e.role);
    expect(paths(claimForDeploy(inv, fresh()))).not.toContain('keepalived');
    expect(paths(claimForDeploy(withVip, fresh()))).toContain('keepalived');
    expect(paths(claimForDeploy(inv, fresh()))).not.toContain('vipArp');
    expect(paths(claimForDeploy(withVip, fresh()))).toContain('vipArp');
    const s = fresh();
    s.files.keepalived = { type: 'file', firstLine: '! Configuration File for keepalived' };
    expect((claimForDeploy(withVip, s) as { refusals: string[] }).refusals).toEqual([
      '/etc/keepalived/keepalived.conf already exists and was not rendered by envoy-k8s-proxy',
    ]);
    // without a VIP a foreign keepalived.conf is none of the tool's business
    expect((claimForDeploy(inv, s) as { refusals: string[] }).refusals).toEqual([]);
  });

  it('refuses an existing user, group and directory it did not create', () => {
    const s = fresh();
    s.user = { exists: true, uid: 999, gid: 997, home: '/nonexistent', shell: '/usr/sbin/nologin' };
    s.group = { exists: true, gid: 997 };
    s.dirs.configDir = dir('/etc/envoy-k8s-proxy', { entries: ['mine'] });
    const c = claimForDeploy(inv, s) as { refusals: string[] };
    expect(c.refusals).toEqual([
      '/etc/envoy-k8s-proxy already exists and is not recorded in /var/lib/envoy-k8s-proxy/manifest.json',
      'user envoy already exists (uid 999, shell /usr/sbin/nologin) and is not recorded in /var/lib/envoy-k8s-proxy/manifest.json: the tool does not take over accounts',
      'group envoy already exists (gid 997) and is not recorded in /var/lib/envoy-k8s-proxy/manifest.json',
    ]);
  });

  it('refuses its own user once it became uid 0 or got a login shell, and a path that resolves into /etc', () => {
    const s = deployed();
    s.user = { exists: true, uid: 0, gid: 0, home: '/root', shell: '/bin/bash' };
    s.dirs.logDir = { real: '/etc', type: 'link' };
    expect((claimForDeploy(inv, s) as { refusals: string[] }).refusals).toEqual([
      '/var/log/envoy-k8s-proxy resolves to /etc (a top-level system directory)',
      'user envoy was created by envoy-k8s-proxy but now has uid 0',
    ]);
  });

  it('migrates a deploy from before the manifest, item by item: only what matches its layout', () => {
    const s = deployed({ state: 'absent' });
    const c = claimForDeploy(inv, s) as { next: Manifest; migrated: boolean; refusals: string[] };
    expect(c).toMatchObject({ migrated: true, refusals: [] });
    expect(c.next.paths.map((e) => `${e.role}:${e.origin}`).sort()).toEqual([
      'configDir:migrated',
      'installDir:migrated',
      'logDir:migrated',
      'logrotate:migrated',
      'unit:migrated',
    ]);
    expect(c.next.users).toEqual([{ name: 'envoy', origin: 'migrated' }]);
    const odd = deployed({ state: 'absent' });
    odd.dirs.configDir = dir('/etc/envoy-k8s-proxy', { entries: ['envoy.yaml', 'secrets.txt'] });
    odd.user = { exists: true, uid: 1000, gid: 997, home: '/home/envoy', shell: '/bin/bash' };
    expect((claimForDeploy(inv, odd) as { refusals: string[] }).refusals).toEqual([
      "/etc/envoy-k8s-proxy already exists and is not recorded in /var/lib/envoy-k8s-proxy/manifest.json (and does not match the tool's layout: holds secrets.txt)",
      'user envoy already exists (uid 1000, shell /bin/bash) and is not recorded in /var/lib/envoy-k8s-proxy/manifest.json: the tool does not take over accounts',
    ]);
  });

  it('without its rendered unit file, nothing counts as a deploy from before the manifest', () => {
    const s = deployed({ state: 'absent' });
    s.files.unit = { type: 'file', firstLine: '[Unit]' };
    s.files.logrotate = { type: 'absent' };
    const c = claimForDeploy(inv, s) as { refusals: string[] };
    expect(c.refusals).toHaveLength(6);
  });

  it('refuses a logrotate rule it did not render, and claims an absent one', () => {
    const s = fresh();
    s.files.logrotate = { type: 'file', firstLine: '/var/log/envoy-k8s-proxy/*.log {' };
    expect(claimForDeploy(inv, s)).toMatchObject({
      refusals: [`${LOGROTATE_PATH} already exists and was not rendered by envoy-k8s-proxy`],
    });
    s.files.logrotate = { type: 'link' };
    expect(claimForDeploy(inv, s)).toMatchObject({
      refusals: [`${LOGROTATE_PATH} already exists and was not rendered by envoy-k8s-proxy`],
    });
    const c = claimForDeploy(inv, fresh()) as { next: Manifest };
    expect(c.next.paths.find((e) => e.role === 'logrotate')).toEqual({
      role: 'logrotate',
      path: LOGROTATE_PATH,
      origin: 'created',
    });
  });

  it('takes over its rendered logrotate rule on a host whose manifest predates the rule', () => {
    const older: Manifest = { ...ours, paths: ours.paths.filter((e) => e.role !== 'logrotate') };
    const c = claimForDeploy(inv, deployed({ state: 'present', manifest: older, text: serializeManifest(older) })) as {
      next: Manifest;
      migrated: boolean;
      refusals: string[];
    };
    expect(c).toMatchObject({ refusals: [], migrated: false });
    expect(c.next.paths.filter((e) => e.role === 'logrotate')).toEqual([
      { role: 'logrotate', path: LOGROTATE_PATH, origin: 'migrated' },
    ]);
    expect(older.paths).toHaveLength(4); // the fact's manifest is not changed under the other tasks
    const edited = deployed({ state: 'present', manifest: older, text: serializeManifest(older) });
    edited.files.logrotate = { type: 'file', firstLine: '# my own rotation for envoy' };
    expect((claimForDeploy(inv, edited) as { refusals: string[] }).refusals).toEqual([
      `${LOGROTATE_PATH} already exists and was not rendered by envoy-k8s-proxy`,
    ]);
  });
});

describe('uninstall', () => {
  const commands = (d: ReturnType<typeof decideUninstall>) =>
    'untrusted' in d
      ? d
      : Object.fromEntries(
          Object.entries(d.parts).map(([k, p]) => [k, p.steps.map((s) => (s.kind === 'exec' ? s.command : s.kind))]),
        );

  it('removes what the manifest lists; the logs and the account only with purge', () => {
    const d = decideUninstall(inv, deployed(), false);
    expect(commands(d)).toEqual({
      unit: [['rm', '-rf', '--', UNIT_FILE]],
      logrotate: [['rm', '-rf', '--', LOGROTATE_PATH]],
      keepalived: [],
      vipStopHook: [],
      vipArp: [],
      installDir: [['rm', '-rf', '--', '/opt/envoy-k8s-proxy']],
      configDir: [['rm', '-rf', '--', '/etc/envoy-k8s-proxy']],
      logDir: [],
      vipMetric: [],
      accounts: [],
    });
    expect('remaining' in d && serializeManifest(d.remaining)).toBe(
      serializeManifest({ paths: [ours.paths[2]!], users: ours.users, groups: ours.groups }),
    );
    const p = decideUninstall(inv, deployed(), true);
    expect('remaining' in p && serializeManifest(p.remaining)).toBe(
      serializeManifest({ paths: [], users: [], groups: [] }),
    );
    expect('parts' in p && p.parts.accounts.steps.map((s) => s.action)).toEqual([
      'remove user envoy',
      'remove group envoy',
    ]);
  });

  it("removes keepalived's stop hook it wrote, then has systemd forget it; leaves a foreign one", () => {
    const path = VIP_STOP_HOOK_PATH;
    const m: Manifest = { ...ours, paths: [...ours.paths, { role: 'vipStopHook', path, origin: 'created' }] };
    const s = deployed({ state: 'present', manifest: m, text: serializeManifest(m) });
    s.files.vipStopHook = { type: 'file', firstLine: HEADER };
    const d = decideUninstall(inv, s, false);
    expect('parts' in d && d.parts.vipStopHook.steps.map((x) => (x.kind === 'exec' ? x.command : x.kind))).toEqual([
      ['rm', '-rf', '--', path],
      'rmdir /etc/systemd/system/keepalived.service.d 2>/dev/null || true; systemctl daemon-reload',
    ]);
    const f = deployed();
    f.files.vipStopHook = { type: 'file', firstLine: '[Service]' };
    const k = decideUninstall(inv, f, false);
    expect('parts' in k && k.parts.vipStopHook).toEqual({
      steps: [],
      kept: [`${path}: not created by envoy-k8s-proxy: left alone`],
    });
  });

  it("removes the VIP's ARP rules it wrote and puts the running kernel's values back", () => {
    const m: Manifest = { ...ours, paths: [...ours.paths, { role: 'vipArp', path: VIP_ARP_PATH, origin: 'created' }] };
    const s = deployed({ state: 'present', manifest: m, text: serializeManifest(m) });
    s.files.vipArp = { type: 'file', firstLine: HEADER };
    const d = decideUninstall(inv, s, false);
    expect('parts' in d && d.parts.vipArp.steps.map((x) => (x.kind === 'exec' ? x.command : x.kind))).toEqual([
      ['rm', '-rf', '--', VIP_ARP_PATH],
      VIP_ARP_RESET,
    ]);
    expect(VIP_ARP_RESET).toMatch(
      /^sysctl -q -w net\.ipv4\.conf\.all\.arp_ignore=0 net\.ipv4\.conf\.all\.arp_announce=0 /,
    );
    // a foreign file at that path: left alone, the kernel's values too
    const f = deployed();
    f.files.vipArp = { type: 'file', firstLine: 'net.ipv4.conf.all.arp_ignore = 1' };
    const k = decideUninstall(inv, f, false);
    expect('parts' in k && [k.parts.vipArp.steps, k.parts.vipArp.kept]).toEqual([
      [],
      [`${VIP_ARP_PATH}: not created by envoy-k8s-proxy: left alone`],
    ]);
  });

  it('leaves alone, and reports, what it did not create or what is no longer what it made', () => {
    const s = fresh();
    s.user = { exists: true, uid: 999, gid: 997, home: '/nonexistent', shell: '/usr/sbin/nologin' };
    s.group = { exists: true, gid: 997 };
    s.dirs.installDir = dir('/opt/envoy-k8s-proxy');
    const d = decideUninstall(inv, s, true);
    expect(commands(d)).toEqual({
      unit: [],
      logrotate: [],
      keepalived: [],
      vipStopHook: [],
      vipArp: [],
      installDir: [],
      configDir: [],
      logDir: [],
      vipMetric: [],
      accounts: [],
    });
    expect('parts' in d && [...d.parts.installDir.kept, ...d.parts.accounts.kept]).toEqual([
      '/opt/envoy-k8s-proxy: not created by envoy-k8s-proxy: left alone',
      'user envoy: not created by envoy-k8s-proxy: left alone',
      'group envoy: not created by envoy-k8s-proxy: left alone',
    ]);
    const swapped = deployed();
    swapped.dirs.configDir = { real: '/etc', type: 'link' };
    const e = decideUninstall(inv, swapped, false);
    expect('parts' in e && e.parts.configDir).toEqual({
      steps: [],
      kept: ['/etc/envoy-k8s-proxy: now a symlink, not the directory the tool made: left alone'],
    });
  });

  it('keeps a logrotate rule it did not render, or one that became a symlink, and says why', () => {
    const s = fresh();
    s.files.logrotate = { type: 'file', firstLine: '/var/log/envoy-k8s-proxy/*.log {' };
    const d = decideUninstall(inv, s, true);
    expect('parts' in d && d.parts.logrotate).toEqual({
      steps: [],
      kept: [`${LOGROTATE_PATH}: not created by envoy-k8s-proxy: left alone`],
    });
    const swapped = deployed();
    swapped.files.logrotate = { type: 'link' };
    const e = decideUninstall(inv, swapped, true);
    expect('parts' in e && e.parts.logrotate).toEqual({
      steps: [],
      kept: [`${LOGROTATE_PATH}: now a symlink, not the file the tool made: left alone`],
    });
    expect('remaining' in e && e.remaining.paths).toEqual([ours.paths[4]]);
  });

  it('removes its rendered logrotate rule when a manifest older than the rule does not list it', () => {
    const older: Manifest = { ...ours, paths: ours.paths.filter((e) => e.role !== 'logrotate') };
    const d = decideUninstall(
      inv,
      deployed({ state: 'present', manifest: older, text: serializeManifest(older) }),
      true,
    );
    expect(commands(d)).toMatchObject({ logrotate: [['rm', '-rf', '--', LOGROTATE_PATH]] });
    expect('remaining' in d && d.remaining).toEqual({ paths: [], users: [], groups: [] });
  });

  it('removes a recorded directory of an earlier inventory only if it is still a real directory', () => {
    const m: Manifest = {
      ...ours,
      paths: [...ours.paths, { role: 'configDir', path: '/srv/old-etc', origin: 'created' }],
    };
    const d = decideUninstall(inv, deployed({ state: 'present', manifest: m, text: serializeManifest(m) }), false);
    expect('parts' in d && d.parts.configDir.steps.at(-1)).toMatchObject({
      command: 'if [ -d /srv/old-etc ] && [ ! -L /srv/old-etc ]; then rm -rf -- /srv/old-etc; fi',
    });
  });
});

describe('the manifest as read from a host', () => {
  it('round-trips', () => expect(parseManifest(serializeManifest(ours))).toEqual(ours));

  it.each([
    ['not JSON', '{', 'it is not valid JSON'],
    ['another tool', '{"tool":"x","version":1}', 'it is not a version 1 manifest of envoy-k8s-proxy'],
    [
      'a system path',
      '{"tool":"envoy-k8s-proxy","version":1,"paths":[{"role":"configDir","path":"/etc","origin":"created"}]}',
      'paths[0] "/etc" is a top-level system directory',
    ],
    [
      'a unit elsewhere',
      '{"tool":"envoy-k8s-proxy","version":1,"paths":[{"role":"unit","path":"/etc/passwd","origin":"created"}]}',
      'paths[0] "/etc/passwd" is not /etc/systemd/system/envoy-k8s-proxy.service',
    ],
    [
      'a logrotate rule elsewhere',
      '{"tool":"envoy-k8s-proxy","version":1,"paths":[{"role":"logrotate","path":"/etc/logrotate.d/syslog","origin":"created"}]}',
      'paths[0] "/etc/logrotate.d/syslog" is not /etc/logrotate.d/envoy-k8s-proxy',
    ],
    [
      'root',
      '{"tool":"envoy-k8s-proxy","version":1,"users":[{"name":"root","origin":"created"}]}',
      'users[0] is malformed or a system account',
    ],
    [
      'a shell word',
      '{"tool":"envoy-k8s-proxy","version":1,"groups":[{"name":"x;id","origin":"created"}]}',
      'groups[0] is malformed or a system account',
    ],
  ])('refuses %s', (_, text, error) => expect(parseManifest(text)).toEqual({ error }));

  it('trusts it only when root alone can write it and its directory', () => {
    const text = serializeManifest(ours);
    expect(manifestFact.parse(`present\ndirectory root 700\nregular file root 600\n${text}`, 0)).toEqual({
      state: 'present',
      manifest: ours,
      text,
    });
    expect(manifestFact.parse(`present\ndirectory root 777\nregular file root 600\n${text}`, 0)).toMatchObject({
      state: 'untrusted',
    });
    expect(manifestFact.parse(`present\ndirectory root 700\nregular file ops 600\n${text}`, 0)).toMatchObject({
      state: 'untrusted',
    });
    expect(manifestFact.parse('link\n', 0)).toMatchObject({ state: 'untrusted' });
    expect(manifestFact.parse('absent\n', 0)).toEqual({ state: 'absent' });
  });

  it("reads what is at a rendered file's path, with its first line", () => {
    expect(fileFact('logrotate').parse(`file\n${HEADER}\n`, 0)).toEqual({ type: 'file', firstLine: HEADER });
    expect(fileFact('logrotate').parse('file\n', 0)).toEqual({ type: 'file', firstLine: '' });
    expect(fileFact('logrotate').parse('link\n', 0)).toEqual({ type: 'link' });
    expect(fileFact('unit').parse('absent\n', 0)).toEqual({ type: 'absent' });
    expect(fileFact('logrotate').script).toContain(`f=${LOGROTATE_PATH};`);
  });

  it('reads a directory with where it leads and what it holds', () => {
    expect(dirFact('/x').parse('/x\ndirectory\n750 root envoy\na.yaml\nb.yaml\n', 0)).toEqual({
      real: '/x',
      type: 'directory',
      mode: 0o750,
      owner: 'root',
      group: 'envoy',
      entries: ['a.yaml', 'b.yaml'],
    });
    expect(dirFact('/x').parse('/etc\nlink\n', 0)).toEqual({ real: '/etc', type: 'link' });
  });
});

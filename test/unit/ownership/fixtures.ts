// Shared by the ownership tests: an inventory, a fresh host, a host the tool deployed, its manifest.
import { parseInventory } from '../../../src/inventory/index.ts';
import type { DirFact, HostState } from '../../../src/ownership/facts.ts';
import { UNIT_FILE, serializeManifest, type Manifest } from '../../../src/ownership/manifest.ts';
import { LOGROTATE_PATH } from '../../../src/render/index.ts';

export const inv = parseInventory(
  'clusters: [{name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}]\nhosts: [{name: lb1, address: 10.0.0.11}]\n',
  'x.yaml',
  { baseDir: '/', home: '/root' },
);
export const HEADER = '# Rendered by envoy-k8s-proxy for lb1: do not edit, the next deploy overwrites it';
export const absent: DirFact = { real: '', type: 'absent' };
export const dir = (path: string, over: Partial<Extract<DirFact, { type: 'directory' }>> = {}): DirFact => ({
  real: path,
  type: 'directory',
  mode: 0o755,
  owner: 'root',
  group: 'root',
  entries: [],
  ...over,
});
export const fresh = (): HostState => ({
  manifest: { state: 'absent' },
  dirs: {
    installDir: { ...absent, real: '/opt/envoy-k8s-proxy' },
    configDir: { ...absent, real: '/etc/envoy-k8s-proxy' },
    logDir: { ...absent, real: '/var/log/envoy-k8s-proxy' },
  },
  files: {
    unit: { type: 'absent' },
    logrotate: { type: 'absent' },
    keepalived: { type: 'absent' },
    vipStopHook: { type: 'absent' },
    vipArp: { type: 'absent' },
  },
  user: { exists: false },
  group: { exists: false },
});
export const ours: Manifest = {
  paths: [
    { role: 'installDir', path: '/opt/envoy-k8s-proxy', origin: 'created' },
    { role: 'configDir', path: '/etc/envoy-k8s-proxy', origin: 'created' },
    { role: 'logDir', path: '/var/log/envoy-k8s-proxy', origin: 'created' },
    { role: 'unit', path: UNIT_FILE, origin: 'created' },
    { role: 'logrotate', path: LOGROTATE_PATH, origin: 'created' },
  ],
  users: [{ name: 'envoy', origin: 'created' }],
  groups: [{ name: 'envoy', origin: 'created' }],
};
/** A host the tool deployed: everything present, as the manifest says. */
export const deployed = (
  manifest: HostState['manifest'] = { state: 'present', manifest: ours, text: serializeManifest(ours) },
): HostState => ({
  manifest,
  dirs: {
    installDir: dir('/opt/envoy-k8s-proxy', { entries: ['current', 'releases'] }),
    configDir: dir('/etc/envoy-k8s-proxy', {
      mode: 0o750,
      group: 'envoy',
      entries: ['envoy.yaml', 'lds.yaml', 'cds.yaml', 'eds_k8s.yaml'],
    }),
    logDir: dir('/var/log/envoy-k8s-proxy', {
      mode: 0o750,
      owner: 'envoy',
      group: 'envoy',
      entries: ['access.log', 'admin.log'],
    }),
  },
  files: {
    unit: { type: 'file', firstLine: HEADER },
    logrotate: { type: 'file', firstLine: HEADER },
    keepalived: { type: 'absent' },
    vipStopHook: { type: 'absent' },
    vipArp: { type: 'absent' },
  },
  user: { exists: true, uid: 999, gid: 997, home: '/nonexistent', shell: '/usr/sbin/nologin' },
  group: { exists: true, gid: 997 },
});

// Rules that span files: the bootstrap's file-based xDS paths, references from listeners to
// clusters and from clusters to EDS files, unique names and binds, and a loopback-only admin.
// Per-file schema problems are validateDocument's job; this assumes nothing about them.
import { isIP } from 'node:net';
import { posix } from 'node:path';
import type { Problem } from '../errors.ts';
import { bindOf, collide, isLoopback, showBind, type Bind } from './addresses.ts';
import { isPlainObject } from './scalars.ts';
import { collectTree, configSourcePath, type Located, type TreeFile } from './tree.ts';
import { checkHealthCheckSockets } from './sockets.ts';

export type { TreeFile } from './tree.ts';
export { configSourcePath } from './tree.ts';

export interface TreeOptions {
  /** Directory the xDS files live in on the host; default: the directory of the LDS path. */
  configDir?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Cross-file problems of a rendered tree (envoy.yaml, lds.yaml, cds.yaml, eds_*.yaml). */
export function validateTree(files: TreeFile[], opts: TreeOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const report = (file: string, path: string, message: string): void => void problems.push({ file, path, message });
  const t = collectTree(files, report);
  const dir = opts.configDir ?? (t.ldsRef ? posix.dirname(t.ldsRef.value) : undefined);

  // A referenced path must be a file of the tree, in the config directory, of the right kind.
  const resolveRef = (ref: Located<string>, kind: 'lds' | 'cds' | 'eds'): TreeFile | undefined => {
    if (dir !== undefined && posix.dirname(ref.value) !== dir.replace(/\/+$/, '')) {
      report(ref.file, ref.path, `${ref.value} is not in the config directory ${dir}`);
    }
    const hit = t.byBase.get(posix.basename(ref.value));
    if (!hit)
      report(ref.file, ref.path, `${ref.value} names ${posix.basename(ref.value)}, which is not in the config tree`);
    else if (t.kinds.get(hit) !== kind)
      report(ref.file, ref.path, `${ref.value} must be a ${kind.toUpperCase()} file, but ${hit.name} is not one`);
    return hit;
  };

  if (t.bootstrap) {
    const b = t.bootstrap.name;
    for (const [kind, ref, label] of [
      ['lds', t.ldsRef, 'lds_config'],
      ['cds', t.cdsRef, 'cds_config'],
    ] as const) {
      if (ref) {
        const target = resolveRef(ref, kind);
        for (const f of t.ofKind(kind))
          if (f !== target) report(f.name, '', `the bootstrap does not load this file (${ref.path} is ${ref.value})`);
      } else if (t.ofKind(kind).length)
        report(
          b,
          `dynamic_resources.${label}`,
          `missing: ${t.ofKind(kind)[0]!.name} is in the tree but the bootstrap does not load it`,
        );
    }
  } else if (files.length) {
    report(files[0]!.name, '', 'no bootstrap (envoy.yaml) in the config tree');
  }

  // Listeners: unique names, unique binds, each tcp_proxy and route cluster defined.
  const clusterNames = new Set(t.clusters.map((c) => c.value.name).filter((n): n is string => typeof n === 'string'));
  unique(
    t.listeners.map((l) => ({ ...l, value: l.value.name })),
    'listener',
    'name',
    report,
  );
  unique(
    t.clusters.map((c) => ({ ...c, value: c.value.name })),
    'cluster',
    'name',
    report,
  );
  for (const ref of [...t.tcpProxyClusters, ...t.routeClusters]) {
    if (!clusterNames.has(ref.value))
      report(ref.file, ref.path, `cluster "${ref.value}" is not defined in cds.yaml or static_resources`);
  }
  for (const l of t.listeners) {
    if (t.kinds.get(t.byName.get(l.file)!) === 'lds' && typeof l.value.name !== 'string')
      report(l.file, `${l.path}.name`, 'is required: LDS listeners are updated by name');
  }

  const binds: Bind[] = t.listeners.flatMap((l) => {
    const main = bindOf(l.value.address, l.file, `${l.path}.address`);
    const extra = Array.isArray(l.value.additional_addresses) ? l.value.additional_addresses : [];
    const more = extra.map((a, i) =>
      bindOf(isPlainObject(a) ? a.address : undefined, l.file, `${l.path}.additional_addresses[${i}].address`),
    );
    return [main, ...more].filter((x): x is Bind => x !== undefined);
  });
  for (const bnd of binds) {
    if (isIP(bnd.address) === 0)
      report(
        bnd.file,
        `${bnd.path}.address`,
        `"${bnd.address}" is not an IP address: Envoy resolves no names for listeners`,
      );
  }
  binds.forEach((a, i) => {
    const clash = binds.slice(0, i).find((b) => collide(a, b));
    if (clash) report(a.file, a.path, `${showBind(a)} collides with ${showBind(clash)} (${clash.file}: ${clash.path})`);
  });

  // Admin: loopback only (anyone who reaches it can drain or stop the proxy), and no bind clash.
  const admin = t.bootstrap && isPlainObject(t.bootstrap.doc) ? t.bootstrap.doc.admin : undefined;
  const adminBind = isPlainObject(admin) ? bindOf(admin.address, t.bootstrap!.name, 'admin.address') : undefined;
  if (adminBind) {
    if (!isLoopback(adminBind.address)) {
      report(
        adminBind.file,
        `${adminBind.path}.address`,
        `admin listens on ${adminBind.address}: bind it to 127.0.0.1 (the admin API has no auth; anyone who reaches it can drain or stop Envoy)`,
      );
    }
    for (const b of binds)
      if (collide(adminBind, b))
        report(b.file, b.path, `${showBind(b)} collides with the admin listener ${showBind(adminBind)}`);
  }

  // EDS: each EDS cluster's file is present and holds that cluster; each eds file is used once.
  const used = new Map<TreeFile, string>();
  for (const c of t.clusters) {
    const name = typeof c.value.name === 'string' ? c.value.name : undefined;
    if (c.value.type !== 'EDS' || !name) continue;
    const ecc = c.value.eds_cluster_config;
    const service = (isPlainObject(ecc) && str(ecc.service_name)) || name;
    const edsPath = configSourcePath(isPlainObject(ecc) ? ecc.eds_config : undefined);
    if (!edsPath) {
      if (!isPlainObject(ecc) || !isPlainObject(ecc.eds_config))
        report(c.file, `${c.path}.eds_cluster_config.eds_config`, 'is required for an EDS cluster');
      continue;
    }
    const f = resolveRef(
      { file: c.file, path: `${c.path}.eds_cluster_config.eds_config.path_config_source.path`, value: edsPath },
      'eds',
    );
    if (!f || t.kinds.get(f) !== 'eds') continue;
    const other = used.get(f);
    if (other)
      report(c.file, `${c.path}.eds_cluster_config`, `${f.name} is already the EDS file of cluster "${other}"`);
    used.set(f, name);
    const names = t.assignments.filter((a) => a.file === f.name).map((a) => a.value.cluster_name);
    if (!names.includes(service)) {
      report(
        f.name,
        'resources',
        `cluster "${name}" reads this file for "${service}", but it holds ${names.length ? names.map((n) => JSON.stringify(n)).join(', ') : 'no ClusterLoadAssignment'}`,
      );
    }
  }
  for (const f of t.ofKind('eds')) if (!used.has(f)) report(f.name, '', 'no EDS cluster in cds.yaml reads this file');
  unique(
    t.assignments.map((a) => ({ ...a, value: a.value.cluster_name })),
    'ClusterLoadAssignment',
    'cluster_name',
    report,
  );

  for (const c of t.clusters) checkHealthCheckSockets(c, report);
  return problems;
}

type Report = (file: string, path: string, message: string) => void;

function unique(items: Located<unknown>[], what: string, key: string, report: Report): void {
  const first = new Map<string, Located<unknown>>();
  for (const it of items) {
    if (typeof it.value !== 'string') continue;
    const prev = first.get(it.value);
    if (prev)
      report(
        it.file,
        `${it.path}.${key}`,
        `${what} "${it.value}" is defined twice (first at ${prev.file}: ${prev.path})`,
      );
    else first.set(it.value, it);
  }
}

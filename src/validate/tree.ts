// Indexes a rendered config tree for the cross-file rules: which file is which, and every
// listener, cluster, ClusterLoadAssignment and tcp_proxy cluster reference with its location.
import { posix } from 'node:path';
import type { DocumentKind } from './documents.ts';
import { isPlainObject } from './scalars.ts';

export interface TreeFile {
  /** File name as reported in problems (envoy.yaml, lds.yaml, eds_<cluster>.yaml, ...). */
  name: string;
  doc: unknown;
}

/** A value and where it sits: file plus key path. */
export interface Located<T> {
  file: string;
  path: string;
  value: T;
}

type Obj = Record<string, unknown>;
type Report = (file: string, path: string, message: string) => void;

export interface Tree {
  bootstrap?: TreeFile;
  kinds: Map<TreeFile, DocumentKind>;
  byName: Map<string, TreeFile>;
  byBase: Map<string, TreeFile>;
  ofKind(kind: DocumentKind): TreeFile[];
  ldsRef?: Located<string>;
  cdsRef?: Located<string>;
  listeners: Located<Obj>[];
  clusters: Located<Obj>[];
  assignments: Located<Obj>[];
  tcpProxyClusters: Located<string>[];
  /** Clusters named by the routes of an HTTP connection manager's inline route_config. */
  routeClusters: Located<string>[];
}

/** The file's kind from its name (envoy.yaml, lds.yaml, cds.yaml, eds_*.yaml; .json too). */
export function kindOfFile(name: string): DocumentKind | undefined {
  const base = posix.basename(name).replace(/\.(ya?ml|json)$/, '');
  if (base === 'lds' || base === 'cds') return base;
  if (base.startsWith('eds_') || base === 'eds') return 'eds';
  if (base === 'envoy' || base === 'bootstrap') return 'bootstrap';
  return undefined;
}

const resourcesOf = (doc: unknown): unknown[] =>
  isPlainObject(doc) && Array.isArray(doc.resources) ? doc.resources : [];
const objects = (list: unknown, file: string, path: string): Located<Obj>[] =>
  (Array.isArray(list) ? list : []).flatMap((v, i) =>
    isPlainObject(v) ? [{ file, path: `${path}[${i}]`, value: v }] : [],
  );

/** Path of a file-based ConfigSource (`path_config_source.path`, or the older `path`). */
export function configSourcePath(cs: unknown): string | undefined {
  if (!isPlainObject(cs)) return undefined;
  const pcs = cs.path_config_source;
  const p = isPlainObject(pcs) ? pcs.path : cs.path;
  return typeof p === 'string' && p !== '' ? p : undefined;
}

const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

function tcpProxyRefs(l: Located<Obj>): Located<string>[] {
  const chains = objects(l.value.filter_chains, l.file, `${l.path}.filter_chains`);
  if (isPlainObject(l.value.default_filter_chain))
    chains.push({ file: l.file, path: `${l.path}.default_filter_chain`, value: l.value.default_filter_chain });
  const out: Located<string>[] = [];
  for (const chain of chains) {
    for (const f of objects(chain.value.filters, l.file, `${chain.path}.filters`)) {
      const tc = f.value.typed_config;
      if (!isPlainObject(tc) || typeof tc['@type'] !== 'string' || !tc['@type'].endsWith(`/${TCP_PROXY}`)) continue;
      const at = `${f.path}.typed_config`;
      if (typeof tc.cluster === 'string') out.push({ file: l.file, path: `${at}.cluster`, value: tc.cluster });
      const wc = tc.weighted_clusters;
      for (const c of objects(
        isPlainObject(wc) ? wc.clusters : undefined,
        l.file,
        `${at}.weighted_clusters.clusters`,
      )) {
        if (typeof c.value.name === 'string') out.push({ file: l.file, path: `${c.path}.name`, value: c.value.name });
      }
    }
  }
  return out;
}

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function routeRefs(l: Located<Obj>): Located<string>[] {
  const out: Located<string>[] = [];
  for (const chain of objects(l.value.filter_chains, l.file, `${l.path}.filter_chains`)) {
    for (const f of objects(chain.value.filters, l.file, `${chain.path}.filters`)) {
      const tc = f.value.typed_config;
      if (!isPlainObject(tc) || typeof tc['@type'] !== 'string' || !tc['@type'].endsWith(`/${HCM}`)) continue;
      const rc = isPlainObject(tc.route_config) ? tc.route_config : {};
      for (const vh of objects(rc.virtual_hosts, l.file, `${f.path}.typed_config.route_config.virtual_hosts`)) {
        for (const r of objects(vh.value.routes, l.file, `${vh.path}.routes`)) {
          const action = r.value.route;
          if (isPlainObject(action) && typeof action.cluster === 'string')
            out.push({ file: l.file, path: `${r.path}.route.cluster`, value: action.cluster });
        }
      }
    }
  }
  return out;
}

export function collectTree(files: TreeFile[], report: Report): Tree {
  const kinds = new Map<TreeFile, DocumentKind>();
  const byName = new Map<string, TreeFile>();
  const byBase = new Map<string, TreeFile>();
  for (const f of files) {
    const kind = kindOfFile(f.name);
    if (kind) kinds.set(f, kind);
    else report(f.name, '', 'not a config file this tool writes (envoy.yaml, lds.yaml, cds.yaml, eds_<cluster>.yaml)');
    if (byBase.has(posix.basename(f.name))) report(f.name, '', 'appears twice in the config tree');
    byName.set(f.name, f);
    byBase.set(posix.basename(f.name), f);
  }
  const ofKind = (k: DocumentKind): TreeFile[] => files.filter((f) => kinds.get(f) === k);
  const boots = ofKind('bootstrap');
  for (const extra of boots.slice(1)) report(extra.name, '', `a second bootstrap (first: ${boots[0]!.name})`);
  const bootstrap = boots[0];
  const tree: Tree = {
    bootstrap,
    kinds,
    byName,
    byBase,
    ofKind,
    listeners: [],
    clusters: [],
    assignments: [],
    tcpProxyClusters: [],
    routeClusters: [],
  };

  if (bootstrap && isPlainObject(bootstrap.doc)) {
    const b = bootstrap.doc;
    const dyn = isPlainObject(b.dynamic_resources) ? b.dynamic_resources : {};
    const lds = configSourcePath(dyn.lds_config);
    const cds = configSourcePath(dyn.cds_config);
    const at = (k: string, cs: unknown): string =>
      `dynamic_resources.${k}.${isPlainObject(cs) && cs.path_config_source ? 'path_config_source.path' : 'path'}`;
    if (lds) tree.ldsRef = { file: bootstrap.name, path: at('lds_config', dyn.lds_config), value: lds };
    if (cds) tree.cdsRef = { file: bootstrap.name, path: at('cds_config', dyn.cds_config), value: cds };
    const st = isPlainObject(b.static_resources) ? b.static_resources : {};
    tree.listeners.push(...objects(st.listeners, bootstrap.name, 'static_resources.listeners'));
    tree.clusters.push(...objects(st.clusters, bootstrap.name, 'static_resources.clusters'));
  }
  for (const f of ofKind('lds')) tree.listeners.push(...objects(resourcesOf(f.doc), f.name, 'resources'));
  for (const f of ofKind('cds')) tree.clusters.push(...objects(resourcesOf(f.doc), f.name, 'resources'));
  for (const f of ofKind('eds')) tree.assignments.push(...objects(resourcesOf(f.doc), f.name, 'resources'));
  tree.tcpProxyClusters = tree.listeners.flatMap(tcpProxyRefs);
  tree.routeClusters = tree.listeners.flatMap(routeRefs);
  return tree;
}

// Cross-file rules: each case edits a copy of the known-good tree and names the problems expected.
import { describe, expect, it } from 'vitest';
import { validateTree, type TreeFile } from '../../../src/validate/index.ts';
import { loadTree } from './helpers.ts';

type Docs = Record<string, any>;
const DIR = '/etc/envoy-k8s-proxy';

function edited(edit: (d: Docs) => void): TreeFile[] {
  const docs: Docs = Object.fromEntries(loadTree('good').map((f) => [f.name, structuredClone(f.doc)]));
  edit(docs);
  return Object.entries(docs)
    .filter(([, doc]) => doc !== undefined)
    .map(([name, doc]) => ({ name, doc }));
}

const lds = (d: Docs) => d['lds.yaml'].resources;
const cds = (d: Docs) => d['cds.yaml'].resources;
const sock = (addr: string, port: number) => ({ socket_address: { address: addr, port_value: port } });

const cases: [string, (d: Docs) => void, string[]][] = [
  [
    'LDS path outside the config directory',
    (d) => {
      d['envoy.yaml'].dynamic_resources.lds_config.path_config_source.path = '/tmp/lds.yaml';
    },
    [
      'envoy.yaml: dynamic_resources.lds_config.path_config_source.path: /tmp/lds.yaml is not in the config directory /etc/envoy-k8s-proxy',
    ],
  ],
  [
    'CDS path naming an absent file',
    (d) => {
      d['envoy.yaml'].dynamic_resources.cds_config.path_config_source.path = `${DIR}/clusters.yaml`;
    },
    [
      `envoy.yaml: dynamic_resources.cds_config.path_config_source.path: ${DIR}/clusters.yaml names clusters.yaml, which is not in the config tree`,
      `cds.yaml: the bootstrap does not load this file (dynamic_resources.cds_config.path_config_source.path is ${DIR}/clusters.yaml)`,
    ],
  ],
  [
    'CDS path naming a file of another kind',
    (d) => {
      d['envoy.yaml'].dynamic_resources.cds_config.path_config_source.path = `${DIR}/lds.yaml`;
    },
    [
      `envoy.yaml: dynamic_resources.cds_config.path_config_source.path: ${DIR}/lds.yaml must be a CDS file, but lds.yaml is not one`,
      `cds.yaml: the bootstrap does not load this file (dynamic_resources.cds_config.path_config_source.path is ${DIR}/lds.yaml)`,
    ],
  ],
  [
    'LDS file present but not loaded',
    (d) => {
      delete d['envoy.yaml'].dynamic_resources.lds_config;
    },
    ['envoy.yaml: dynamic_resources.lds_config: missing: lds.yaml is in the tree but the bootstrap does not load it'],
  ],
  [
    'tcp_proxy cluster not defined',
    (d) => {
      lds(d)[1].filter_chains[0].filters[0].typed_config.cluster = 'kube-apiserver-stage';
    },
    [
      'lds.yaml: resources[1].filter_chains[0].filters[0].typed_config.cluster: cluster "kube-apiserver-stage" is not defined in cds.yaml or static_resources',
    ],
  ],
  [
    'weighted cluster not defined',
    (d) => {
      const tc = lds(d)[0].filter_chains[0].filters[0].typed_config;
      delete tc.cluster;
      tc.weighted_clusters = {
        clusters: [
          { name: 'kube-apiserver-prod', weight: 1 },
          { name: 'ghost', weight: 1 },
        ],
      };
    },
    [
      'lds.yaml: resources[0].filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[1].name: cluster "ghost" is not defined in cds.yaml or static_resources',
    ],
  ],
  [
    'EDS path naming an absent file',
    (d) => {
      cds(d)[1].eds_cluster_config.eds_config.path_config_source.path = `${DIR}/eds_staging.yaml`;
    },
    [
      `cds.yaml: resources[1].eds_cluster_config.eds_config.path_config_source.path: ${DIR}/eds_staging.yaml names eds_staging.yaml, which is not in the config tree`,
      'eds_kube-apiserver-staging.yaml: no EDS cluster in cds.yaml reads this file',
    ],
  ],
  [
    'EDS file holding another cluster',
    (d) => {
      d['eds_kube-apiserver-staging.yaml'].resources[0].cluster_name = 'kube-apiserver-prod';
    },
    [
      'eds_kube-apiserver-staging.yaml: resources: cluster "kube-apiserver-staging" reads this file for "kube-apiserver-staging", but it holds "kube-apiserver-prod"',
      'eds_kube-apiserver-staging.yaml: resources[0].cluster_name: ClusterLoadAssignment "kube-apiserver-prod" is defined twice (first at eds_kube-apiserver-prod.yaml: resources[0])',
    ],
  ],
  [
    'service_name decides which assignment an EDS cluster reads',
    (d) => {
      cds(d)[1].eds_cluster_config.service_name = 'staging';
      d['eds_kube-apiserver-staging.yaml'].resources[0].cluster_name = 'staging';
    },
    [],
  ],
  [
    'EDS cluster without an eds_config',
    (d) => {
      delete cds(d)[1].eds_cluster_config;
    },
    [
      'cds.yaml: resources[1].eds_cluster_config.eds_config: is required for an EDS cluster',
      'eds_kube-apiserver-staging.yaml: no EDS cluster in cds.yaml reads this file',
    ],
  ],
  [
    'two clusters reading one EDS file',
    (d) => {
      cds(d)[1].eds_cluster_config.eds_config.path_config_source.path = `${DIR}/eds_kube-apiserver-prod.yaml`;
    },
    [
      'cds.yaml: resources[1].eds_cluster_config: eds_kube-apiserver-prod.yaml is already the EDS file of cluster "kube-apiserver-prod"',
      'eds_kube-apiserver-prod.yaml: resources: cluster "kube-apiserver-staging" reads this file for "kube-apiserver-staging", but it holds "kube-apiserver-prod"',
      'eds_kube-apiserver-staging.yaml: no EDS cluster in cds.yaml reads this file',
    ],
  ],
  [
    'two listeners on one port',
    (d) => {
      lds(d)[1].address = sock('0.0.0.0', 6443);
    },
    [
      'lds.yaml: resources[1].address.socket_address: 0.0.0.0:6443 collides with 0.0.0.0:6443 (lds.yaml: resources[0].address.socket_address)',
    ],
  ],
  [
    'a specific address under a wildcard on the same port',
    (d) => {
      lds(d)[1].address = sock('10.0.0.5', 6443);
    },
    [
      'lds.yaml: resources[1].address.socket_address: 10.0.0.5:6443 collides with 0.0.0.0:6443 (lds.yaml: resources[0].address.socket_address)',
    ],
  ],
  [
    'IPv6 wildcard does not take an IPv4 port',
    (d) => {
      lds(d)[1].address = sock('::', 6443);
    },
    [],
  ],
  [
    'same port over UDP is another socket',
    (d) => {
      lds(d)[1].address = { socket_address: { address: '0.0.0.0', port_value: 6443, protocol: 'UDP' } };
    },
    [],
  ],
  [
    'a listener on the admin port',
    (d) => {
      lds(d)[1].address = sock('0.0.0.0', 9901);
    },
    ['lds.yaml: resources[1].address.socket_address: 0.0.0.0:9901 collides with the admin listener 127.0.0.1:9901'],
  ],
  [
    'an additional address colliding',
    (d) => {
      lds(d)[1].additional_addresses = [{ address: sock('0.0.0.0', 6443) }];
    },
    [
      'lds.yaml: resources[1].additional_addresses[0].address.socket_address: 0.0.0.0:6443 collides with 0.0.0.0:6443 (lds.yaml: resources[0].address.socket_address)',
    ],
  ],
  [
    'a listener address that is a name',
    (d) => {
      lds(d)[1].address = sock('localhost', 7443);
    },
    [
      'lds.yaml: resources[1].address.socket_address.address: "localhost" is not an IP address: Envoy resolves no names for listeners',
    ],
  ],
  [
    'admin on a routable address',
    (d) => {
      d['envoy.yaml'].admin.address = sock('10.0.0.2', 9901);
    },
    [
      'envoy.yaml: admin.address.socket_address.address: admin listens on 10.0.0.2: bind it to 127.0.0.1 (the admin API has no auth; anyone who reaches it can drain or stop Envoy)',
    ],
  ],
  [
    'admin on IPv6 loopback',
    (d) => {
      d['envoy.yaml'].admin.address = sock('::1', 9901);
    },
    [],
  ],
  [
    'admin on a unix socket',
    (d) => {
      d['envoy.yaml'].admin.address = { pipe: { path: '/run/envoy/admin.sock' } };
    },
    [],
  ],
  [
    'duplicate listener and cluster names',
    (d) => {
      lds(d)[1].name = 'k8s-api-prod';
      cds(d)[1].name = 'kube-apiserver-prod';
    },
    [
      'lds.yaml: resources[1].name: listener "k8s-api-prod" is defined twice (first at lds.yaml: resources[0])',
      'cds.yaml: resources[1].name: cluster "kube-apiserver-prod" is defined twice (first at cds.yaml: resources[0])',
      'lds.yaml: resources[1].filter_chains[0].filters[0].typed_config.cluster: cluster "kube-apiserver-staging" is not defined in cds.yaml or static_resources',
      'eds_kube-apiserver-staging.yaml: resources: cluster "kube-apiserver-prod" reads this file for "kube-apiserver-prod", but it holds "kube-apiserver-staging"',
    ],
  ],
  [
    'an LDS listener without a name',
    (d) => {
      delete lds(d)[1].name;
    },
    ['lds.yaml: resources[1].name: is required: LDS listeners are updated by name'],
  ],
  [
    'health check criteria selecting no transport socket',
    (d) => {
      cds(d)[0].health_checks[0].transport_socket_match_criteria = { health_check: 'mtls' };
    },
    [
      "cds.yaml: resources[0].health_checks[0].transport_socket_match_criteria: selects none of the cluster's transport_socket_matches (1 defined): the health check would use the default transport socket",
    ],
  ],
  [
    'a transport socket match with an empty match',
    (d) => {
      cds(d)[1].transport_socket_matches[0].match = {};
    },
    [
      'cds.yaml: resources[1].transport_socket_matches[0].match: an empty match selects every endpoint: the data path would use this transport socket too',
      "cds.yaml: resources[1].health_checks[0].transport_socket_match_criteria: selects none of the cluster's transport_socket_matches (1 defined): the health check would use the default transport socket",
    ],
  ],
  [
    'no bootstrap',
    (d) => {
      delete d['envoy.yaml'];
    },
    ['cds.yaml: no bootstrap (envoy.yaml) in the config tree'],
  ],
  [
    'a file of unknown kind',
    (d) => {
      d['notes.yaml'] = {};
    },
    ['notes.yaml: not a config file this tool writes (envoy.yaml, lds.yaml, cds.yaml, eds_<cluster>.yaml)'],
  ],
];

describe('validateTree', () => {
  it.each(cases)('%s', (_name, edit, want) => {
    const got = validateTree(edited(edit), { configDir: DIR }).map((p) =>
      p.path ? `${p.file}: ${p.path}: ${p.message}` : `${p.file}: ${p.message}`,
    );
    expect(got.sort()).toEqual([...want].sort());
  });

  it('checks static_resources too (the original config style)', () => {
    const tree = edited((d) => {
      const boot = d['envoy.yaml'];
      delete boot.dynamic_resources;
      boot.static_resources = { listeners: lds(d), clusters: [{ name: 'static-one', type: 'STATIC' }] };
      for (const k of Object.keys(d)) if (k !== 'envoy.yaml') delete d[k];
    });
    const got = validateTree(tree).map((p) => `${p.path}: ${p.message}`);
    expect(got).toEqual([
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster: cluster "kube-apiserver-prod" is not defined in cds.yaml or static_resources',
      'static_resources.listeners[1].filter_chains[0].filters[0].typed_config.cluster: cluster "kube-apiserver-staging" is not defined in cds.yaml or static_resources',
    ]);
  });
});

// The commented starter inventory `init` writes: the clusters and hosts given on the command line,
// or documentation addresses (192.0.2.0/24, routed nowhere) marked as placeholders to replace.
import { stringify } from 'yaml';

export interface StarterCluster {
  name: string;
  endpoints: string[];
}

export interface StarterHost {
  name: string;
  address: string;
}

export interface StarterInput {
  clusters: StarterCluster[];
  hosts: StarterHost[];
  /** Path of schema/inventory.schema.json relative to the inventory, for the YAML language server. */
  schema: string;
}

const PLACEHOLDER_CLUSTERS: StarterCluster[] = [
  { name: 'k8s', endpoints: ['192.0.2.21:6443', '192.0.2.22:6443', '192.0.2.23:6443'] },
];
const PLACEHOLDER_HOSTS: StarterHost[] = [
  { name: 'lb1', address: '192.0.2.11' },
  { name: 'lb2', address: '192.0.2.12' },
];

/** A flow scalar as YAML writes it: quoted only where it has to be. */
const scalar = (v: string | number) => stringify(v).trimEnd();

export function starterInventory(input: StarterInput): string {
  const clusters = input.clusters.length ? input.clusters : PLACEHOLDER_CLUSTERS;
  const hosts = input.hosts.length ? input.hosts : PLACEHOLDER_HOSTS;
  const mark = (given: unknown[]) => (given.length ? '' : '   # placeholder: replace');
  const lines = [
    `# yaml-language-server: $schema=${input.schema}`,
    '#',
    '# Written by `envoy-k8s-proxy init`. Check it with `envoy-k8s-proxy validate --hosts <this file>`,',
    '# look at what each host gets with `render --out DIR`, then `plan` and `deploy`.',
    '# Every key not written here has a default; README.md ("The inventory") lists them all.',
    '',
    '# One listener per cluster: clients reach https://<load balancer>:<listenPort>, TLS passes through.',
    '# Endpoints are the API servers, IP:port (Envoy does not resolve names here).',
    'clusters:',
    ...clusters.flatMap((c, i) => [
      `  - name: ${scalar(c.name)}${mark(input.clusters)}`,
      `    listenPort: ${6443 + i}`,
      '    endpoints:',
      ...c.endpoints.map((e) => `      - ${scalar(e)}`),
    ]),
    '',
    '# The load-balancer hosts Envoy is deployed to, reached over SSH.',
    'hosts:',
    ...hosts.flatMap((h) => [`  - name: ${scalar(h.name)}${mark(input.hosts)}`, `    address: ${scalar(h.address)}`]),
    '',
    '# How to reach the hosts (each host may override any key under its own `ssh:`).',
    '# ssh:',
    '#   user: root',
    '#   become: false            # true: sudo -n for a non-root user',
    '#   hostKeyChecking: strict  # or accept-new',
    '#   proxyJump: ops@bastion.example:22',
    '',
    '# The Envoy release; its sha256 comes from the release lockfile (`download` fills it).',
    '# envoy:',
    '#   version: 1.35.0',
    '',
    '# Health checks and balancing for every cluster unless it sets its own.',
    '# defaults:',
    '#   lbPolicy: ROUND_ROBIN',
    '#   healthCheck: {type: readyz}   # or {type: tcp} where anonymous auth is off',
    '',
    '# Restarts go one host at a time, each gated on healthy upstreams.',
    '# rolling: {serial: 1, drain: 5s, healthTimeout: 60s, minHealthyEndpoints: 1}',
    '',
    '# Prometheus scrapes http://<host address>:9902/stats/prometheus (only that path is served).',
    '# metrics: {enabled: true, port: 9902}',
    '',
  ];
  return lines.join('\n');
}

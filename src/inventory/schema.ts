// The zod schema of hosts/<name>.yaml as written: every key camelCase, optional unless the
// tool cannot guess it, no transforms (so it exports to JSON Schema for editors). Messages are
// "expected ..." phrases; issues.ts appends what was found and where.
import { z } from 'zod';
import {
  CLUSTER_NAME,
  HEALTH_PATH,
  HOST_NAME,
  HTTP_URL,
  CIDR,
  IFACE_NAME,
  PERCENT,
  SEMVER,
  SHA256,
  isCidr,
  isDnsName,
  isIpAddress,
  isLoopback,
  isProxyJump,
  parseHostPort,
} from './formats.ts';

import {
  msg,
  str,
  pattern,
  checked,
  int,
  port,
  positive,
  duration,
  positiveDuration,
  wholeSeconds,
  ipAddress,
  hostAddress,
  remotePath,
  localPath,
  unixName,
} from './schema-parts.ts';

export const LB_POLICIES = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'off'] as const;

export const healthCheckSchema = z.strictObject({
  type: z
    .enum(['readyz', 'tcp'])
    .optional()
    .describe('readyz: HTTPS GET path over TLS (health checker only); tcp: connect only'),
  path: pattern(HEALTH_PATH, 'expected an HTTP path such as /readyz').optional(),
  interval: positiveDuration().optional(),
  timeout: positiveDuration().optional(),
  healthyThreshold: positive().optional(),
  unhealthyThreshold: positive().optional(),
  sni: checked(isDnsName, 'expected a DNS name for TLS SNI, such as kubernetes').optional(),
});

export const outlierDetectionSchema = z.strictObject({
  enabled: z.boolean(msg('expected true or false')).optional(),
  consecutiveLocalOriginFailure: positive().optional(),
  interval: positiveDuration().optional(),
  baseEjectionTime: positiveDuration().optional(),
  maxEjectionPercent: int(0, 100, 'expected a percentage (an integer from 0 to 100)').optional(),
});

export const tcpKeepaliveSchema = z.strictObject({
  probes: positive().optional(),
  time: wholeSeconds().optional(),
  interval: wholeSeconds().optional(),
});

/** What `defaults:` may set, and every cluster may override. */
const clusterSettings = {
  listenAddress: ipAddress().optional().describe('Address the listener binds; a host may override it'),
  lbPolicy: z.enum(LB_POLICIES).optional(),
  healthCheck: healthCheckSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  connectTimeout: positiveDuration().optional(),
  tcpKeepalive: tcpKeepaliveSchema.optional(),
  idleTimeout: duration()
    .optional()
    .describe('tcp_proxy idle timeout; 0s disables it (kubectl watch and logs -f are long-lived)'),
  maxConnectAttempts: positive().optional(),
  maxConnections: positive().optional(),
  panicThreshold: z
    .number(msg('expected a percentage from 0 to 100'))
    .min(0, msg('expected a percentage from 0 to 100'))
    .max(100, msg('expected a percentage from 0 to 100'))
    .optional()
    .describe('below this share of healthy endpoints Envoy balances over all of them (fail open); 0 turns that off'),
  bufferLimitBytes: int(1024, 2 ** 32 - 1, 'expected a byte count from 1024 to 4294967295')
    .optional()
    .describe('read/write buffer limit per connection, on the listener and the cluster side'),
};

export const defaultsSchema = z.strictObject(clusterSettings);

// Envoy never resolves names in EDS endpoints (it rejects the whole update), so only IPs pass here.
const endpoint = checked((v) => {
  const hp = parseHostPort(v);
  return hp !== undefined && isIpAddress(hp.host);
}, 'expected IP:port (e.g. 10.0.0.1:6443 or [fd00::1]:6443; Envoy does not resolve names in EDS)');

export const clusterSchema = z.strictObject({
  name: pattern(CLUSTER_NAME, 'expected a cluster name of letters, digits, "_" and "-" (at most 60 characters)'),
  listenPort: port(),
  endpoints: z
    .array(endpoint, msg('expected a list of host:port endpoints'))
    .min(1, msg('expected at least one endpoint (host:port)')),
  ...clusterSettings,
});

export const sshSchema = z.strictObject({
  user: unixName('user').optional(),
  port: port().optional(),
  identityFile: localPath().optional().describe('~ expands to the home directory'),
  knownHosts: localPath().optional(),
  hostKeyChecking: z.enum(['strict', 'accept-new']).optional(),
  become: z.boolean(msg('expected true or false')).optional().describe('sudo -n for a non-root user'),
  connectTimeout: positiveDuration().optional(),
  commandTimeout: positiveDuration()
    .optional()
    .describe('deadline of each remote command and SFTP transfer; downloads and waits have their own'),
  proxyJump: checked(isProxyJump, 'expected [user@]host[:port]').optional(),
});

const hardening = () =>
  z
    .enum(['auto', 'full', 'container'])
    .optional()
    .describe(
      "The unit's sandbox: full, the reduced set container hosts support, or auto: container when the host is one",
    );

export const hostSchema = z.strictObject({
  name: pattern(
    HOST_NAME,
    'expected a host name of letters, digits, "_", "." and "-" (at most 63 characters, starting with a letter or digit)',
  ),
  address: hostAddress().optional().describe('IP or DNS name to connect to; defaults to name'),
  listenAddress: ipAddress().optional().describe("Overrides every cluster's listenAddress on this host"),
  ssh: sshSchema.optional(),
  hardening: hardening(),
  vipPriority: int(1, 254, 'expected a VRRP priority (an integer from 1 to 254)')
    .optional()
    .describe("This host's VRRP priority for the VIP (default 100); the highest ready host takes it first"),
});

export const envoySchema = z.strictObject({
  version: z
    .string(msg('expected a version such as 1.35.0 (write 3 parts; YAML reads 1.35 as a number)'))
    .refine((v) => !/^v\d/i.test(v), msg('expected a version such as 1.35.0, without the leading "v"'))
    .regex(SEMVER, msg('expected an exact release version of three numbers such as 1.35.0'))
    .optional(),
  sha256: z
    .strictObject({
      x86_64: pattern(SHA256, 'expected a sha256 of 64 lowercase hex digits').optional(),
      aarch_64: pattern(SHA256, 'expected a sha256 of 64 lowercase hex digits').optional(),
    })
    .optional(),
  mirror: checked((v) => URL.canParse(v), 'expected an http(s) URL', HTTP_URL).optional(),
  insecureMirror: z
    .boolean(msg('expected true or false'))
    .optional()
    .describe('Allow an http:// mirror (no TLS): only on a network you trust, e.g. a lab'),
  fetch: z.enum(['control', 'host']).optional(),
  localFile: localPath().optional().describe("Relative to the inventory file's directory"),
  logLevel: z.enum(LOG_LEVELS).optional(),
  concurrency: positive().optional(),
});

export const adminSchema = z.strictObject({
  address: checked(
    isLoopback,
    'expected a loopback address (127.0.0.0/8 or ::1), found {found}: the admin interface has no authentication and can drain or stop Envoy',
  ).optional(),
  port: port().optional(),
});

const SERIAL = 'expected a positive integer or a percentage such as "25%"';
const serialStep = z.union([positive(SERIAL.slice('expected '.length)), pattern(PERCENT, SERIAL)], msg(SERIAL));
const SERIAL_LIST = `${SERIAL}, or a list of them such as [1, "100%"]`;
const serial = z.union([serialStep, z.array(serialStep, msg(SERIAL_LIST)).min(1, SERIAL_LIST)], msg(SERIAL_LIST));

export const rollingSchema = z.strictObject({
  serial: serial
    .optional()
    .describe(
      'Hosts updated at once: a count, a percentage such as "25%", or a list of them for the batches in order, the last repeated ([1, "100%"]: a canary, then the rest)',
    ),
  drain: duration().optional(),
  healthTimeout: positiveDuration().optional(),
  minHealthyEndpoints: int(0, Number.MAX_SAFE_INTEGER, 'expected an integer >= 0').optional(),
  maxFailPercent: int(0, 100, 'expected a percentage (an integer from 0 to 100)').optional(),
  soak: duration().optional().describe('How long a deployed host must stay healthy before the next batch'),
  maxConnectFailures: int(0, Number.MAX_SAFE_INTEGER, 'expected an integer >= 0')
    .optional()
    .describe('New upstream connect failures a deployed host may show during the soak'),
  hotRestart: z
    .union([z.boolean(), z.literal('auto')], msg('expected true, false or "auto"'))
    .optional()
    .describe("Restart through Envoy's hot restart (listening sockets kept); auto: on single-host fleets"),
});

export const accessLogSchema = z.strictObject({
  enabled: z.boolean(msg('expected true or false')).optional(),
  path: remotePath().optional(),
});

export const metricsSchema = z.strictObject({
  enabled: z.boolean(msg('expected true or false')).optional(),
  port: port().optional(),
  address: ipAddress().optional().describe("Address the metrics listener binds; default: each host's own address"),
});

const VIP_ADDRESS = 'expected an address with its prefix length, such as 10.0.0.100/24 or fd00::100/64';
// keepalived's auth_pass: up to 8 printable characters, written into keepalived.conf unquoted
const VIP_AUTH = /^[A-Za-z0-9_.+=,@:~-]{1,8}$/;

export const vipSchema = z.strictObject({
  address: checked(isCidr, VIP_ADDRESS, CIDR).describe("The virtual IP with the prefix length of the hosts' subnet"),
  interface: pattern(IFACE_NAME, 'expected a network interface name such as eth0')
    .optional()
    .describe("Default: the interface that carries each host's own address"),
  routerId: int(1, 255, 'expected a VRRP virtual router id (an integer from 1 to 255)')
    .optional()
    .describe('Unique per VRRP group on the subnet (default 51)'),
  advertInterval: positiveDuration()
    .optional()
    .describe('VRRP advertisement interval (default 200ms: a dead holder is replaced within ~1 s)'),
  auth: pattern(VIP_AUTH, 'expected a VRRP password of 1 to 8 letters, digits or _.+=,@:~-')
    .optional()
    .describe('VRRPv2 simple password; needs a whole-second advertInterval (VRRPv3 has no authentication)'),
  peers: z
    .array(ipAddress(), msg('expected a list of IP addresses'))
    .min(1, msg('expected at least one peer address'))
    .optional()
    .describe("Unicast VRRP peers; default: the other hosts' addresses"),
  preempt: z
    .boolean(msg('expected true or false'))
    .optional()
    .describe('true: a higher-priority host takes the VIP back when it returns (default false: no flapping)'),
  textfileDir: remotePath()
    .optional()
    .describe(
      "node_exporter's textfile-collector directory, where keepalived writes envoy_k8s_proxy_vip.prom (default /var/lib/prometheus/node-exporter)",
    ),
});

export const healthListenerSchema = z.strictObject({
  enabled: z.boolean(msg('expected true or false')).optional(),
  port: port().optional(),
  address: ipAddress().optional().describe("Address the health listener binds; default: each host's own address"),
});

export const peerFetchSchema = z.strictObject({
  enabled: z
    .boolean(msg('expected true or false'))
    .optional()
    .describe(
      'fetch: control with 2 hosts or more: upload the release to one host per subnet, which serves it to the others',
    ),
  port: port()
    .optional()
    .describe("Port of the seed's temporary HTTP server, on its own address, for the length of the run (default 9904)"),
});

export const pathsSchema = z.strictObject({
  installDir: remotePath().optional(),
  configDir: remotePath().optional(),
  logDir: remotePath().optional(),
  user: unixName('user').optional(),
  group: unixName('group').optional(),
});

export const inventorySchema = z
  .strictObject({
    extends: str('expected the path of the base inventory, relative to this file (e.g. base.yaml)')
      .optional()
      .describe('A base inventory this one overrides: mappings merge, clusters and hosts merge by name'),
    envoy: envoySchema.optional(),
    admin: adminSchema.optional(),
    ssh: sshSchema.optional(),
    defaults: defaultsSchema.optional().describe('Cluster settings, overridden per cluster (nested objects merge)'),
    clusters: z.array(clusterSchema, msg('expected a list of clusters')).min(1, msg('expected at least one cluster')),
    hosts: z.array(hostSchema, msg('expected a list of hosts')).min(1, msg('expected at least one host')),
    rolling: rollingSchema.optional(),
    accessLog: accessLogSchema.optional(),
    metrics: metricsSchema
      .optional()
      .describe('A listener per host answering only GET /stats/prometheus (Prometheus scrapes it)'),
    healthListener: healthListenerSchema
      .optional()
      .describe(
        'A listener per host answering GET /healthz: 200 when ready, 503 after POST /healthcheck/fail (keepalived, a cloud NLB or an F5 polls it)',
      ),
    peerFetch: peerFetchSchema
      .optional()
      .describe('Upload the release once per subnet; the hosts fetch it from that seed and verify its sha256'),
    paths: pathsSchema.optional(),
    hardening: hardening(),
    vip: vipSchema
      .optional()
      .describe('A virtual IP moved by keepalived (VRRP) to a host whose Envoy is ready; off unless set'),
  })
  .describe('envoy-k8s-proxy inventory: hosts/<name>.yaml');

export type RawInventory = z.infer<typeof inventorySchema>;
export type RawCluster = z.infer<typeof clusterSchema>;
export type RawDefaults = z.infer<typeof defaultsSchema>;
export type RawSsh = z.infer<typeof sshSchema>;

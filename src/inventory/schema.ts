// The zod schema of hosts/<name>.yaml as written: every key camelCase, optional unless the
// tool cannot guess it, no transforms (so it exports to JSON Schema for editors). Messages are
// "expected ..." phrases; issues.ts appends what was found and where.
import { z } from 'zod';
import {
  CLUSTER_NAME,
  DURATION,
  HEALTH_PATH,
  HOST_NAME,
  HTTP_URL,
  PERCENT,
  SAFE_PATH,
  SEMVER,
  SHA256,
  UNIX_NAME,
  isDnsName,
  isHostAddress,
  isIpAddress,
  isLocalPath,
  isLoopback,
  isProxyJump,
  isSafeAbsolutePath,
  parseDuration,
  parseHostPort,
} from './formats.ts';

const msg = (error: string) => ({ error });

const str = (expected: string) => z.string(msg(expected));
const pattern = (re: RegExp, expected: string) => str(expected).regex(re, msg(expected));
const checked = (test: (v: string) => boolean, expected: string, re?: RegExp) =>
  (re ? pattern(re, expected) : str(expected)).refine(test, msg(expected));
const int = (min: number, max: number, expected: string) =>
  z.int(msg(expected)).min(min, msg(expected)).max(max, msg(expected));

const PORT = 'expected a port number (an integer from 1 to 65535)';
const port = () => int(1, 65535, PORT);
const positive = (what = 'a positive integer') => int(1, Number.MAX_SAFE_INTEGER, `expected ${what}`);

const DURATION_HINT = 'expected a duration such as 250ms, 5s, 1m30s or 2h';
// YAML reads `interval: 5` as a number: seconds or milliseconds? Refuse to guess.
const duration = () =>
  z.string(msg(`${DURATION_HINT} (a bare number is ambiguous)`)).regex(DURATION, msg(DURATION_HINT));
const above0 = (v: string) => (parseDuration(v) ?? 0) > 0;
const positiveDuration = () =>
  duration().refine(above0, msg(DURATION_HINT.replace('a duration', 'a duration above zero')));
const wholeSeconds = () =>
  duration().refine(
    (v) => above0(v) && parseDuration(v)! % 1000 === 0,
    msg('expected a whole number of seconds above zero, such as 30s or 1m'),
  );

const ipAddress = () => checked(isIpAddress, 'expected an IP address (e.g. 0.0.0.0, 10.0.0.11 or ::)');
const hostAddress = () => checked(isHostAddress, 'expected an IP address or a DNS name (letters, digits, "-" and ".")');
const remotePath = () =>
  checked(
    isSafeAbsolutePath,
    'expected an absolute path without ".." segments, spaces or shell metacharacters',
    SAFE_PATH,
  );
const localPath = () =>
  checked(isLocalPath, 'expected a path without spaces, quotes or shell metacharacters (~ only as ~/...)', SAFE_PATH);
const unixName = (what: string) =>
  pattern(UNIX_NAME, `expected a ${what} name (lowercase letters, digits, "_" and "-", at most 32 characters)`);

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
const serial = z.union([positive(SERIAL.slice('expected '.length)), pattern(PERCENT, SERIAL)], msg(SERIAL));

export const rollingSchema = z.strictObject({
  serial: serial.optional().describe('Hosts updated at once: a count or a percentage such as "25%"'),
  drain: duration().optional(),
  healthTimeout: positiveDuration().optional(),
  minHealthyEndpoints: int(0, Number.MAX_SAFE_INTEGER, 'expected an integer >= 0').optional(),
  maxFailPercent: int(0, 100, 'expected a percentage (an integer from 0 to 100)').optional(),
  soak: duration().optional().describe('How long a deployed host must stay healthy before the next batch'),
  maxConnectFailures: int(0, Number.MAX_SAFE_INTEGER, 'expected an integer >= 0')
    .optional()
    .describe('New upstream connect failures a deployed host may show during the soak'),
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
    paths: pathsSchema.optional(),
    hardening: hardening(),
  })
  .describe('envoy-k8s-proxy inventory: hosts/<name>.yaml');

export type RawInventory = z.infer<typeof inventorySchema>;
export type RawCluster = z.infer<typeof clusterSchema>;
export type RawDefaults = z.infer<typeof defaultsSchema>;
export type RawSsh = z.infer<typeof sshSchema>;

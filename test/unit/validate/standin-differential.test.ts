// Differential test: the project's strict checker and the lab's Envoy stand-in (`--mode
// validate`, as the lab publishes it) must agree on every case of fixtures/negative.yaml, each
// embedded into an otherwise valid bootstrap at the place Envoy's protos put that message type.
// Both reject every negative case, both accept every positive one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateMessage } from '../../../src/validate/index.ts';
import { PYTHON, buildStandin } from '../../lab/standin-build.ts';
import { loadYaml } from './helpers.ts';

interface Case {
  name: string;
  type?: string;
  kind?: string;
  deprecated?: string;
  doc: unknown;
  expect: unknown[];
}
type Obj = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'ekp-differential-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STANDIN = buildStandin(join(dir, 'envoy'), '1.35.0');
const PY = PYTHON;

const sa = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });
const base = (extra: Obj = {}): Obj => ({ admin: { address: sa(19901) }, ...extra });
const clusters = (...cs: Obj[]): Obj => base({ static_resources: { clusters: cs } });
const hc = (check: Obj): Obj => ({
  timeout: '1s',
  interval: '5s',
  unhealthy_threshold: 3,
  healthy_threshold: 1,
  ...check,
});
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** Where each message type of the table lives in a bootstrap. */
const EMBED: Record<string, (doc: any) => unknown> = {
  'envoy.config.bootstrap.v3.Bootstrap': (d) => d,
  bootstrap: (d) => d,
  'envoy.config.cluster.v3.Cluster': (d) => clusters(d),
  'envoy.config.core.v3.SocketAddress': (d) => base({ admin: { address: { socket_address: d } } }),
  'envoy.config.core.v3.HealthCheck': (d) => clusters({ name: 'c', health_checks: [d] }),
  'envoy.config.core.v3.HealthCheck.HttpHealthCheck': (d) =>
    clusters({ name: 'c', health_checks: [hc({ http_health_check: d })] }),
  'envoy.config.core.v3.HeaderValue': (d) =>
    clusters({
      name: 'c',
      health_checks: [hc({ http_health_check: { path: '/readyz', request_headers_to_add: [{ header: d }] } })],
    }),
  'envoy.config.core.v3.TransportSocket': (d) => clusters({ name: 'c', transport_socket: d }),
  'envoy.config.core.v3.Metadata': (d) => clusters({ name: 'c', metadata: d }),
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': (d) =>
    base({
      static_resources: {
        listeners: [
          {
            name: 'l',
            address: sa(19902),
            filter_chains: [
              { filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, ...d } }] },
            ],
          },
        ],
      },
    }),
  // An EDS file's ClusterLoadAssignment is a static cluster's load_assignment (no Any there).
  eds: (d) =>
    clusters({
      name: 'c',
      load_assignment: Object.fromEntries(Object.entries(d.resources[0]).filter(([k]) => k !== '@type')),
    }),
};

/** Cases with no place in a bootstrap, or where the project's checker is deliberately stricter. */
function skipReason(c: Case): string | undefined {
  const where = c.type ?? c.kind!;
  const text = JSON.stringify(c.expect);
  if (c.expect.length && c.expect.every((e) => JSON.stringify(e).includes('deprecated')))
    return 'deprecation: Envoy warns, the checker refuses';
  if (c.deprecated === 'ignore') return 'deprecation switch of the checker';
  if (c.doc === null)
    return 'an empty file: the checker refuses it on purpose; what Envoy does with one is not settled here';
  if (!EMBED[where]) return `${where} sits only inside typed configs this bootstrap does not use`;
  if (where === 'eds' && !text.includes('port_value')) return 'file-level rule of an xDS file';
  return undefined;
}

const all = loadYaml('negative.yaml') as Case[];
const cases = all.filter((c) => !skipReason(c));

function standinValidate(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(PY, [STANDIN, '--mode', 'validate', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += String(d)));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('strict checker and stand-in agree on the negative cases (embedded in a bootstrap)', () => {
  it('covers most of the table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(all.length - 12);
  });

  it.concurrent.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_n, c, i) => {
    const bootstrap = EMBED[c.type ?? c.kind!]!(c.doc);
    const problems = validateMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap, { file: 'b.json' });
    const file = join(dir, `case-${i}.json`);
    // JSON, not YAML: some cases hold control characters that YAML itself refuses
    writeFileSync(file, JSON.stringify(bootstrap));
    const r = await standinValidate(file);
    if (c.expect.length) {
      expect(problems.length, 'the checker rejects it').toBeGreaterThan(0);
      expect(r.code, `the stand-in rejects it:\n${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/\[critical\]\[main\].*error initializing configuration/);
    } else {
      expect(problems, 'the checker accepts it').toEqual([]);
      expect(r.code, `the stand-in accepts it:\n${r.stderr}`).toBe(0);
    }
  });
});

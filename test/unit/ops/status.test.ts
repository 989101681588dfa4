// status: parsing captured probe output, judging a host, drift, and the table.
import { describe, expect, it } from 'vitest';
import { host as hostSpec, prodInventory } from '../render/fixtures.ts';
import { factScript, parseFactOutput, sha256 } from '../../../src/facts/gather.ts';
import {
  answer,
  parseEnvoyVersion,
  parseHashes,
  parseListeners,
  parseServerInfo,
  statusProbes,
} from '../../../src/ops/status-probe.ts';
import { parseUnitShow as parseUnit } from '../../../src/facts/system.ts';
import { assess, compareFiles, expectedFiles, type Observed } from '../../../src/ops/status.ts';
import { formatStatus, formatUptime, shortTime } from '../../../src/output/status-table.ts';
import { statusExitCode } from '../../../src/commands/status.ts';
import { parseClusters } from '../../../src/ops/admin.ts';

const inv = prodInventory();
inv.hosts.push(hostSpec('lb2', '192.168.1.12'));
const host = inv.hosts[0]!;

const UNIT_SHOW = `LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
StateChangeTimestamp=Wed 2026-11-25 12:48:04 UTC
ExecMainStartTimestamp=Wed 2026-11-25 12:48:04 UTC
NRestarts=2
MainPID=230`;

function observed(over: Partial<Observed> = {}): Observed {
  const clusters = inv.clusters
    .flatMap((c) => c.endpoints.map((e) => `${c.name}::${e.host}:${e.port}::health_flags::healthy`))
    .join('\n');
  const expected = expectedFiles(inv, host, 'full');
  return {
    unit: parseUnit(UNIT_SHOW),
    binary: inv.envoy.version,
    serverInfo: { status: 200, value: { version: inv.envoy.version, state: 'LIVE', uptimeS: 125 } },
    ready: { status: 200, value: 'LIVE' },
    listeners: { status: 200, value: inv.clusters.map((c) => `listener_${c.name}`) },
    clusters: { status: 200, value: parseClusters(clusters) },
    drift: compareFiles(expected, new Map([...expected].map(([p, f]) => [p, f.sha256]))),
    ...over,
  };
}

describe('status probes', () => {
  it('parse systemctl show, versions, server_info, listeners and hashes', () => {
    expect(parseUnit(UNIT_SHOW)).toMatchObject({
      activeState: 'active',
      nRestarts: 2,
      mainPid: 230,
      stateChangeTimestamp: 'Wed 2026-11-25 12:48:04 UTC',
    });
    // status --json keeps its documented unit fields (docs/operations.md)
    expect(assess(inv, host, observed()).unit).toEqual({
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      unitFileState: 'enabled',
      since: 'Wed 2026-11-25 12:48:04 UTC',
      startedAt: 'Wed 2026-11-25 12:48:04 UTC',
      nRestarts: 2,
      mainPid: 230,
    });
    expect(
      parseEnvoyVersion('envoy  version: 84305a6cb64bd55aaf606bdd53de7cd6080427a1/1.35.0/Clean/RELEASE/BoringSSL'),
    ).toBe('1.35.0');
    expect(parseEnvoyVersion('sh: envoy: not found')).toBeNull();
    expect(
      parseServerInfo(
        '{"version":"84305a6cb64bd55aaf606bdd53de7cd6080427a1/1.35.0/Clean/RELEASE/BoringSSL","state":"LIVE","uptime_current_epoch":"3600s"}',
      ),
    ).toEqual({ version: '1.35.0', state: 'LIVE', uptimeS: 3600 });
    expect(parseServerInfo('not json')).toBeNull();
    expect(parseListeners('{"listener_statuses":[{"name":"a"},{"name":"b"}]}')).toEqual(['a', 'b']);
    const h = 'a'.repeat(64);
    expect(parseHashes(`${h}  /etc/x/envoy.yaml\n- /etc/x/lds.yaml\n`)).toEqual(
      new Map([
        ['/etc/x/envoy.yaml', h],
        ['/etc/x/lds.yaml', null],
      ]),
    );
  });

  it('frame every probe in one script and read each admin answer with its status code', () => {
    const p = statusProbes(inv, ['/etc/envoy-k8s-proxy/envoy.yaml']);
    const specs = [p.admin];
    // one curl for the four admin paths
    expect(factScript(specs).match(/curl /g)).toHaveLength(1);
    expect(factScript(specs)).toContain(
      "http://127.0.0.1:10000/server_info http://127.0.0.1:10000/ready 'http://127.0.0.1:10000/listeners?format=json'",
    );
    const refused =
      'curl: (7) Failed to connect to 127.0.0.1 port 10000 after 0 ms: Connection refused\n\n@@ekp-admin 000\n';
    const out = `\n@@ekp-fact 0\n${refused}DRAINING\n\n@@ekp-admin 503\n{}\n@@ekp-admin 200\n${refused}\n@@ekp-fact-rc 7\n`;
    const v = parseFactOutput(specs, out).get(p.admin.key) as ReturnType<typeof p.admin.parse>;
    expect(answer(v.serverInfo, parseServerInfo)).toEqual({ status: 0, value: null });
    expect(v.serverInfo.error).toBe('Failed to connect to 127.0.0.1 port 10000 after 0 ms: Connection refused');
    expect(answer(v.ready, (b) => b.trim(), true)).toEqual({ status: 503, value: 'DRAINING' });
    expect(answer(v.ready, (b) => b.trim())).toEqual({ status: 503, value: null });
    expect(v.listeners).toEqual({ status: 200, body: '{}' });
    expect(v.clusters).toMatchObject({ status: 0, body: '', exit: 7 });
  });
});

describe('assess', () => {
  it('a serving, in-sync host is healthy', () => {
    const s = assess(inv, host, observed());
    expect(s.health).toBe('healthy');
    expect(s.problems).toEqual([]);
  });

  it('the metrics listener does not count as a proxying listener', () => {
    const names = ['metrics', ...inv.clusters.slice(1).map((c) => `listener_${c.name}`)];
    const s = assess(inv, host, observed({ listeners: { status: 200, value: names } }));
    expect(s.listeners).toEqual({ up: inv.clusters.length - 1, expected: inv.clusters.length });
    expect(s.health).toBe('degraded');
  });

  it('an inactive unit is down; draining or too few healthy endpoints is degraded/down', () => {
    expect(
      assess(
        inv,
        host,
        observed({
          unit: parseUnit(
            UNIT_SHOW.replace('ActiveState=active', 'ActiveState=inactive').replace(
              'SubState=running',
              'SubState=dead',
            ),
          ),
        }),
      ),
    ).toMatchObject({ health: 'down', problems: ['unit inactive (dead)'] });
    expect(assess(inv, host, observed({ ready: { status: 503, value: 'DRAINING' } })).problems).toEqual([
      'admin /ready: DRAINING',
    ]);
    const c = inv.clusters[0]!;
    const sick = parseClusters(
      c.endpoints.map((e) => `${c.name}::${e.host}:${e.port}::health_flags::/failed_active_hc`).join('\n'),
    );
    const s = assess(inv, host, observed({ clusters: { status: 200, value: sick } }));
    expect(s.health).toBe('degraded');
    expect(s.problems[0]).toBe(
      `${c.name}: ALL ${c.endpoints.length} endpoints unhealthy: panic mode, traffic to all (fail open)`,
    );
    // with panic mode turned off (panicThreshold: 0) nothing flows: the plain count says so
    const strict = { ...inv, clusters: inv.clusters.map((x, i) => (i === 0 ? { ...x, panicThresholdPercent: 0 } : x)) };
    expect(assess(strict, host, observed({ clusters: { status: 200, value: sick } })).problems[0]).toMatch(
      new RegExp(`^${c.name}: 0/${c.endpoints.length} endpoints healthy`),
    );
    // one healthy of several: no panic, the count
    const one = parseClusters(
      c.endpoints
        .map((e, i) => `${c.name}::${e.host}:${e.port}::health_flags::${i === 0 ? 'healthy' : '/failed_active_hc'}`)
        .join('\n'),
    );
    const p = assess(inv, host, observed({ clusters: { status: 200, value: one } })).problems;
    expect(p.filter((x) => x.startsWith(`${c.name}:`)).join()).not.toMatch(/panic/);
  });

  it('drift names the files that differ and the ones missing', () => {
    const expected = expectedFiles(inv, host, 'full');
    const actual = new Map([...expected].map(([p, f]) => [p, f.sha256] as [string, string | null]));
    const [first, second] = [...expected.keys()];
    actual.set(first!, sha256('edited'));
    actual.set(second!, null);
    const d = compareFiles(expected, actual);
    expect(d).toEqual({ state: 'drifted', drifted: ['envoy.yaml'], missing: ['lds.yaml'] });
    expect(compareFiles(expected, new Map()).state).toBe('missing');
    expect(assess(inv, host, observed({ drift: d })).problems).toEqual(['config drift: envoy.yaml, lds.yaml missing']);
  });

  it('exit codes: degraded or down beats unreachable', () => {
    const ok = assess(inv, host, observed());
    const down = { ...ok, health: 'down' as const };
    const gone = { ...ok, health: 'unreachable' as const };
    expect(statusExitCode([ok])).toBe(0);
    expect(statusExitCode([ok, gone])).toBe(3);
    expect(statusExitCode([down, gone])).toBe(1);
  });
});

describe('status table', () => {
  it('one row per host, one column per cluster, problems below', () => {
    const now = new Date('2026-11-25T13:00:00Z');
    const ok = assess(inv, host, observed());
    const sick = { ...assess(inv, inv.hosts[1]!, observed({ ready: { status: 503, value: 'DRAINING' } })) };
    const text = formatStatus(
      [
        ok,
        sick,
        { host: 'lb9', address: '10.0.0.9', health: 'unreachable', problems: ['timed out'], error: 'timed out' },
      ],
      inv.clusters.map((c) => c.name),
      { color: false },
      now,
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^HOST +HEALTH +UNIT +VERSION +UPTIME +LISTENERS +\S+ +\S+ +CONFIG +LAST START$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${host.name} +healthy +active since 12:48:04 +1\\.35\\.0 +2m05s +2/2 .* in sync +12:48:04, 2 auto-restarts$`,
      ),
    );
    expect(lines[3]).toMatch(/^lb9 +unreachable +- +- /);
    expect(text).toContain('lb9: timed out');
    expect(text).toContain(`${inv.hosts[1]!.name}: admin /ready: DRAINING`);
    expect(lines.at(-1)).toBe('3 hosts: 1 healthy, 1 degraded, 0 down, 1 unreachable'); // draining still accepts
  });

  it('times and uptimes read short', () => {
    expect(shortTime('Wed 2026-11-25 12:48:04 UTC', new Date('2026-11-25T20:00:00Z'))).toBe('12:48:04');
    expect(shortTime('Wed 2026-11-25 12:48:04 UTC', new Date('2026-11-27T20:00:00Z'))).toBe('2026-11-25 12:48');
    expect([5, 125, 7300, 200000].map(formatUptime)).toEqual(['5s', '2m05s', '2h01m', '2d7h']);
  });
});

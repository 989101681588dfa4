// Doctor for one host: gather every probe in one round trip, turn the facts into checks.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import type { Pins } from '../release/pins.ts';
import { detailOf } from '../errors.ts';
import { readFacts } from '../facts/gather.ts';
import { containerFact, osFact, unitFact, type UnitFact } from '../facts/system.ts';
import { pathFact, type PathFact } from '../facts/file.ts';
import type { FactSpec } from '../facts/types.ts';
import { UNIT_NAME, sandboxFor } from '../render/index.ts';
import { checkBinary, checkPorts, checkUnit } from './check-service.ts';
import { answered } from '../facts/admin.ts';
import { checkConfig, checkLoaded, configFacts } from './check-config.ts';
import { diskVersionsFact, judgeLoaded, LOADED_STATS_PATH, parseStatsText } from '../ops/loaded.ts';
import { checkLogDisk, checkSandbox, logDiskFact, sandboxFact } from './check-host.ts';
import { checkEndpoint, endpointTargets } from './check-endpoints.ts';
import { checkAdmin, checkJournal } from './check-envoy.ts';
import { adminGet } from '../ops/admin.ts';
import { endpointsFact, journalFact, ssFact, statsPath, versionFact, HTTP_TIMEOUT_S } from './probes.ts';
import { check, worst, type Check, type HostReport } from './types.ts';
import { checkVip, vipPortsFact } from './check-vip.ts';
import { vipFact } from '../ops/vip.ts';

/** Longest the one probe script may take: endpoint probes run in parallel, the rest are short. */
const SCRIPT_TIMEOUT_MS = (HTTP_TIMEOUT_S + 40) * 1000;

function hostReport(host: HostSpec, checks: Check[], ms: number, roundTrips: number): HostReport {
  return {
    host: host.name,
    address: host.address,
    verdict: worst(checks.map((c) => c.verdict)),
    checks,
    ms,
    roundTrips,
  };
}

/** The host did not let us in: one failed ssh line saying why (`detail` names no host). */
export function unreachableReport(host: HostSpec, detail: string, ms: number): HostReport {
  const fix = 'check that the host is up, sshd runs, and the key and known_hosts entry in the inventory are right';
  return hostReport(
    host,
    [
      check('ssh', 'ssh', 'fail', `cannot connect to ${host.ssh.user}@${host.address}:${host.ssh.port}: ${detail}`, {
        fix,
      }),
    ],
    ms,
    0,
  );
}

/** The probes did not come back (`detail` names no host). */
export function probeFailed(detail: string): Check {
  return check('probe', 'probe', 'fail', `the probes did not complete: ${detail}`, {
    fix: 'run doctor again; a host this slow to answer is itself worth a look (load, disk)',
  });
}

export function failedReport(host: HostSpec, detail: string, ms: number): HostReport {
  return hostReport(host, [probeFailed(detail)], ms, 0);
}

/** One connected host: every probe in one round trip, turned into checks. */
export async function doctorHost(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
  lock: Pins,
  connectMs: number,
  signal?: AbortSignal,
): Promise<HostReport> {
  const started = Date.now() - connectMs;
  const before = t.stats.roundTrips;
  const checks = [check('ssh', 'ssh', 'ok', `${host.ssh.user}@${host.address}:${host.ssh.port} in ${connectMs} ms`)];
  try {
    checks.push(...(await gatherChecks(t, inv, host, lock, signal)));
  } catch (err) {
    checks.push(probeFailed(detailOf(err, host.name)));
  }
  return hostReport(host, checks, Date.now() - started, t.stats.roundTrips - before);
}

async function gatherChecks(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
  lock: Pins,
  signal?: AbortSignal,
): Promise<Check[]> {
  const bin = posix.join(inv.paths.installDir, 'current', 'envoy');
  const unit = unitFact(UNIT_NAME);
  const binary = pathFact(bin);
  const version = versionFact(bin);
  const config = configFacts(inv, host);
  const targets = endpointTargets(inv);
  const endpoints = endpointsFact(targets);
  const journal = journalFact();
  const admin = adminGet(inv, {
    ready: '/ready',
    info: '/server_info',
    clusters: '/clusters',
    listeners: '/listeners?format=json',
    stats: statsPath(),
    loaded: LOADED_STATS_PATH,
  });
  const versions = diskVersionsFact(inv, host);
  const logDisk = logDiskFact(inv.paths.logDir);
  const vip = inv.vip ? { view: vipFact(inv), ports: vipPortsFact(inv) } : undefined;
  const specs = [
    unit,
    osFact,
    containerFact,
    sandboxFact,
    logDisk,
    binary,
    version,
    ...config.files,
    config.eds,
    ssFact,
    endpoints,
    journal,
    admin,
    versions,
    ...(vip ? [vip.view, vip.ports] : []),
  ] as FactSpec<unknown>[];
  const res = await readFacts(t, specs, { timeoutMs: SCRIPT_TIMEOUT_MS, signal });
  const { get } = res;
  const u = get(unit);
  if (!u) {
    const why = res.stderr.trim().split('\n').pop() || `exit code ${res.code}`;
    return [
      check('probe', 'probe', 'fail', `the probe script did not complete: ${why}`, {
        fix: "run doctor again; if it persists, check the host's shell, systemctl, curl and ss",
      }),
    ];
  }
  const replies = get(admin);
  const checks: Check[] = [...checkUnit(u, inv.name, host.name)];
  if (u.loadState === 'loaded')
    checks.push(
      ...binaryChecks(inv, lock, host.name, get(osFact)?.machine ?? '', get(binary), get(version), replies?.info.body),
    );
  const files = new Map<string, PathFact>();
  for (const f of config.files) {
    const v = get(f);
    if (v) files.set(f.key.replace(/^path:/, ''), v);
  }
  const container = get(containerFact) ?? null;
  checks.push(checkConfig(inv, host, sandboxFor(host.hardening, container), files, get(config.eds) ?? []));
  const stats = replies?.loaded && answered(replies.loaded) ? parseStatsText(replies.loaded.body) : undefined;
  if (u.activeState === 'active')
    checks.push(checkLoaded(inv, host, judgeLoaded(inv, host, get(versions) ?? new Map(), stats)));
  const sandbox = get(sandboxFact);
  if (u.loadState === 'loaded' && sandbox) checks.push(...checkSandbox(inv, host, container, sandbox));
  const main = activeMainPid(u);
  const unitPids = main ? [main, ...(get(journal)?.pids ?? []).filter((p) => p !== main)] : [];
  checks.push(...checkPorts(inv, host, get(ssFact) ?? [], unitPids));
  const probes = get(endpoints) ?? [];
  targets.forEach((target, i) => checks.push(checkEndpoint(target, probes[i] ?? {}, host.name)));
  const none = { status: 0, body: '', error: 'not gathered' };
  checks.push(...checkAdmin(inv, replies ?? { ready: none, clusters: none, listeners: none, stats: none }));
  const j = get(journal);
  if (j) checks.push(checkJournal(j, u.activeState === 'active'));
  const disk = get(logDisk);
  if (disk) checks.push(...checkLogDisk(inv, disk));
  const view = vip && get(vip.view);
  if (vip && view) checks.push(...checkVip(inv, host, view, get(vip.ports) ?? new Map()));
  return checks;
}

function activeMainPid(u: UnitFact): number {
  return u.activeState === 'active' ? u.mainPid : 0;
}

function binaryChecks(
  inv: Inventory,
  lock: Pins,
  hostName: string,
  machine: string,
  binary?: PathFact,
  version?: { ok: boolean; text: string },
  serverInfo?: string,
): Check[] {
  let running: string | undefined;
  try {
    running = (JSON.parse(serverInfo ?? '') as { version?: string }).version?.split('/')[1];
  } catch {
    running = undefined;
  }
  return checkBinary(
    inv,
    lock,
    {
      machine,
      binary: binary ?? { type: 'absent' },
      version: version ?? { ok: false, text: '' },
      ...(running ? { running } : {}),
    },
    hostName,
  );
}

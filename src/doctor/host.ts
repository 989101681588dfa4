// Doctor for one host: connect, gather every probe in one round trip, turn the facts into checks.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import type { Lock } from '../release/lockfile.ts';
import { factScript, parseFactOutput, uniqueFacts } from '../facts/gather.ts';
import { containerFact, osFact, unitFact, type UnitFact } from '../facts/system.ts';
import { pathFact, type PathFact } from '../facts/file.ts';
import type { FactSpec } from '../facts/types.ts';
import { UNIT_NAME, sandboxFor } from '../render/index.ts';
import { checkBinary, checkPorts, checkUnit } from './check-service.ts';
import { checkConfig, configFacts } from './check-config.ts';
import { checkLogDisk, checkSandbox, logDiskFact, sandboxFact } from './check-host.ts';
import { checkEndpoint, endpointTargets } from './check-endpoints.ts';
import { checkAdmin, checkJournal } from './check-envoy.ts';
import { adminFact, endpointsFact, journalFact, ssFact, statsPath, versionFact, HTTP_TIMEOUT_S } from './probes.ts';
import { check, worst, type Check, type HostReport } from './types.ts';

export type Connector = (host: HostSpec) => Promise<Transport>;

/** Longest the one probe script may take: endpoint probes run in parallel, the rest are short. */
const SCRIPT_TIMEOUT_MS = (HTTP_TIMEOUT_S + 40) * 1000;

export async function doctorHost(inv: Inventory, host: HostSpec, lock: Lock, connector: Connector, signal?: AbortSignal): Promise<HostReport> {
  const started = Date.now();
  const report = (checks: Check[], roundTrips: number): HostReport => ({
    host: host.name,
    address: host.address,
    verdict: worst(checks.map((c) => c.verdict)),
    checks,
    ms: Date.now() - started,
    roundTrips,
  });
  let t: Transport;
  try {
    t = await connector(host);
  } catch (err) {
    const why = (err as Error).message.replace(new RegExp(`^${host.name}: `), '');
    return report([check('ssh', 'ssh', 'fail', `cannot connect to ${host.ssh.user}@${host.address}:${host.ssh.port}: ${why}`, { fix: 'check that the host is up, sshd runs, and the key and known_hosts entry in the inventory are right' })], 0);
  }
  try {
    const connectMs = Date.now() - started;
    const checks = [check('ssh', 'ssh', 'ok', `${host.ssh.user}@${host.address}:${host.ssh.port} in ${connectMs} ms`)];
    try {
      checks.push(...(await gatherChecks(t, inv, host, lock, signal)));
    } catch (err) {
      checks.push(check('probe', 'probe', 'fail', `the probes did not complete: ${(err as Error).message}`, { fix: 'run doctor again; a host this slow to answer is itself worth a look (load, disk)' }));
    }
    return report(checks, t.stats.roundTrips);
  } finally {
    await t.close().catch(() => undefined);
  }
}

async function gatherChecks(t: Transport, inv: Inventory, host: HostSpec, lock: Lock, signal?: AbortSignal): Promise<Check[]> {
  const bin = posix.join(inv.paths.installDir, 'current', 'envoy');
  const unit = unitFact(UNIT_NAME);
  const binary = pathFact(bin);
  const version = versionFact(bin);
  const config = configFacts(inv, host);
  const targets = endpointTargets(inv);
  const endpoints = endpointsFact(targets);
  const journal = journalFact();
  const admin = {
    ready: adminFact(inv, '/ready'),
    info: adminFact(inv, '/server_info'),
    clusters: adminFact(inv, '/clusters'),
    listeners: adminFact(inv, '/listeners?format=json'),
    stats: adminFact(inv, statsPath()),
  };
  const logDisk = logDiskFact(inv.paths.logDir);
  const specs = uniqueFacts([unit, osFact, containerFact, sandboxFact, logDisk, binary, version, ...config.files, config.eds, ssFact, endpoints, journal, ...Object.values(admin)] as FactSpec<unknown>[]);
  const res = await t.exec(factScript(specs), { timeoutMs: SCRIPT_TIMEOUT_MS, signal });
  const got = parseFactOutput(specs, res.stdout);
  const get = <T>(s: FactSpec<T>): T | undefined => got.get(s.key) as T | undefined;
  const u = get(unit);
  if (!u) {
    const why = res.stderr.trim().split('\n').pop() || `exit code ${res.code}`;
    return [check('probe', 'probe', 'fail', `the probe script did not complete: ${why}`, { fix: 'run doctor again; if it persists, check the host\'s shell, systemctl, curl and ss' })];
  }
  const checks: Check[] = [...checkUnit(u, inv.name, host.name)];
  if (u.loadState === 'loaded') checks.push(...binaryChecks(inv, lock, host.name, get(osFact)?.machine ?? '', get(binary), get(version), get(admin.info)?.body));
  const files = new Map<string, PathFact>();
  for (const f of config.files) {
    const v = get(f);
    if (v) files.set(f.key.replace(/^path:/, ''), v);
  }
  const container = get(containerFact) ?? null;
  checks.push(checkConfig(inv, host, sandboxFor(host.hardening, container), files, get(config.eds) ?? []));
  const sandbox = get(sandboxFact);
  if (u.loadState === 'loaded' && sandbox) checks.push(...checkSandbox(inv, host, container, sandbox));
  checks.push(...checkPorts(inv, host, get(ssFact) ?? [], activeMainPid(u)));
  const probes = get(endpoints) ?? [];
  targets.forEach((target, i) => checks.push(checkEndpoint(target, probes[i] ?? {}, host.name)));
  const reply = (s: typeof admin.ready) => get(s) ?? { status: 0, body: '', error: 'not gathered' };
  checks.push(...checkAdmin(inv, { ready: reply(admin.ready), clusters: reply(admin.clusters), listeners: reply(admin.listeners), stats: reply(admin.stats) }));
  const j = get(journal);
  if (j) checks.push(checkJournal(j, u.activeState === 'active'));
  const disk = get(logDisk);
  if (disk) checks.push(...checkLogDisk(inv, disk));
  return checks;
}

function activeMainPid(u: UnitFact): number {
  return u.activeState === 'active' ? u.mainPid : 0;
}

function binaryChecks(inv: Inventory, lock: Lock, hostName: string, machine: string, binary?: PathFact, version?: { ok: boolean; text: string }, serverInfo?: string): Check[] {
  let running: string | undefined;
  try {
    running = (JSON.parse(serverInfo ?? '') as { version?: string }).version?.split('/')[1];
  } catch {
    running = undefined;
  }
  return checkBinary(inv, lock, { machine, binary: binary ?? { type: 'absent' }, version: version ?? { ok: false, text: '' }, ...(running ? { running } : {}) }, hostName);
}

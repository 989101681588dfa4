// The lab's operations: build, up, down, status, and stopping/starting one host for fault tests.
// `up N` is incremental: running hosts are kept, missing ones are created and booted, hosts above
// N are destroyed (so `up 3` after `up 8` is fast). `fresh` tears everything down first.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { bridgeExists, ensureBridge, removeBridge } from './bridge.ts';
import { removeLabCgroups } from './cgroup.ts';
import { MAX_HOSTS, hostAddress, hostIndex, hostName, labConfig, labPaths, type LabConfig } from './config.ts';
import { LabError } from './errors.ts';
import {
  bootHost,
  consoleTail,
  createHost,
  destroyHost,
  hostExists,
  hostKeyOf,
  hostPaths,
  hostPid,
  stopHostProcess,
} from './host.ts';
import { readLabInfo, removeLabInfo, writeLabInfo, type LabHost, type LabInfo } from './info.ts';
import { writeLabInventory } from './inventory.ts';
import { publishStandin } from './release.ts';
import { ensureApiserverCert, ensureKeyPair, writeKnownHosts } from './keys.ts';
import { removeTree } from './mounts.ts';
import { preflight } from './preflight.ts';
import { buildRootfs } from './rootfs.ts';
import { labServices, servicePid, startService, stopService } from './services.ts';
import { sshOk, waitForSsh } from './ssh.ts';
import { currentConfig, readState, removeState, writeState } from './state.ts';

export interface LabOptions {
  /** Progress lines (the CLI prints them; tests may pass console.log). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const quiet = () => {};
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function labBuild(opts: LabOptions = {}): Promise<string> {
  preflight();
  return buildRootfs(labConfig(opts.env), opts.log ?? quiet);
}

/** Every host this lab knows of: overlay dirs, pid files. */
function knownHosts(cfg: LabConfig): string[] {
  const p = labPaths(cfg);
  const names = new Set<string>();
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const e of list(p.hostsDir)) if (hostIndex(e) !== undefined) names.add(e);
  for (const e of list(p.runDir)) {
    const m = /^host-(.+)\.pid$/.exec(e);
    if (m && hostIndex(m[1]!) !== undefined) names.add(m[1]!);
  }
  return [...names].sort((a, b) => hostIndex(a)! - hostIndex(b)!);
}

function labInfo(cfg: LabConfig, hosts: LabHost[]): LabInfo {
  const p = labPaths(cfg);
  return {
    hosts,
    inventoryPath: p.inventoryPath,
    keyPath: p.keyPath,
    knownHostsPath: p.knownHostsPath,
    bridgeAddress: cfg.bridgeAddress,
    mirrorDir: p.mirrorDir,
    mirrorUrl: `http://${cfg.bridgeAddress}:${cfg.mirrorPort}`,
    apiservers: cfg.apiserverPorts.map((port) => ({ port, url: `https://${cfg.bridgeAddress}:${port}` })),
    envoyVersion: cfg.envoyVersion,
  };
}

const bootTimeoutMs = (n: number) => 60_000 + 5_000 * n;

function describeFailure(cfg: LabConfig) {
  return (name: string) => {
    const tail = consoleTail(cfg, name);
    return `; console log ${hostPaths(cfg, name).logFile}${tail ? `:\n${tail}` : ''}`;
  };
}

export async function labUp(
  n: number,
  opts: LabOptions & { fresh?: boolean; /** The release padded to about this size (MiB). */ releaseMiB?: number } = {},
): Promise<LabInfo> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS)
    throw new LabError(`up: host count must be 1..${MAX_HOSTS}, got ${n}`);
  preflight();
  const log = opts.log ?? quiet;
  const started = Date.now();
  const cfg = labConfig(opts.env);
  const p = labPaths(cfg);
  const rootfs = await buildRootfs(cfg, log);
  const prev = readState(opts.env);
  if (opts.fresh || (prev && (prev.bridge !== cfg.bridge || prev.subnet !== cfg.subnet || prev.rootfs !== rootfs))) {
    await labDown(opts);
  }
  mkdirSync(cfg.labDir, { recursive: true, mode: 0o700 });
  for (const d of [p.runDir, p.logDir, p.hostsDir, p.mirrorDir]) mkdirSync(d, { recursive: true });
  writeState(cfg, rootfs); // first, so `down` can clean up whatever follows even after a crash
  const authorizedKey = await ensureKeyPair(p.keyPath);
  await ensureApiserverCert(p.tlsDir, cfg.bridgeAddress);
  await ensureBridge(cfg);
  await Promise.all(labServices(cfg).map((s) => startService(cfg, s)));

  const wanted = Array.from({ length: n }, (_, i) => hostName(i + 1));
  const extra = knownHosts(cfg).filter((name) => !wanted.includes(name));
  if (extra.length) log(`removing ${extra.join(', ')}`);
  await Promise.all(extra.map((name) => destroyHost(cfg, name)));

  const hosts: LabHost[] = [];
  const booted: string[] = [];
  for (const name of wanted) {
    let pid = hostPid(cfg, name);
    if (pid === undefined || !hostExists(cfg, name)) {
      if (pid !== undefined) await stopHostProcess(cfg, name); // a process without its overlay: a crash leftover
      await createHost(cfg, rootfs, name, authorizedKey);
      pid = bootHost(cfg, name);
      booted.push(name);
    }
    hosts.push({ name, address: hostAddress(cfg, hostIndex(name)!), pid });
  }
  writeKnownHosts(
    p.knownHostsPath,
    hosts.map((h) => ({ address: h.address, hostKey: hostKeyOf(cfg, h.name) })),
  );
  log(booted.length ? `booting ${booted.join(', ')}; waiting for SSH` : 'all hosts already running; checking SSH');
  await waitForSsh(p, hosts, bootTimeoutMs(n), describeFailure(cfg));

  const info = labInfo(cfg, hosts);
  writeLabInventory({ lab: info, extra: publishStandin(info.mirrorDir, info.envoyVersion, opts.releaseMiB) });
  writeLabInfo(p.infoPath, info);
  log(
    `lab up: ${n} host(s) on ${cfg.bridge} (${cfg.subnet}.0/24) in ${seconds(started)}; inventory ${p.inventoryPath}`,
  );
  return info;
}

/** Stops and removes everything `up` made (also after a crash); safe to run any number of times. */
export async function labDown(opts: LabOptions = {}): Promise<void> {
  preflight(['ip', 'mount']);
  const log = opts.log ?? quiet;
  const started = Date.now();
  const cfg = currentConfig(opts.env);
  const p = labPaths(cfg);
  const names = knownHosts(cfg);
  await Promise.all(names.map((name) => stopHostProcess(cfg, name)));
  await Promise.all(labServices(cfg).map((s) => stopService(cfg, s)));
  await removeTree(p.hostsDir); // unmounts every overlay first, stale ones included
  const hadBridge = bridgeExists(cfg.bridge);
  await removeBridge(cfg.bridge);
  removeLabCgroups(cfg);
  rmSync(p.runDir, { recursive: true, force: true });
  rmSync(p.inventoryPath, { force: true });
  removeLabInfo(p.infoPath);
  removeState(cfg);
  log(
    `lab down: ${names.length} host(s) stopped${hadBridge ? `, bridge ${cfg.bridge} removed` : ''} in ${seconds(started)}`,
  );
}

export interface HostStatus {
  name: string;
  address: string;
  pid?: number;
  up: boolean;
  ssh: boolean;
}

export interface ServiceStatus {
  id: string;
  url: string;
  pid?: number;
  up: boolean;
}

export async function labStatus(opts: LabOptions = {}): Promise<{ hosts: HostStatus[]; services: ServiceStatus[] }> {
  const cfg = currentConfig(opts.env);
  const p = labPaths(cfg);
  const hosts = await Promise.all(
    knownHosts(cfg).map(async (name): Promise<HostStatus> => {
      const pid = hostPid(cfg, name);
      const address = hostAddress(cfg, hostIndex(name)!);
      const ssh = pid !== undefined && (await sshOk(p, address));
      return { name, address, pid, up: pid !== undefined, ssh };
    }),
  );
  const services = labServices(cfg).map((s): ServiceStatus => {
    const pid = servicePid(cfg, s);
    const scheme = s.id === 'mirror' ? 'http' : 'https';
    return { id: s.id, url: `${scheme}://${s.address}:${s.port}`, pid, up: pid !== undefined };
  });
  return { hosts, services };
}

function runningLab(opts: LabOptions): LabConfig {
  preflight(['ssh', 'systemd-nspawn']);
  if (!readState(opts.env)) throw new LabError('the lab is not up: run `pnpm run lab up N` first');
  return currentConfig(opts.env);
}

/** Fault injection: SIGTERM the host's nspawn (a clean poweroff); its overlay stays for startHost. */
export async function stopHost(name: string, opts: LabOptions = {}): Promise<void> {
  const cfg = runningLab(opts);
  if (!hostExists(cfg, name)) throw new LabError(`${name} is not a host of the running lab`);
  await stopHostProcess(cfg, name);
}

/** Boots a stopped host again from the same overlay and waits for SSH; returns its new pid. */
export async function startHost(name: string, opts: LabOptions = {}): Promise<LabHost> {
  const cfg = runningLab(opts);
  const p = labPaths(cfg);
  if (!hostExists(cfg, name)) throw new LabError(`${name} is not a host of the running lab`);
  const host = { name, address: hostAddress(cfg, hostIndex(name)!), pid: hostPid(cfg, name) ?? bootHost(cfg, name) };
  await waitForSsh(p, [host], bootTimeoutMs(1), describeFailure(cfg));
  const info = readLabInfo(p.infoPath);
  if (info) writeLabInfo(p.infoPath, { ...info, hosts: info.hosts.map((h) => (h.name === name ? host : h)) });
  return host;
}

/** Fault injection on the control side: take one fake apiserver away, or bring it back. */
export async function stopApiserver(port: number, opts: LabOptions = {}): Promise<void> {
  const cfg = runningLab(opts);
  await stopService(cfg, apiserverSpec(cfg, port));
}

export async function startApiserver(port: number, opts: LabOptions = {}): Promise<void> {
  const cfg = runningLab(opts);
  await startService(cfg, apiserverSpec(cfg, port));
}

/** Fault injection on a running fake apiserver: ok, unready (/readyz 500) or hang (no TLS). */
export function apiserverMode(port: number, mode: 'ok' | 'unready' | 'hang', opts: LabOptions = {}): void {
  const cfg = runningLab(opts);
  const pid = servicePid(cfg, apiserverSpec(cfg, port));
  if (!pid) throw new LabError(`lab apiserver on port ${port} is not running`);
  process.kill(pid, mode === 'ok' ? 'SIGHUP' : mode === 'unready' ? 'SIGUSR1' : 'SIGUSR2');
}

function apiserverSpec(cfg: LabConfig, port: number) {
  const spec = labServices(cfg).find((s) => s.id === `apiserver-${port}`);
  if (!spec) throw new LabError(`no lab apiserver on port ${port} (ports: ${cfg.apiserverPorts.join(', ')})`);
  return spec;
}

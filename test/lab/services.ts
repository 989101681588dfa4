// Control-side services, detached so they outlive `pnpm run lab up`: the Envoy release mirror
// (HTTP) and the fake kube-apiservers (TLS), each bound to the bridge address only, each with a
// pid file in .lab/run/. Found again by command line after a crash.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { labPaths, type LabConfig } from './config.ts';
import { LabError } from './errors.ts';
import { apiserverCertFiles } from './keys.ts';
import { cmdline, findProcesses, isRunning, livePid, removePid, terminate, writePid, type ArgvMatch } from './proc.ts';

export interface ServiceSpec {
  id: string; // mirror | apiserver-<port>
  script: string;
  args: string[];
  address: string;
  port: number;
}

const script = (file: string) => fileURLToPath(new URL(file, import.meta.url));
// The tsx loader by absolute path: services start the same way from the CLI and from vitest.
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

export function mirrorService(cfg: LabConfig): ServiceSpec {
  const { mirrorDir } = labPaths(cfg);
  return {
    id: 'mirror',
    script: script('./server-mirror.ts'),
    args: [cfg.bridgeAddress, String(cfg.mirrorPort), mirrorDir],
    address: cfg.bridgeAddress,
    port: cfg.mirrorPort,
  };
}

export function apiserverService(cfg: LabConfig, port: number): ServiceSpec {
  const tls = apiserverCertFiles(labPaths(cfg).tlsDir, cfg.bridgeAddress);
  return {
    id: `apiserver-${port}`,
    script: script('./server-apiserver.ts'),
    args: [cfg.bridgeAddress, String(port), tls.cert, tls.key],
    address: cfg.bridgeAddress,
    port,
  };
}

export function labServices(cfg: LabConfig): ServiceSpec[] {
  return [mirrorService(cfg), ...cfg.apiserverPorts.map((port) => apiserverService(cfg, port))];
}

function matches(spec: ServiceSpec): ArgvMatch {
  return (argv) => argv.includes(spec.script) && argv.includes(spec.address) && argv.includes(String(spec.port));
}

function files(cfg: LabConfig, spec: ServiceSpec) {
  const p = labPaths(cfg);
  return { pidFile: path.join(p.runDir, `${spec.id}.pid`), logFile: path.join(p.logDir, `${spec.id}.log`) };
}

export function servicePid(cfg: LabConfig, spec: ServiceSpec): number | undefined {
  return livePid(files(cfg, spec).pidFile, matches(spec)) ?? findProcesses(matches(spec))[0];
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    sock.setTimeout(1000);
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
  });
}

/** Who listens on address:port or on the wildcard of that port, as `pid N: argv`, or undefined. */
function listener(address: string, port: number): string | undefined {
  let out = '';
  try {
    out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const local = new Set([`${address}:${port}`, `0.0.0.0:${port}`, `*:${port}`, `[::]:${port}`]);
  const line = out.split('\n').find((l) => local.has(l.trim().split(/\s+/)[3] ?? ''));
  if (!line) return undefined;
  const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
  return pid ? `pid ${pid}: ${(cmdline(pid) ?? ['?']).join(' ')}` : line.trim();
}

/** Starts the service unless it already runs; resolves once its port accepts connections. */
export async function startService(cfg: LabConfig, spec: ServiceSpec): Promise<number> {
  const running = servicePid(cfg, spec);
  if (running !== undefined) return running;
  // A process of another checkout (an interrupted run's orphan) on our port would answer in our
  // place: the readiness check below would pass and every test would talk to the wrong server.
  const other = listener(spec.address, spec.port);
  if (other) {
    throw new LabError(`${spec.id}: ${spec.address}:${spec.port} is already taken by ${other}; stop that process`);
  }
  const { pidFile, logFile } = files(cfg, spec);
  mkdirSync(path.dirname(pidFile), { recursive: true });
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  writeSync(log, `--- start ${new Date().toISOString()}\n`);
  const child = spawn(process.execPath, ['--import', tsxLoader, spec.script, ...spec.args], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new LabError(`${spec.id}: could not start ${process.execPath}`);
  writePid(pidFile, child.pid);
  const deadline = Date.now() + 15_000;
  while (!(await accepts(spec.address, spec.port))) {
    if (!isRunning(child.pid) || Date.now() > deadline) {
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
      throw new LabError(`${spec.id} did not start listening on ${spec.address}:${spec.port}; ${logFile}:\n${tail}`);
    }
    await sleep(100);
  }
  return child.pid;
}

export async function stopService(cfg: LabConfig, spec: ServiceSpec): Promise<void> {
  const pids = new Set(findProcesses(matches(spec)));
  const fromFile = servicePid(cfg, spec);
  if (fromFile !== undefined) pids.add(fromFile);
  await terminate([...pids], 5_000);
  removePid(files(cfg, spec).pidFile);
}
